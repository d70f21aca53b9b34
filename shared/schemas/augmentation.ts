import { z } from 'zod';

/**
 * Image augmentation of the training split, drawn afresh every epoch from the run's seed (validation and test
 * are evaluated as they are, or in fixed views with `testTime`). Every part is off when absent, so `{}` (or no `augmentation` at all) trains on the
 * images as they are. Images only: a dataset whose samples are not [height, width, channels] is refused when
 * the run opens it.
 *
 * Parts are applied in this order: crop, translate, flip.
 *  - crop: zero-pad every side by `padding` pixels and cut a random height × width window back out (the usual
 *    CIFAR "random crop 32, padding 4"); the pad is 0 in the network's input units.
 *  - translate: shift by a whole number of pixels drawn uniformly from −pixels…pixels on each axis, filling
 *    what is uncovered by reflecting the image at its border (the EBD paper's CIFAR-100 recipe: 2 px, reflect).
 *  - flip: 'random' mirrors each image left–right with probability ½; 'alternate_epochs' mirrors every image on
 *    odd epochs (1, 3, 5…, counting from 0) and none on even ones, as the EBD paper's CIFAR-100 recipe does.
 */
export const AugmentationSpec = z.strictObject({
  crop: z
    .strictObject({
      padding: z.number().int().min(1, 'crop padding must be at least 1 pixel').max(64, 'crop padding is at most 64'),
    })
    .optional(),
  translate: z
    .strictObject({
      pixels: z.number().int().min(1, 'translate by at least 1 pixel').max(64, 'translate by at most 64 pixels'),
      /** Only reflection for now: the field names the choice so that another fill can be added later. */
      padding: z.literal('reflect').default('reflect'),
    })
    .optional(),
  flip: z.enum(['none', 'random', 'alternate_epochs']).optional(),
  /**
   * Test-time augmentation: validation and test images are evaluated in six views — as they are, mirrored, and
   * shifted by translate.pixels (2 when translate is off) up, down, left and right with reflection — and the network's
   * outputs averaged over the views before the loss and the argmax (the EBD paper's CIFAR-100 protocol).
   */
  testTime: z.boolean().optional(),
});
export type AugmentationSpec = z.infer<typeof AugmentationSpec>;

/** Whether the spec changes the training images at all (an empty object or flip 'none' does not). */
export function augments(spec: AugmentationSpec | undefined): spec is AugmentationSpec {
  if (spec === undefined) return false;
  return spec.crop !== undefined || spec.translate !== undefined || (spec.flip ?? 'none') !== 'none';
}

/** The views each validation and test image is evaluated in (`testTime`), 1 without. */
export const TEST_TIME_VIEWS = 6;

export function evaluationViews(spec: AugmentationSpec | undefined): number {
  return spec?.testTime === true ? TEST_TIME_VIEWS : 1;
}

/** Whether the spec does anything, to the training images or at test time. */
export function usesAugmentation(spec: AugmentationSpec | undefined): spec is AugmentationSpec {
  return augments(spec) || evaluationViews(spec) > 1;
}
