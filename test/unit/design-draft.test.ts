import { describe, expect, test, vi } from 'vitest';
import { discardDraft, loadDraft, saveDraft, type DraftStorage } from '../../src-renderer/lib/design/draft';
import { defaultDynamics, defaultForm, newLayer } from '../../src-renderer/lib/design/form';

const KEY = 'broadcast-lab.design-draft';

function memory(initial?: string): DraftStorage & { items: Map<string, string> } {
  const items = new Map<string, string>(initial === undefined ? [] : [[KEY, initial]]);
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

describe('the designer’s draft in the browser’s storage', () => {
  test('a saved form comes back as it was, with fresh list keys', () => {
    const storage = memory();
    const form = defaultForm();
    form.name = 'Half-designed λ study';
    form.trainSubset = 1200;
    form.optimizer.learningRate = null;
    form.arms[0]!.params = { ...form.arms[0]!.params, lambda: 0.95 };
    saveDraft(form, storage);
    const restored = loadDraft(storage)!;
    expect(restored.savedAt).toBeGreaterThan(0);
    expect(restored.form.name).toBe('Half-designed λ study');
    expect(restored.form.trainSubset).toBe(1200);
    expect(restored.form.optimizer.learningRate).toBeNull();
    expect(restored.form.arms[0]!.params.lambda).toBe(0.95);
    expect(restored.form.arms.map((a) => a.rule)).toEqual(form.arms.map((a) => a.rule));
    expect(restored.form.arms.map((a) => a.key)).not.toEqual(form.arms.map((a) => a.key));
    discardDraft(storage);
    expect(loadDraft(storage)).toBeNull();
  });

  test('a draft keeps the recurrent dynamics as typed and each layer’s dropout; a malformed dynamics value is dropped', () => {
    const storage = memory();
    const form = defaultForm();
    form.hidden = [newLayer({ units: 64, dropout: 0.2 })];
    form.dynamics = { ...defaultDynamics(), iterations: 12, leak: null, feedbackRates: '0.04, oops' };
    saveDraft(form, storage);
    const restored = loadDraft(storage)!.form;
    expect(restored.dynamics).toEqual(form.dynamics);
    expect(restored.hidden[0]).toMatchObject({ units: 64, dropout: 0.2 });

    // Turned off, it stays off.
    form.dynamics = null;
    saveDraft(form, storage);
    expect(loadDraft(storage)!.form.dynamics).toBeNull();

    // A value that is not the form's dynamics (a field of the wrong type) is dropped: the feed-forward network.
    const stored = JSON.parse(storage.items.get(KEY)!) as { form: Record<string, unknown> };
    stored.form.dynamics = { ...defaultDynamics(), iterations: 'twelve' };
    storage.items.set(KEY, JSON.stringify(stored));
    const dropped = loadDraft(storage)!;
    expect(dropped.form.dynamics).toBeNull();
    expect(dropped.form.hidden[0]).toMatchObject({ units: 64 });
  });

  test('a draft of an older form takes defaults for what it lacks, and ignores fields of the wrong type', () => {
    const base = defaultForm();
    const old = {
      name: 'old',
      epochs: 'twelve',
      hidden: [{ units: 32, activation: 'tanh' }],
      arms: [{ rule: 'dfa', label: '', params: {}, optimizer: { learningRate: 0.5 }, regularizers: null }],
      optimizer: {},
      regularizers: {},
      monitoring: {},
    };
    const restored = loadDraft(memory(JSON.stringify({ version: 1, savedAt: 5, form: old })))!;
    expect(restored.form.name).toBe('old');
    expect(restored.form.epochs).toBe(base.epochs);
    expect(restored.form.seeds).toBe(base.seeds);
    expect(restored.form.hidden).toMatchObject([{ units: 32, activation: 'tanh' }]);
    expect(restored.form.arms[0]!.optimizer).toEqual({ ...base.optimizer, learningRate: 0.5 });
  });

  test('what is not a draft is dropped with the reason, and the form starts from the defaults', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    for (const text of ['{ "version": 1, "form":', JSON.stringify({ version: 1, savedAt: 1, form: { arms: [] } })]) {
      const storage = memory(text);
      expect(loadDraft(storage)).toBeNull();
      expect(storage.items.has(KEY)).toBe(false);
    }
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[1]![0])).toMatch(/not a design and is discarded: .*arms/s);
    warn.mockRestore();
  });
});
