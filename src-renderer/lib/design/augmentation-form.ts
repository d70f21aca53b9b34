import type { AugmentationSpec } from '../../../shared/schemas/augmentation';

/**
 * Edits of a spec's image augmentation from the designer's fields: each sets or clears one part and leaves the
 * others as they were, so that a loaded spec's augmentation stays exactly as written until a field is changed. No
 * part left means no augmentation (null: the spec leaves the field out).
 */
export type FlipChoice = NonNullable<AugmentationSpec['flip']>;
export const FLIP_CHOICES: readonly FlipChoice[] = ['none', 'random', 'alternate_epochs'];

type Part = keyof AugmentationSpec;

function withPart<K extends Part>(
  augmentation: AugmentationSpec | null,
  part: K,
  value: AugmentationSpec[K] | undefined,
): AugmentationSpec | null {
  const next: AugmentationSpec = { ...augmentation };
  if (value === undefined) delete next[part];
  else next[part] = value;
  return Object.keys(next).length === 0 ? null : next;
}

/** Random crop with this zero padding on every side; null: no crop. */
export function withCrop(augmentation: AugmentationSpec | null, padding: number | null): AugmentationSpec | null {
  return withPart(augmentation, 'crop', padding === null ? undefined : { padding });
}

/** Random shifts of up to this many pixels (reflected at the border); null: none. */
export function withTranslate(augmentation: AugmentationSpec | null, pixels: number | null): AugmentationSpec | null {
  return withPart(augmentation, 'translate', pixels === null ? undefined : { pixels, padding: 'reflect' });
}

/** 'none' clears the flip (the same as leaving it out). */
export function withFlip(augmentation: AugmentationSpec | null, flip: FlipChoice): AugmentationSpec | null {
  return withPart(augmentation, 'flip', flip === 'none' ? undefined : flip);
}

/** Evaluation in the six test-time views, outputs averaged; false clears it. */
export function withTestTime(augmentation: AugmentationSpec | null, on: boolean): AugmentationSpec | null {
  return withPart(augmentation, 'testTime', on ? true : undefined);
}
