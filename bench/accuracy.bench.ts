// Accuracy of every rule's preset on Fashion-MNIST (MLP 784-1024-512-10): mean ± std test accuracy over seeds.
// `npx tsx bench/accuracy.bench.ts` (or `npm run bench accuracy`): 10 epochs × 3 seeds on the full training set,
// hours on a CPU backend. Options (argv or env): --epochs N (EPOCHS, default 10), --seeds N (SEEDS, default 3),
// --first-seed N (FIRST_SEED, default 0: seeds N … N+seeds−1, to add seeds to an earlier sweep),
// --subset N (SUBSET, default: all 60,000), --rules bp,dfa,… (RULES, default: all presets),
// --no-baseline (BASELINE=0: skip the frozen-hidden controls), --backend NAME (BACKEND, default auto),
// --threads N (THREADS, ONNX Runtime's threads; default the physical cores).
// A run shorter than the default is labelled REDUCED and its PASS/MISS verdicts are only indicative.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { summarize } from '../shared/analysis/stats';
import { ExperimentSpec } from '../shared/schemas/experiment';
import type { BackendChoice } from '../src-main/engine/executor';
import { DatasetManager } from '../src-main/data/manager';
import type { LoadedDataset } from '../src-main/data/types';
import type { ModelConfig } from '../src-main/engine/model';
import { RULE_PRESETS, frozenHidden, type Preset, type RuleKey } from '../src-main/engine/presets';
import { planRuns, type RunPlan } from '../src-main/engine/run-plan';
import { option, pct, positiveInt } from './lib/options';
import { trainToEnd, type RunResult } from './lib/train-run';

const DEFAULT_EPOCHS = 10;
const DEFAULT_SEEDS = 3;
/** Targets for 10 epochs on the full data, mean over seeds. Rules without one are reported only. */
const TARGETS: Partial<Record<RuleKey, number>> = { bp: 0.885, dfa: 0.86, ebd: 0.86, sbd: 0.86 };

const epochs = positiveInt(option('epochs', 'EPOCHS'), DEFAULT_EPOCHS, 'epochs');
const seedCount = positiveInt(option('seeds', 'SEEDS'), DEFAULT_SEEDS, 'seeds');
const firstSeedText = option('first-seed', 'FIRST_SEED');
const firstSeed = firstSeedText ? positiveInt(firstSeedText, 0, 'first-seed') : 0;
const subsetText = option('subset', 'SUBSET');
const subset = subsetText ? positiveInt(subsetText, 0, 'subset') : undefined;
const ruleFilter = option('rules', 'RULES')
  ?.split(',')
  .map((r) => r.trim())
  .filter(Boolean);
const withBaseline = !process.argv.includes('--no-baseline') && process.env.BASELINE !== '0';
const backendName = (option('backend', 'BACKEND') ?? 'auto') as BackendChoice;
const threadsText = option('threads', 'THREADS');
const backend = { backend: backendName, threads: threadsText ? positiveInt(threadsText, 1, 'threads') : undefined };
const reduced = epochs < DEFAULT_EPOCHS || seedCount < DEFAULT_SEEDS || subset !== undefined;

const presets = RULE_PRESETS.filter((p) => !ruleFilter || ruleFilter.includes(p.rule!));
if (presets.length === 0) throw new Error(`no preset matches ${ruleFilter?.join(', ')}`);

function specFor(preset: Preset, seed: number): ExperimentSpec {
  return ExperimentSpec.parse({
    ...preset.spec,
    dataset: { ...preset.spec.dataset, trainSubset: subset, validationFraction: 0 },
    epochs,
    seeds: [seed],
  });
}

const run = (config: ModelConfig, plan: RunPlan, data: LoadedDataset) => trainToEnd(config, plan, data, backend);

console.log(
  `accuracy bench: ${presets.length} presets × ${seedCount} seed(s) from seed ${firstSeed}, ${epochs} epoch(s), ` +
    `${subset ?? 'all'} training samples, backend ${backendName}${backend.threads ? `, ${backend.threads} threads` : ''}` +
    (reduced ? `\n*** REDUCED run (defaults: ${DEFAULT_EPOCHS} epochs, ${DEFAULT_SEEDS} seeds, full data) ***` : ''),
);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-accuracy-bench-'));
try {
  const manager = new DatasetManager({ dataDir });
  const datasets = new Map<string, LoadedDataset>();
  const load = async (spec: ExperimentSpec) => {
    const key = JSON.stringify(spec.dataset);
    let data = datasets.get(key);
    if (!data) {
      data = await manager.load(spec.dataset.name, {
        trainSubset: spec.dataset.trainSubset,
        validationFraction: spec.dataset.validationFraction,
        standardise: spec.dataset.standardise,
      });
      datasets.set(key, data);
    }
    return data;
  };

  const results = new Map<string, RunResult[]>();
  const controls = new Map<string, RunResult[]>();
  const controlOf = new Map<string, string>();
  for (let seed = firstSeed; seed < firstSeed + seedCount; seed++) {
    for (const preset of presets) {
      const spec = specFor(preset, seed);
      const data = await load(spec);
      const plan = planRuns(spec, {
        inputSize: data.train.featureSize,
        inputShape: data.train.inputShape,
        outputSize: data.outputSize,
      })[0]!;
      if (withBaseline) {
        // One control per network, loss, optimiser and data (the rule and regularisers are inert in it).
        const frozen = frozenHidden(plan.model);
        const key = JSON.stringify([frozen.network, frozen.loss, frozen.optimizer, spec.dataset, spec.batchSize]);
        controlOf.set(preset.id, key);
        const done = controls.get(key) ?? [];
        if (done.length <= seed - firstSeed) {
          const r = await run(frozen, plan, data);
          const name = `frozen hidden (${frozen.loss})`;
          console.log(`  seed ${seed} ${name.padEnd(34)} ${pct(r.accuracy)}%  (${r.seconds.toFixed(0)} s)`);
          controls.set(key, [...done, r]);
        }
      }
      const r = await run(plan.model, plan, data);
      console.log(
        `  seed ${seed} ${preset.title.padEnd(34)} ${pct(r.accuracy)}%  ${r.status}, max power ` +
          `${r.maxPower.toPrecision(3)}, per epoch [${r.curve.map(pct).join(' ')}] (${r.seconds.toFixed(0)} s)`,
      );
      results.set(preset.id, [...(results.get(preset.id) ?? []), r]);
    }
  }

  const rows: string[][] = [['rule', 'loss', 'runs', 'test accuracy', 'frozen hidden', 'max power', 'target', '']];
  for (const preset of presets) {
    const rs = results.get(preset.id)!;
    const { mean, std } = summarize(rs.map((r) => r.accuracy));
    const control = controls.get(controlOf.get(preset.id) ?? '');
    const c = control ? summarize(control.map((r) => r.accuracy)) : null;
    const target = TARGETS[preset.rule!];
    const verdict = target === undefined ? '' : mean >= target ? 'PASS' : 'MISS';
    rows.push([
      preset.title.split(' — ')[0]!,
      ExperimentSpec.parse(preset.spec).loss,
      String(rs.length),
      `${pct(mean)} ± ${pct(std)}%`,
      c ? `${pct(c.mean)} ± ${pct(c.std)}%` : '—',
      Math.max(...rs.map((r) => r.maxPower)).toPrecision(3),
      target === undefined ? (preset.rule === 'sbd_expansion' ? '(beside SBD)' : '—') : `≥ ${pct(target)}%`,
      reduced && verdict ? `${verdict} (reduced)` : verdict,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log('');
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  if (reduced) console.log(`\nREDUCED: ${epochs} epoch(s), ${seedCount} seed(s), ${subset ?? 'all'} samples.`);
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
