import type { Network } from '../network';
import type { Rng } from '../../common/random';
import { createBp } from './bp';
import { createDecorrelation, type DecorrelationParams } from './decorrelation';
import { createDirectBroadcast, type DirectParams } from './direct-broadcast';
import { createFa, type FaParams } from './fa';
import type { Rule } from './rule';

/** A rule with its hyperparameters, as the engine takes it (the experiment spec is mapped to this). */
export type RuleConfig =
  | { name: 'bp' }
  | ({ name: 'fa' } & FaParams)
  | ({ name: 'dfa' | 'drtp' | 'dkp' } & DirectParams)
  | ({ name: 'ebd' | 'sbd' } & DecorrelationParams);

export function createRule(config: RuleConfig, net: Network, rng: Rng): Rule {
  switch (config.name) {
    case 'bp':
      return createBp();
    case 'fa':
      return createFa(net, rng, config);
    case 'dfa':
    case 'drtp':
    case 'dkp':
      return createDirectBroadcast(config.name, net, rng, config);
    case 'ebd':
    case 'sbd':
      return createDecorrelation(config.name, net, rng, config);
  }
}
