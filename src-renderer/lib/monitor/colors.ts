import { ruleStyle, type RuleStyle } from '../../../shared/rule-style';
import type { RuleName } from '../../../shared/rules/catalogue';

/**
 * Colours on screen. Every rule has one colour and dash (shared/rule-style.ts, the table exported figures use), so
 * that a rule looks the same whichever position its arm has, in the Monitor, Compare and a paper's figure.
 */

/** The style of each arm of an experiment, in arm order: the rule's, a further arm of the same rule re-dashed. */
export function armStyles(arms: readonly { rule: RuleName }[]): RuleStyle[] {
  const seen = new Map<RuleName, number>();
  return arms.map(({ rule }) => {
    const nth = seen.get(rule) ?? 0;
    seen.set(rule, nth + 1);
    return ruleStyle(rule, nth);
  });
}

/** The colour with an alpha, for seeds after the first and for bands. */
export function faint(hex: string, alpha = 0.45): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** What stands for the table's black (BP) on a dark background, where black would not show. */
const BLACK_ON_DARK = '#E8E8E8';
const BLACK = /^(#000000|#000|rgba\(0, 0, 0, ([\d.]+)\))$/i;

/**
 * A colour as drawn on the current theme: the palette is made for white paper, and its one dark entry (black, for
 * BP) becomes a light grey on the dark theme, alpha kept. Every other Okabe–Ito colour reads on both.
 */
export function onScreen(colour: string, dark: boolean): string {
  if (!dark) return colour;
  const match = BLACK.exec(colour);
  if (!match) return colour;
  return match[2] === undefined ? BLACK_ON_DARK : faint(BLACK_ON_DARK, Number(match[2]));
}
