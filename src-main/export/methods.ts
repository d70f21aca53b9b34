import type { MethodsInput, MethodsSetting } from '../../shared/export/methods-text';
import type { ExportContext } from './context';
import { hostDescription } from './environment';
import { armLabel } from './selection';

function numberOr(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

/**
 * The methods text's input from the selection: one setting per distinct data/network/loss/epochs/batch, its groups
 * as arms (hyperparameters with the catalogue's defaults, optimiser and regularisers as trained), the seeds, and
 * the backends, devices and thread counts the runs recorded.
 */
export function methodsInput(ctx: ExportContext): MethodsInput {
  const settings = new Map<string, MethodsSetting>();
  for (const group of ctx.selection.groups) {
    const c = group.config;
    const settingKey = JSON.stringify([c.dataset, c.network, c.loss, c.epochs, c.batchSize]);
    let setting = settings.get(settingKey);
    if (!setting) {
      const recorded = group.runs.map((r) => r.environment).find((e) => typeof e.datasetHash === 'string');
      setting = {
        dataset: {
          ...c.dataset,
          hash: typeof recorded?.datasetHash === 'string' ? recorded.datasetHash : null,
          sizes:
            recorded && numberOr(recorded.trainSize) !== null
              ? {
                  train: numberOr(recorded.trainSize) ?? 0,
                  validation: numberOr(recorded.validationSize) ?? 0,
                  test: numberOr(recorded.testSize) ?? 0,
                }
              : null,
        },
        network: c.network,
        loss: c.loss,
        epochs: c.epochs,
        batchSize: c.batchSize,
        arms: [],
      };
      settings.set(settingKey, setting);
    }
    setting.arms.push({
      label: group.runs[0] ? armLabel(group.runs[0]) : group.label,
      rule: c.rules.rule,
      params: c.rules.params,
      optimizer: c.optimizer,
      regularizers: c.regularizers,
      seeds: group.runs.map((r) => r.seed),
    });
  }
  const runs = ctx.selection.runs;
  const distinct = <T>(values: (T | null | undefined)[]) => [
    ...new Set(values.filter((v): v is T => v !== null && v !== undefined)),
  ];
  const host = hostDescription();
  return {
    settings: [...settings.values()],
    error: ctx.options.error,
    hardware: {
      cpu: host.cpu,
      os: host.os,
      backends:
        distinct(runs.map((r) => r.backend)).length > 0 ? distinct(runs.map((r) => r.backend)) : ['(not started)'],
      devices: distinct(runs.map((r) => (typeof r.environment.device === 'string' ? r.environment.device : null))),
      threads: distinct(runs.map((r) => numberOr(r.environment.threads))),
    },
    appName: ctx.app.name,
    appVersion: ctx.app.version,
  };
}
