import type { LoadedDataset } from '../../src-main/data/types';
import { startExecutor, type BackendChoice } from '../../src-main/engine/executor';
import { Model, type ModelConfig } from '../../src-main/engine/model';
import type { RunPlan } from '../../src-main/engine/run-plan';
import { evaluate, testViews, train } from '../../src-main/engine/trainer';
import type { AugmentationPlan } from '../../src-main/data/augment';

export interface RunResult {
  accuracy: number;
  /** Test accuracy after each epoch. */
  curve: number[];
  maxPower: number;
  status: string;
  seconds: number;
  /** The backend the run trained on. */
  backend: string;
}

/**
 * Trains one (config, seed) to the end on the train split, evaluating the test split after each epoch, with the
 * same trainer a run in the app uses (no checkpoints), and the spec's augmentation where one is given. `onEpoch` sees each epoch's test accuracy as it comes, so a
 * long bench prints its curve while it runs.
 */
export async function trainToEnd(
  config: ModelConfig,
  plan: RunPlan,
  data: LoadedDataset,
  backend: { backend: BackendChoice; threads?: number },
  onEpoch: (
    epoch: number,
    accuracy: number,
    seconds: number,
    diagnostics: Readonly<Record<string, number>>,
  ) => void = () => undefined,
  augmentation?: AugmentationPlan,
): Promise<RunResult> {
  const started = performance.now();
  const model = new Model(config, plan.seed);
  const { runner } = await startExecutor(model, { ...backend, batchSize: plan.train.batchSize });
  try {
    let maxPower = 0;
    const curve: number[] = [];
    // The latest value of every diagnostic, for the epoch lines (a learned broadcast's regime among them).
    const diagnostics: Record<string, number> = {};
    const outcome = await train(
      runner,
      model,
      { train: data.train, validation: null, test: data.test },
      // One test evaluation per epoch: the benches' curves and lines are per epoch.
      { ...plan.train, checkpointEvery: 0, evaluationsPerEpoch: 1, augmentation },
      {
        metrics: (points) => {
          for (const p of points) {
            if (p.split === 'diagnostic') diagnostics[p.name] = p.value;
            if (/^layer\d+\.activation_power$/.test(p.name)) maxPower = Math.max(maxPower, p.value);
            if (p.split === 'test' && p.name === 'accuracy') {
              curve.push(p.value);
              onEpoch(curve.length, p.value, (performance.now() - started) / 1000, { ...diagnostics });
            }
          }
        },
        progress: () => undefined,
        checkpoint: () => undefined,
      },
      { stopRequested: false, waitWhilePaused: async () => undefined },
    );
    const { accuracy } = await evaluate(runner, model, data.test, testViews(model, augmentation));
    return {
      accuracy,
      curve,
      maxPower,
      // A diverged run says where and why, so that a bench line is enough to act on.
      status:
        outcome.status === 'diverged'
          ? `diverged at step ${outcome.step}: ${outcome.reason} (layer ${outcome.layer}, ${outcome.quantity})`
          : outcome.status,
      seconds: (performance.now() - started) / 1000,
      backend: runner.report.backend,
    };
  } finally {
    await runner.dispose();
  }
}
