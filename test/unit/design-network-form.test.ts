import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../shared/api/contract';
import { withDefaults } from '../../shared/rules/catalogue';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { expandSweep } from '../../shared/sweeps/expand';
import { PRESETS } from '../../src-main/engine/presets';
import { loadDraft, saveDraft, type DraftStorage } from '../../src-renderer/lib/design/draft';
import { withCrop, withFlip, withTestTime, withTranslate } from '../../src-renderer/lib/design/augmentation-form';
import { checkForm, defaultForm, fromSpec, newLayer, toSpecInput } from '../../src-renderer/lib/design/form';
import { issueInWords } from '../../src-renderer/lib/design/issue-words';
import { networkShapes } from '../../src-renderer/lib/design/network-shapes';
import { suggestedFields, toSweep } from '../../src-renderer/lib/design/sweep-axes';

const EXAMPLES = path.join(import.meta.dirname, '../../assets/examples');

/** The form shows every rule parameter, defaults included; a spec that leaves them out means the same. */
function resolved(spec: ExperimentSpec): ExperimentSpec {
  return { ...spec, rules: spec.rules.map((r) => ({ ...r, params: withDefaults(r.rule, r.params) })) };
}

/** The spec after a trip through the form, as the JSON text a file or the store would hold. */
function roundTrip(spec: ExperimentSpec): string {
  const checked = checkForm(fromSpec(spec));
  expect(checked.issues).toEqual([]);
  return JSON.stringify(checked.ok ? checked.spec : null);
}

const cnnSpec = ExperimentSpec.parse({
  name: 'CNN and LC',
  dataset: {
    name: 'cifar-10',
    standardise: true,
    standardiseOver: 'channel',
    augmentation: { crop: { padding: 4 }, flip: 'alternate_epochs' },
  },
  network: {
    hidden: [
      {
        kind: 'conv',
        channels: 64,
        kernel: 5,
        stride: 1,
        padding: 2,
        activation: 'relu',
        pool: { kind: 'max', size: 2 },
      },
      { kind: 'local', channels: 16, kernel: 3, stride: 2, activation: 'tanh', pool: { kind: 'avg' } },
      { kind: 'conv', channels: 8, kernel: 3, activation: 'relu' },
      { kind: 'dense', units: 100, activation: 'relu' },
      { units: 50, activation: 'tanh' },
    ],
    biases: false,
  },
  rules: [{ rule: 'ebd' }, { rule: 'dfa' }],
  seeds: [1],
  epochs: 1,
  batchSize: 20,
});

function dataset(name: string, inputShape: number[], outputSize: number): DatasetInfo {
  return {
    name,
    title: name,
    origin: 'built-in',
    present: true,
    downloadable: false,
    location: null,
    task: 'classification',
    inputShape,
    outputSize,
    classNames: [],
    sizes: { train: 1, validation: null, test: null },
    problem: null,
    unavailable: null,
  };
}

function memory(): DraftStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

describe("the designer's network form", () => {
  it('gives back a spec of conv, locally connected and dense layers exactly, pooling and biases included', () => {
    expect(roundTrip(cnnSpec)).toBe(JSON.stringify(resolved(cnnSpec)));
    const form = fromSpec(cnnSpec);
    expect(form.hidden.map((l) => [l.kind, l.pool, l.poolSize])).toEqual([
      ['conv', 'max', 2],
      ['local', 'avg', 2],
      ['conv', 'none', 2],
      ['dense', 'none', 2],
      ['dense', 'none', 2],
    ]);
    expect(form.biases).toBe(false);
    // The dense layer that named its kind keeps it; the one that did not gets none.
    const hidden = JSON.parse(roundTrip(cnnSpec)).network.hidden as Record<string, unknown>[];
    expect(hidden.slice(3)).toEqual([
      { kind: 'dense', units: 100, activation: 'relu' },
      { units: 50, activation: 'tanh' },
    ]);
  });

  it.each([
    ...PRESETS.map((p) => [`preset ${p.id}`, p.spec] as const),
    ...fs
      .readdirSync(EXAMPLES)
      .map((f) => [`example ${f}`, JSON.parse(fs.readFileSync(path.join(EXAMPLES, f), 'utf8'))] as const),
  ])('gives back %s byte for byte, without a kind or biases it did not have', (_name, input) => {
    const spec = ExperimentSpec.parse(input);
    const text = roundTrip(spec);
    expect(text).toBe(JSON.stringify(resolved(spec)));
    const dense = spec.network.hidden.every((l) => l.kind === undefined);
    if (dense) expect(text).not.toMatch(/"kind":"dense"/);
    if (spec.network.biases === undefined) expect(text).not.toMatch(/"biases"/);
  });

  it('edits one part of the augmentation at a time, and per-channel standardising only with standardising on', () => {
    const form = fromSpec(cnnSpec);
    form.augmentation = withTranslate(form.augmentation, 2);
    form.augmentation = withCrop(form.augmentation, null);
    expect(toSpecInput(form).dataset.augmentation).toEqual({
      flip: 'alternate_epochs',
      translate: { pixels: 2, padding: 'reflect' },
    });
    form.augmentation = withTestTime(form.augmentation, true);
    expect(toSpecInput(form).dataset.augmentation).toEqual({
      flip: 'alternate_epochs',
      translate: { pixels: 2, padding: 'reflect' },
      testTime: true,
    });
    form.augmentation = withTestTime(form.augmentation, false);
    form.augmentation = withFlip(withTranslate(form.augmentation, null), 'none');
    expect(form.augmentation).toBeNull();
    expect('augmentation' in toSpecInput(form).dataset).toBe(false);
    form.augmentation = withCrop(null, 0);
    expect(checkForm(form).issues.map((i) => i.path)).toEqual(['dataset.augmentation.crop.padding']);
    form.augmentation = null;
    form.standardise = false;
    const checked = checkForm(form);
    expect(checked.ok && checked.spec.dataset).toEqual({
      name: 'cifar-10',
      validationFraction: 0.1,
      standardise: false,
    });
  });

  it("writes only the chosen kind's fields, and keeps the others' values for switching back", () => {
    const form = defaultForm();
    form.dataset = 'fashion-mnist';
    const layer = form.hidden[0]!;
    layer.kind = 'conv';
    layer.channels = 4;
    layer.pool = 'avg';
    expect(toSpecInput(form).network.hidden[0]).toEqual({
      kind: 'conv',
      channels: 4,
      kernel: 3,
      stride: 1,
      padding: 1,
      activation: 'relu',
      pool: { kind: 'avg', size: 2 },
    });
    layer.kind = 'dense';
    expect(toSpecInput(form).network.hidden[0]).toEqual({ units: 256, activation: 'relu' });
    // Biases ticked again write nothing: the schema's default.
    form.biases = false;
    expect(toSpecInput(form).network.biases).toBe(false);
    form.biases = null;
    expect('biases' in toSpecInput(form).network).toBe(false);
    // A spec that says biases: true keeps saying it.
    const explicit = ExperimentSpec.parse({ ...cnnSpec, network: { ...cnnSpec.network, biases: true } });
    expect(JSON.parse(roundTrip(explicit)).network.biases).toBe(true);
  });

  it('names an empty or out-of-range patch field at its layer and field', () => {
    const form = defaultForm();
    form.dataset = 'fashion-mnist';
    form.hidden = [newLayer({ kind: 'local', kernel: null, pool: 'max', poolSize: 1 })];
    const checked = checkForm(form);
    const rules = form.arms.map((a) => a.rule);
    expect(checked.issues.map((i) => issueInWords(i, rules))).toEqual([
      'Hidden layer 1 · kernel: enter a number',
      'Hidden layer 1 · pool size: a pooling window is at least 2',
    ]);
  });

  it('keeps patch layers, biases and the data preparation in a draft, and reads an older draft of widths as dense layers', () => {
    const storage = memory();
    const form = fromSpec(cnnSpec);
    saveDraft(form, storage);
    const restored = loadDraft(storage)!.form;
    const again = checkForm(restored);
    expect(again.ok).toBe(true);
    expect(JSON.stringify(again)).toBe(JSON.stringify(checkForm(form)));
    expect(restored.hidden.map((l) => l.key)).not.toEqual(form.hidden.map((l) => l.key));

    const old = {
      hidden: [{ units: 32, activation: 'tanh' }],
      arms: [{ rule: 'dfa', label: '', params: {}, optimizer: null, regularizers: null }],
      optimizer: {},
      regularizers: {},
      monitoring: {},
    };
    storage.setItem('broadcast-lab.design-draft', JSON.stringify({ version: 1, savedAt: 1, form: old }));
    const older = loadDraft(storage)!.form;
    expect(older.hidden).toMatchObject([{ kind: 'dense', namesKind: false, units: 32, activation: 'tanh' }]);
    expect(older.biases).toBeNull();
    expect(toSpecInput(older).network.hidden).toEqual([{ units: 32, activation: 'tanh' }]);
  });

  it("shows each layer's shapes on the chosen dataset and places a misfit at its layer", () => {
    const form = defaultForm();
    form.dataset = 'fashion-mnist';
    form.hidden = [newLayer({ kind: 'conv', channels: 4, kernel: 3, stride: 1, padding: 1, pool: 'avg' })];
    const fashion = dataset('fashion-mnist', [28, 28, 1], 10);
    expect(networkShapes(form, null)).toMatchObject({ summary: null, issues: [] });
    const shapes = networkShapes(form, fashion);
    expect(shapes.issues).toEqual([]);
    expect(shapes.summary?.layers.map((l) => [l.input, l.output, l.pooled])).toEqual([
      ['28×28×1', '28×28×4', '14×14×4'],
      ['14×14×4', '10', null],
    ]);

    form.hidden.push(newLayer({ kind: 'conv', channels: 2, kernel: 15, padding: 0 }));
    const misfit = networkShapes(form, fashion);
    expect(misfit.summary).toBeNull();
    expect(misfit.fitting.map((l) => l.pooled)).toEqual(['14×14×4']);
    expect(misfit.issues).toEqual([
      { path: 'network.hidden.1', message: 'layer 2: a 15×15 kernel with padding 0 does not fit its 14×14×4 input' },
    ]);
    expect(issueInWords(misfit.issues[0]!, [])).toBe(
      'Hidden layer 2: a 15×15 kernel with padding 0 does not fit its 14×14×4 input',
    );

    // A pooling window larger than the layer's output is that layer's misfit, not the next one's.
    form.hidden[1] = newLayer({ kind: 'local', channels: 2, kernel: 9, padding: 0, pool: 'max', poolSize: 8 });
    expect(networkShapes(form, fashion).issues).toEqual([
      { path: 'network.hidden.1', message: 'layer 2: a 8×8 pool does not fit its 6×6×2 output' },
    ]);
    form.hidden[1]!.poolSize = 6;
    expect(networkShapes(form, fashion).summary?.layers[1]?.pooled).toBe('1×1×2');

    const table = networkShapes(form, dataset('spirals', [2], 2));
    expect(table.issues.map((i) => i.path)).toEqual(['network.hidden.0']);
    expect(table.issues[0]!.message).toMatch(/^layer 1: a convolutional layer needs an image input/);
  });

  it('offers the channels of a patch layer for sweeps, and the units of a dense one', () => {
    const fields = suggestedFields(cnnSpec);
    expect(fields.filter((f) => f.startsWith('network.'))).toEqual([
      'network.hidden.0.channels',
      'network.hidden.1.channels',
      'network.hidden.2.channels',
      'network.hidden.3.units',
      'network.hidden.4.units',
    ]);
    const rows = [
      { field: 'network.hidden.1.channels', kind: 'values' as const, values: '8, 32', from: '', to: '', count: '' },
    ];
    const sweep = expandSweep(toSweep(cnnSpec, rows, ''));
    expect(sweep.ok).toBe(true);
    if (sweep.ok)
      expect(sweep.points.map((p) => p.spec.network.hidden[1])).toMatchObject([{ channels: 8 }, { channels: 32 }]);
  });
});
