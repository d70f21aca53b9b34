// CIFAR-10 with the EBD paper's MLP 3072-1024-512-512-10 (preset 'ebd-paper-cifar10-mlp'): one seed per rule, test
// accuracy after every epoch, beside the paper's 120-epoch numbers (BP 56.4, DFA 52.1, EBD 55.5; mean of 5 seeds).
// `npx tsx bench/cifar.bench.ts` (or `npm run bench cifar`). Options (argv or env): --epochs N (EPOCHS, default 20),
// --rules bp,dfa,ebd,sbd (RULES; SBD runs with cross-entropy, the others with the paper's MSE), --preset ID (PRESET:
// 'ebd-paper-cifar10-mlp-recipe' for the paper's recipe), --arms TEXT,… (ARMS: arms whose label contains one),
// --subset N (SUBSET: fewer training images, for a smoke run), --backend NAME (BACKEND),
// --archive PATH (CIFAR_ARCHIVE, default ../shared/data/cifar10-jpg.tar.gz). The archive is unpacked once into
// ~/.cache/broadcast-lab/cifar10-jpg and imported as an image folder into the data folder
// ~/.cache/broadcast-lab/bench-data, whose image cache keeps the decoded pixels for the next run.
// Each epoch's accuracy is printed as it comes, so a run cut short still reports its curve.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { learnedShareLayers } from '../shared/analysis/regime';
import { ExperimentSpec } from '../shared/schemas/experiment';
import type { BackendChoice } from '../src-main/engine/executor';
import { DatasetManager } from '../src-main/data/manager';
import { preset, presetArm } from '../src-main/engine/presets';
import { planRuns } from '../src-main/engine/run-plan';
import { option, pct, positiveInt } from './lib/options';
import { trainToEnd } from './lib/train-run';
import { layerLabel } from '../shared/network/describe';

/** The paper's test accuracy after 120 epochs (Erdogan et al. 2025, CIFAR-10 MLP, mean of 5 seeds). */
const PAPER: Record<string, number> = { BP: 56.4, DFA: 52.1, EBD: 55.5 };
const DEFAULT_EPOCHS = 20;
/** The paper's number beside an arm: BP and DFA by name, any learning EBD arm (not its frozen twin) beside EBD's. */
function paperNumber(label: string): string {
  const key = label.startsWith('EBD') && !label.includes('frozen') ? 'EBD' : label;
  return PAPER[key] === undefined ? '—' : `${PAPER[key]}%`;
}

const epochs = positiveInt(option('epochs', 'EPOCHS'), DEFAULT_EPOCHS, 'epochs');
const subsetText = option('subset', 'SUBSET');
const subset = subsetText ? positiveInt(subsetText, 0, 'subset') : undefined;
const ruleFilter = option('rules', 'RULES')
  ?.split(',')
  .map((r) => r.trim().toLowerCase())
  .filter(Boolean);
const backendName = (option('backend', 'BACKEND') ?? 'auto') as BackendChoice;
const threadsText = option('threads', 'THREADS');
const backend = { backend: backendName, threads: threadsText ? positiveInt(threadsText, 1, 'threads') : undefined };
const archive = path.resolve(
  option('archive', 'CIFAR_ARCHIVE') ??
    path.join(import.meta.dirname, '..', '..', 'shared', 'data', 'cifar10-jpg.tar.gz'),
);

/** Unpacks the archive once; a half-written folder from an interrupted unpack is replaced. */
function unpacked(): string {
  const cache = path.join(os.homedir(), '.cache', 'broadcast-lab');
  const folder = path.join(cache, 'cifar10-jpg');
  const done = path.join(folder, '.unpacked');
  if (fs.existsSync(done)) return folder;
  if (!fs.existsSync(archive)) throw new Error(`CIFAR-10 archive not found at ${archive} (set --archive)`);
  fs.rmSync(folder, { recursive: true, force: true });
  fs.mkdirSync(folder, { recursive: true });
  console.log(`unpacking ${archive} into ${folder} …`);
  const tar = spawnSync('tar', ['-xzf', archive, '-C', folder], { stdio: 'inherit' });
  if (tar.status !== 0) throw new Error(`tar could not unpack ${archive} (exit ${tar.status})`);
  fs.writeFileSync(done, new Date().toISOString());
  return folder;
}

/** A learned broadcast's regime at the epoch's end: each layer's learned share and BP cosine (docs/diagnostics.md). */
function regimeLine(diagnostics: Readonly<Record<string, number>>): string {
  const layers = learnedShareLayers(Object.keys(diagnostics));
  if (layers.length === 0) return '';
  const of = (metric: string) => layers.map((k) => (diagnostics[`layer${k}.${metric}`] ?? NaN).toFixed(2)).join('/');
  return `  learned share ${of('learned_share')}, bp_cosine ${of('bp_cosine')}`;
}

const base = preset(option('preset', 'PRESET') ?? 'ebd-paper-cifar10-mlp');
const armFilter = option('arms', 'ARMS')
  ?.split(',')
  .map((a) => a.trim().toLowerCase())
  .filter(Boolean);
const labelOf = (r: (typeof base.spec.rules)[number]) => (r.label ?? r.rule).toLowerCase();
const arms = base.spec.rules.filter(
  (r) => (!ruleFilter || ruleFilter.includes(r.rule)) && (!armFilter || armFilter.some((a) => labelOf(r).includes(a))),
);
// SBD broadcasts the cross-entropy score: its own experiment, the same network and settings with that loss.
const withSbd = (!ruleFilter && !armFilter) || ruleFilter?.includes('sbd') === true;
if (arms.length === 0 && !withSbd) throw new Error(`no arm of ${base.id} matches ${ruleFilter?.join(', ')}`);

const folder = unpacked();
const dataDir = path.join(os.homedir(), '.cache', 'broadcast-lab', 'bench-data');
{
  const manager = new DatasetManager({ dataDir });
  let loaded = 0; // images decoded when progress was last printed
  await manager.importDataset(folder, {
    name: 'cifar10-jpg',
    channels: 3,
    replace: true,
    onProgress: (done, total) => {
      if (done < total && done - loaded < 10_000) return;
      console.log(`  decoded ${done}/${total} images`);
      loaded = done;
    },
  });
  const specOf = (loss: 'mse' | 'cross_entropy', rules: typeof arms) =>
    ExperimentSpec.parse({
      ...base.spec,
      dataset: { name: 'cifar10-jpg', standardise: true, validationFraction: 0, trainSubset: subset },
      loss,
      rules,
      seeds: [0],
      epochs,
    });
  const specs = [
    ...(arms.length > 0 ? [specOf('mse', arms)] : []),
    ...(withSbd ? [specOf('cross_entropy', [presetArm('sbd', 3, 120)])] : []),
  ];
  const spec = specs[0]!;
  const data = await manager.load('cifar10-jpg', {
    standardise: true,
    validationFraction: 0,
    trainSubset: subset,
  });
  console.log(
    `CIFAR-10 bench: ${data.train.size} train / ${data.test.size} test images, MLP ` +
      `${[data.train.featureSize, ...spec.network.hidden.map(layerLabel), data.outputSize].join('-')}, batch ` +
      `${spec.batchSize}, ${epochs} epoch(s), seed 0, backend ${backendName}${backend.threads ? `, ${backend.threads} threads` : ''}`,
  );
  const rows: string[][] = [['rule', 'epochs', 'test accuracy', 'best', 'paper (120 epochs)', 'time/epoch', 'status']];
  const plans = specs.flatMap((s) => planRuns(s, { inputSize: data.train.featureSize, inputShape: data.train.inputShape, outputSize: data.outputSize }));
  for (const plan of plans) {
    const label = plan.label;
    console.log(`\n${label}:`);
    const r = await trainToEnd(plan.model, plan, data, backend, (epoch, accuracy, seconds, diagnostics) =>
      console.log(
        `  epoch ${String(epoch).padStart(3)}  test ${pct(accuracy)}%  (${(seconds / epoch).toFixed(0)} s/epoch)` +
          regimeLine(diagnostics),
      ),
    );
    rows.push([
      label,
      String(r.curve.length),
      `${pct(r.accuracy)}%`,
      `${pct(Math.max(...r.curve))}%`,
      paperNumber(label),
      `${(r.seconds / Math.max(1, r.curve.length)).toFixed(0)} s`,
      r.status,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log('');
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  if (epochs < 120) console.log(`\nThe paper trains 120 epochs over 5 seeds; this is ${epochs} epoch(s), one seed.`);
}
