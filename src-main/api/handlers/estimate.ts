import type { EpochEstimate } from '../../../shared/api/contract';
import { ApiError } from '../../../shared/api/errors';
import { plannedSplitSizes, secondsPerEpoch } from '../../engine/epoch-estimate';
import type { ApiServices } from '../services';
import type { Handlers } from '../handler-types';

type EstimateHandlers = Pick<Handlers, 'experiments.estimate'>;

export function estimateHandlers({ store, runs, datasets, estimator }: ApiServices): EstimateHandlers {
  return {
    'experiments.estimate': async ({ spec, backend }) => {
      const dataset = (await datasets()).find((d) => d.name === spec.dataset.name);
      if (!dataset) throw new ApiError('not_found', `no dataset named "${spec.dataset.name}"`);
      const inputSize = dataset.inputShape.reduce((a, b) => a * b, 1);
      const busyRuns = store.runs.list({ status: 'running' }).length;
      const measured = await estimator.measure({
        spec,
        backend: backend ?? runs.defaultBackend,
        inputSize,
        inputShape: dataset.inputShape,
        outputSize: dataset.outputSize,
      });
      const splits = plannedSplitSizes(dataset.sizes, {
        validationFraction: spec.dataset.validationFraction,
        trainSubset: spec.dataset.trainSubset,
      });
      const arms: EpochEstimate['arms'] = spec.rules.map((rule, i) => {
        const timing = measured.arms[i]!;
        return {
          label: rule.label || rule.rule.toUpperCase(),
          msPerStep: timing.msPerStep,
          secondsPerEpoch: secondsPerEpoch(timing, splits, spec.batchSize),
          timedSteps: timing.steps,
        };
      });
      const perSeed = arms.reduce((sum, arm) => sum + arm.secondsPerEpoch, 0);
      return {
        backend: measured.backend,
        device: measured.device,
        splits,
        stepsPerEpoch: Math.floor(splits.train / spec.batchSize),
        arms,
        totalSeconds: perSeed * spec.epochs * spec.seeds.length,
        busyRuns,
      };
    },
  };
}
