// CIFAR-10 with the EBD paper's MLP 3072-1024-512-512-10 (preset 'ebd-paper-cifar10-mlp'): one seed per rule, test
// accuracy after every epoch, beside the paper's 120-epoch numbers (BP 56.4, DFA 52.1, EBD 55.5; mean of 5 seeds).
// `npx tsx bench/cifar.bench.ts` (or `npm run bench cifar`). Options (argv or env): --epochs N (EPOCHS, default 20),
// --rules bp,dfa,ebd,sbd (RULES; SBD runs with cross-entropy, the others with the paper's MSE), --preset ID (PRESET:
// 'ebd-paper-cifar10-mlp-recipe' for the paper's recipe), --arms TEXT,… (ARMS: arms whose label contains one),
// --subset N (SUBSET: fewer training images, for a smoke run), --backend NAME (BACKEND),
// --archive PATH (CIFAR_ARCHIVE, default ../shared/data/cifar10-jpg.tar.gz). The archive is unpacked once into
// ~/.cache/broadcast-lab/cifar10-jpg and imported as an image folder into the data folder
// ~/.cache/broadcast-lab/bench-data, whose image cache keeps the decoded pixels for the next run.
// Each epoch's accuracy is printed as it comes, so a run cut short still reports its curve. For the paper's CNN and
// LC presets (e.g. --preset ebd-paper-cifar10-cnn-quick --seeds 0,1,2): the preset's own data options (per-channel
// standardisation, its training subset) and epochs, every seed given (SEEDS, default 0), and a closing table of
// mean ± std over the seeds with each learned broadcast's regime per layer.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { learnedShareLayers } from '../shared/analysis/regime';
import { ExperimentSpec, type Loss } from '../shared/schemas/experiment';
import type { BackendChoice } from '../src-main/engine/executor';
import { DatasetManager } from '../src-main/data/manager';
import { preset, presetArm } from '../src-main/engine/presets';
import { planRuns } from '../src-main/engine/run-plan';
import { option, pct, positiveInt } from './lib/options';
import { trainToEnd } from './lib/train-run';
import { layerLabel } from '../shared/network/describe';
import { datasetAugmentation, datasetLoadOptions } from '../src-main/data/spec-options';

/** The paper's test accuracy after 120 epochs (Erdogan et al. 2025, CIFAR-10 MLP, mean of 5 seeds). */
const PAPER_BY_NETWORK: Record<string, Record<string, number>> = {
  mlp: { BP: 56.4, DFA: 52.1, EBD: 55.5 },
  cnn: { BP: 75.2, DFA: 58.4, EBD: 66.4 },
  lc: { BP: 67.8, DFA: 62.2, EBD: 64.3 },
  // CorInfoMax-EBD (3-layer, 55.7 ± 0.17); the paper gives no DFA or SBD arm on it.
  corinfomax: { EBD: 55.7 },
  pepita: { PEPITA: 52.6 },
};
const DEFAULT_EPOCHS = 20;
/** The paper's number beside an arm: BP and DFA by name, any learning EBD arm (not its frozen twin) beside EBD's. */
function paperNumber(label: string): string {
  const arm = label.replace(/^CorInfoMax-/, '');
  const key = arm.startsWith('EBD') && !arm.includes('frozen') ? 'EBD' : arm;
  const network = base.id.startsWith('pepita-')
    ? 'pepita'
    : base.id.includes('-corinfomax')
      ? 'corinfomax'
      : base.id.includes('-cnn')
        ? 'cnn'
        : base.id.includes('-lc')
          ? 'lc'
          : 'mlp';
  const paper = PAPER_BY_NETWORK[network]!;
  return paper[key] === undefined ? '—' : `${paper[key]}%`;
}

const base = preset(option('preset', 'PRESET') ?? 'ebd-paper-cifar10-mlp');
const epochs = positiveInt(
  option('epochs', 'EPOCHS'),
  option('preset', 'PRESET') ? base.spec.epochs : DEFAULT_EPOCHS,
  'epochs',
);
const seeds = (option('seeds', 'SEEDS') ?? '0').split(',').map((text) => {
  const seed = Number(text.trim());
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`seeds are whole numbers ≥ 0, got ${text}`);
  return seed;
});
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
  // A CorInfoMax network's convergence: the largest last-iteration change over its layers.
  const residuals = Object.entries(diagnostics).filter(([name]) => name.endsWith('.dynamics_residual'));
  const converged =
    residuals.length > 0 ? `  dynamics residual ≤ ${Math.max(...residuals.map(([, v]) => v)).toExponential(1)}` : '';
  const layers = learnedShareLayers(Object.keys(diagnostics));
  if (layers.length === 0) return converged;
  const of = (metric: string) => layers.map((k) => (diagnostics[`layer${k}.${metric}`] ?? NaN).toFixed(2)).join('/');
  return `  learned share ${of('learned_share')}, bp_cosine ${of('bp_cosine')}${converged}`;
}

const armFilter = option('arms', 'ARMS')
  ?.split(',')
  .map((a) => a.trim().toLowerCase())
  .filter(Boolean);
const labelOf = (r: (typeof base.spec.rules)[number]) => (r.label ?? r.rule).toLowerCase();
const arms = base.spec.rules.filter(
  (r) => (!ruleFilter || ruleFilter.includes(r.rule)) && (!armFilter || armFilter.some((a) => labelOf(r).includes(a))),
);
// SBD broadcasts the cross-entropy score: its own experiment, the same network and settings with that loss — unless
// the preset has its own SBD arm (the CNN/LC presets' SBD with the score expansion under MSE).
const presetHasSbd = base.spec.rules.some((r) => r.rule === 'sbd');
const withSbd = !presetHasSbd && ((!ruleFilter && !armFilter) || ruleFilter?.includes('sbd') === true);
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
  const specOf = (loss: Loss, rules: typeof arms) =>
    ExperimentSpec.parse({
      ...base.spec,
      dataset: {
        ...base.spec.dataset,
        name: 'cifar10-jpg',
        validationFraction: 0,
        trainSubset: subset ?? base.spec.dataset.trainSubset,
      },
      loss,
      rules,
      seeds,
      epochs,
    });
  const specs = [
    // The preset's own loss for its arms (PEPITA's cross-entropy); the paper's MSE where it says none.
    ...(arms.length > 0 ? [specOf(base.spec.loss ?? 'mse', arms)] : []),
    ...(withSbd ? [specOf('cross_entropy', [presetArm('sbd', 3, 120)])] : []),
  ];
  const spec = specs[0]!;
  const data = await manager.load('cifar10-jpg', datasetLoadOptions(spec.dataset));
  console.log(
    `CIFAR-10 bench: ${data.train.size} train / ${data.test.size} test images, network ` +
      `${[data.train.featureSize, ...spec.network.hidden.map(layerLabel), data.outputSize].join('-')}, batch ` +
      `${spec.batchSize}, ${epochs} epoch(s), seeds ${seeds.join(',')}, backend ${backendName}${backend.threads ? `, ${backend.threads} threads` : ''}`,
  );
  const rows: string[][] = [['rule', 'seed', 'epochs', 'test accuracy', 'best', 'paper', 'time/epoch', 'status']];
  const finals = new Map<string, { accuracy: number[]; regime: string }>();
  const plans = specs.flatMap((s) =>
    planRuns(s, { inputSize: data.train.featureSize, inputShape: data.train.inputShape, outputSize: data.outputSize }),
  );
  for (const plan of plans) {
    const label = plan.label;
    console.log(`\n${label}, seed ${plan.seed}:`);
    let regime = '';
    const augmentation = datasetAugmentation(spec.dataset, data);
    const r = await trainToEnd(
      plan.model,
      plan,
      data,
      backend,
      (epoch, accuracy, seconds, diagnostics) => {
        regime = regimeLine(diagnostics);
        console.log(
          `  epoch ${String(epoch).padStart(3)}  test ${pct(accuracy)}%  (${(seconds / epoch).toFixed(0)} s/epoch)` +
            regime,
        );
      },
      augmentation,
    );
    const final = finals.get(label) ?? { accuracy: [], regime: '' };
    final.accuracy.push(r.accuracy);
    final.regime += `\n    seed ${plan.seed}:${regime || ' —'}`;
    finals.set(label, final);
    rows.push([
      label,
      String(plan.seed),
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
  console.log('\nmean ± std over seeds (test accuracy at the end):');
  for (const [label, f] of finals) {
    const mean = f.accuracy.reduce((a, b) => a + b, 0) / f.accuracy.length;
    const std = Math.sqrt(f.accuracy.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, f.accuracy.length - 1));
    console.log(`  ${label}: ${pct(mean)} ± ${pct(std)}% (n = ${f.accuracy.length})${f.regime}`);
  }
  console.log(
    `\nThe paper's numbers are after its full protocol (the full preset's epochs, 5 seeds); this is ${epochs} ` +
      `epoch(s), ${seeds.length} seed(s).`,
  );
}
