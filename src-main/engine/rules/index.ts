import type { RuleName } from '../../../shared/rules/catalogue';
import { createBp } from './bp';
import { createEbd, createSbd } from './decorrelation';
import { createDfa, createDkp, createDrtp } from './direct-broadcast';
import { createFa } from './fa';
import { createPepita } from './pepita';
import type { RuleFactory } from './rule';

/** Every rule the engine runs, by its catalogue name: one line per rule. */
export const RULE_FACTORIES: Record<RuleName, RuleFactory> = {
  bp: createBp,
  fa: createFa,
  dfa: createDfa,
  drtp: createDrtp,
  dkp: createDkp,
  ebd: createEbd,
  sbd: createSbd,
  pepita: createPepita,
};
