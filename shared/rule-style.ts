import type { RuleName } from './rules/catalogue';

/**
 * One colour and line style per rule, the same in the Monitor, Compare and every exported figure, so that a reader
 * who learns "EBD is orange" in one figure can read the next. Colours are Okabe & Ito's colour-blind-safe palette
 * (2008); the dash patterns tell rules apart in greyscale print as well.
 */
export interface RuleStyle {
  colour: string;
  /** SVG/canvas dash pattern in line widths; empty = solid. */
  dash: readonly number[];
  /** How the rule is written in legends and tables. */
  label: string;
}

export const RULE_STYLES: Readonly<Record<RuleName, RuleStyle>> = {
  bp: { colour: '#000000', dash: [], label: 'BP' },
  ebd: { colour: '#E69F00', dash: [], label: 'EBD' },
  sbd: { colour: '#D55E00', dash: [6, 2], label: 'SBD' },
  dfa: { colour: '#0072B2', dash: [2, 2], label: 'DFA' },
  fa: { colour: '#56B4E9', dash: [6, 2, 2, 2], label: 'FA' },
  drtp: { colour: '#009E73', dash: [4, 4], label: 'DRTP' },
  dkp: { colour: '#CC79A7', dash: [8, 3], label: 'DKP' },
  // Okabe & Ito's yellow, the palette's last colour; dotted, unlike every other rule.
  pepita: { colour: '#F0E442', dash: [1, 3], label: 'PEPITA' },
};

/** Arms that are not a plain rule (a second EBD arm with other settings) share its colour and differ by dash. */
const EXTRA_DASHES: readonly (readonly number[])[] = [[], [6, 2], [2, 2], [6, 2, 2, 2], [4, 4], [8, 3]];

/**
 * The style of an arm: its rule's, and for the n-th arm of the same rule (n ≥ 1, counted in the experiment's arm
 * order) the next dash pattern, so that two EBD settings in one figure stay the same colour but can be told apart.
 */
export function ruleStyle(rule: RuleName, nthOfRule = 0): RuleStyle {
  const base = RULE_STYLES[rule];
  if (nthOfRule === 0) return base;
  const own = EXTRA_DASHES.findIndex((d) => d.join() === base.dash.join());
  return { ...base, dash: EXTRA_DASHES[(Math.max(own, 0) + nthOfRule) % EXTRA_DASHES.length] ?? [] };
}
