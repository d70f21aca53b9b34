import { z } from 'zod';
import { AugmentationSpec } from '../../../shared/schemas/augmentation';
import { Activation, RuleName } from '../../../shared/schemas/experiment';
import {
  defaultForm,
  LAYER_KINDS,
  newKey,
  newLayer,
  POOL_CHOICES,
  STANDARDISE_OVER,
  type DesignForm,
  type LayerForm,
} from './form';

/**
 * The experiment being designed, kept in the browser's storage until it is started or discarded, so that a reload
 * or a crash loses nothing. What comes back is read as untrusted input: its shape is checked, every field missing
 * (a draft from an older version of the form) takes the form's default, and one that does not fit is dropped with
 * the reason rather than breaking the designer.
 */

const STORAGE_KEY = 'broadcast-lab.design-draft';
const VERSION = 1;

const Settings = z.record(z.string(), z.unknown());
const Count = z.number().nullable().optional();
/** A hidden layer; drafts from before patch layers hold only units and activation (then it is dense). */
const DraftLayer = z.object({
  kind: z.enum(LAYER_KINDS).optional(),
  namesKind: z.boolean().optional(),
  units: z.number().nullable(),
  channels: Count,
  kernel: Count,
  stride: Count,
  padding: Count,
  pool: z.enum(POOL_CHOICES).optional(),
  poolSize: Count,
  activation: Activation,
  dropout: Count,
});
/** Recurrent dynamics as the form holds them; null (or absent, a draft from before them) is the feed-forward network. */
const DraftDynamics = z.object({
  iterations: z.number().nullable(),
  stepSize: z.number().nullable(),
  leak: z.number().nullable(),
  epsilon: z.number().nullable(),
  lambda: z.number().nullable(),
  feedbackRates: z.string(),
});
/** The lists whose shape the designer's components rely on; every other field is taken by overDefaults. */
const DraftForm = z.looseObject({
  hidden: z.array(DraftLayer),
  // Fields that are not plain numbers, strings or booleans (overDefaults' kind): one that does not fit is dropped.
  biases: z.boolean().nullable().optional().catch(null),
  dynamics: DraftDynamics.nullable().optional().catch(null),
  standardiseOver: z.enum(STANDARDISE_OVER).nullable().optional().catch(null),
  augmentation: AugmentationSpec.nullable().optional().catch(null),
  arms: z
    .array(
      z.object({
        rule: RuleName,
        label: z.string(),
        params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
        optimizer: Settings.nullable(),
        regularizers: Settings.nullable(),
      }),
    )
    .min(1),
  optimizer: Settings,
  regularizers: Settings,
  monitoring: Settings,
});
const Draft = z.strictObject({ version: z.literal(VERSION), savedAt: z.number(), form: DraftForm });

/** The part of the browser's localStorage a draft uses (a test passes a map of its own). */
export interface DraftStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface RestoredDraft {
  form: DesignForm;
  savedAt: number;
}

/** Stores the form as the draft (a storage that is full or off keeps the form in memory only). */
export function saveDraft(form: DesignForm, storage: DraftStorage): void {
  try {
    storage.setItem(STORAGE_KEY, JSON.stringify({ version: VERSION, savedAt: Date.now(), form }));
  } catch {
    // Quota or a disabled storage: the draft lives as long as the page does.
  }
}

export function discardDraft(storage: DraftStorage): void {
  try {
    storage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored, nothing to remove.
  }
}

/** The stored draft as a form, or null when there is none or it is not one (then it is removed, with a warning). */
export function loadDraft(storage: DraftStorage): RestoredDraft | null {
  let text: string | null;
  try {
    text = storage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
  if (text === null) return null;
  let parsed: z.ZodSafeParseResult<z.infer<typeof Draft>>;
  try {
    parsed = Draft.safeParse(JSON.parse(text));
  } catch (error) {
    return drop(storage, error instanceof Error ? error.message : String(error));
  }
  if (!parsed.success) return drop(storage, z.prettifyError(parsed.error));
  return { form: mergeDraft(parsed.data.form), savedAt: parsed.data.savedAt };
}

function drop(storage: DraftStorage, reason: string): null {
  console.warn(`The stored design draft was not a design and is discarded: ${reason}`);
  discardDraft(storage);
  return null;
}

/**
 * The draft over the defaults, with fresh keys for layers and arms (the keys of this page's lists, which the
 * draft's may collide with).
 */
function mergeDraft(draft: z.infer<typeof DraftForm>): DesignForm {
  const base = defaultForm();
  return {
    ...overDefaults(base, draft),
    optimizer: overDefaults(base.optimizer, draft.optimizer),
    regularizers: overDefaults(base.regularizers, draft.regularizers),
    monitoring: overDefaults(base.monitoring, draft.monitoring),
    hidden: draft.hidden.map(layerOverDefaults),
    biases: draft.biases ?? base.biases,
    dynamics: draft.dynamics ?? base.dynamics,
    standardiseOver: draft.standardiseOver ?? base.standardiseOver,
    augmentation: draft.augmentation ?? base.augmentation,
    arms: draft.arms.map((arm) => ({
      ...arm,
      key: newKey(),
      optimizer: arm.optimizer === null ? null : overDefaults(base.optimizer, arm.optimizer),
      regularizers: arm.regularizers === null ? null : overDefaults(base.regularizers, arm.regularizers),
    })),
  };
}

/** A stored layer over a new layer's defaults (and a fresh key), a field left out taking the default. */
function layerOverDefaults(layer: z.infer<typeof DraftLayer>): LayerForm {
  const defined = Object.fromEntries(Object.entries(layer).filter(([, value]) => value !== undefined));
  return newLayer(defined as Partial<Omit<LayerForm, 'key'>>);
}

/**
 * `base` with each of its plain fields (string, number, boolean) taken from `draft` where the draft's value has the
 * same type; a number field may also be null (an input left empty), and a field whose default is null takes a number.
 * Fields the form does not have are ignored, nested ones left to the caller.
 */
function overDefaults<T extends object>(base: T, draft: Readonly<Record<string, unknown>>): T {
  const out = { ...base };
  for (const key of Object.keys(base) as (keyof T & string)[]) {
    const value = draft[key];
    const fallback: unknown = base[key];
    const numeric = typeof fallback === 'number' || fallback === null;
    const fits =
      value === null
        ? numeric
        : ['string', 'number', 'boolean'].includes(typeof value) &&
          (typeof value === typeof fallback || (fallback === null && typeof value === 'number'));
    // Checked above: the value has the type the form holds in this field.
    if (fits) out[key] = value as T[keyof T & string];
  }
  return out;
}
