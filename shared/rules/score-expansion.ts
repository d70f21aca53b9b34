/**
 * SBD's score expansions by name, and the length of the expanded score each gives for C outputs (what they are and
 * why they keep the zero conditional mean: src-main/engine/score-expansion.ts, which computes them).
 */
export type ScoreExpansion = 'none' | 'outer_probs' | 'second_order';

export function expandedSize(expansion: ScoreExpansion, classes: number): number {
  if (expansion === 'none') return classes;
  return classes + (expansion === 'outer_probs' ? classes * classes : (classes * (classes + 1)) / 2);
}
