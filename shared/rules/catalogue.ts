/**
 * The learning rules Broadcast Lab offers, with every hyperparameter's default, range, unit and a one-line
 * explanation. The designer builds its rule panels from this, the experiment schema validates against it, and
 * the engine reads its defaults: one description of each rule for the UI, the files and the engine.
 */
export type RuleName = 'bp' | 'fa' | 'dfa' | 'drtp' | 'dkp' | 'ebd' | 'sbd' | 'pepita';

export interface NumberParam {
  kind: 'number';
  key: string;
  label: string;
  default: number;
  min: number;
  max: number;
  /** Whether the UI should step it on a log scale. */
  log?: boolean;
  unit?: string;
  help: string;
}

export interface ChoiceParam {
  kind: 'choice';
  key: string;
  label: string;
  default: string;
  options: { value: string; label: string }[];
  help: string;
}

export interface BooleanParam {
  kind: 'boolean';
  key: string;
  label: string;
  default: boolean;
  help: string;
}

export type RuleParam = NumberParam | ChoiceParam | BooleanParam;

export interface RuleInfo {
  name: RuleName;
  label: string;
  summary: string;
  paper: { citation: string; url: string };
  params: RuleParam[];
}

const feedbackScale: NumberParam = {
  kind: 'number',
  key: 'feedbackScale',
  label: 'Feedback scale',
  default: 1,
  min: 1e-3,
  max: 100,
  log: true,
  help: 'Scale of the fixed random feedback matrices (uniform, unit variance per row before scaling).',
};

const decorrelationParams: RuleParam[] = [
  {
    kind: 'number',
    key: 'lambda',
    label: 'Forgetting factor λ',
    default: 0.99,
    min: 0,
    // The EBD paper's MLPs use 0.999999; λ = 1 never forgets and its (1−λ) scale makes the update vanish.
    max: 1 - 1e-8,
    help:
      'Memory of the running correlation R ← λR + (1−λ)/B·g(H)ᵀs, about 1/(1−λ) steps; up to 1 − 10⁻⁸ (the EBD ' +
      'paper’s MLPs use 0.999999). R₀’s weight in R is λᵗ, not its share: watch learned_share.',
  },
  {
    kind: 'number',
    key: 'initScale',
    label: 'Initial correlation scale',
    default: 1,
    min: 0,
    max: 100,
    help:
      'Scale of R’s random start (a DFA matrix of this scale). Large starts keep the run DFA-like for ' +
      '~1/(1−λ) steps or longer (watch learned_share); 0 starts from zero, with no signal until R has learned one.',
  },
  {
    kind: 'choice',
    key: 'g',
    label: 'Nonlinearity g',
    default: 'identity',
    options: [
      { value: 'identity', label: 'g(h) = h' },
      { value: 'square', label: 'g(h) = h²/2 (error-modulated Hebbian)' },
    ],
    help: 'The function of the activations that is decorrelated from the broadcast signal.',
  },
  {
    kind: 'number',
    key: 'forwardBroadcast',
    label: 'Forward broadcast',
    default: 0,
    min: 0,
    max: 100,
    help:
      'Weight of the output layer’s extra descent on the hidden decorrelation losses (0 = off); per-layer ' +
      'multipliers in regularizers.layerScales.forwardBroadcast.',
  },
  {
    kind: 'number',
    key: 'forwardBroadcastInput',
    label: 'Forward broadcast, input layer',
    default: 0,
    min: 0,
    max: 100,
    help:
      'Weight of the input layer’s term in the forward broadcast: R₀ correlates the input with the broadcast signal ' +
      'and the output layer also descends ½‖R₀‖² (0 = off, and no R₀ is kept).',
  },
  {
    kind: 'number',
    key: 'gradientMomentum',
    label: 'Momentum on the decorrelation gradient',
    default: 0,
    min: 0,
    max: 0.9999,
    help:
      'β of an average the hidden layers follow instead of their decorrelation gradient, M ← βM + (1−β)·grad, before ' +
      'the optimiser (the EBD paper’s MLP recipe reads as 0.9999); regularisers and the readout are not averaged. ' +
      '0 = off. Costs one extra product per hidden layer.',
  },
  {
    kind: 'boolean',
    key: 'freeze',
    label: 'Freeze R',
    default: false,
    help: 'Keep R at its random start (an ablation: the rule then moves in DFA’s direction).',
  },
  {
    kind: 'choice',
    key: 'gradient',
    label: 'Gradient of ½‖R‖²',
    default: 'truncated',
    options: [
      { value: 'truncated', label: 'Through g(H) only (EBD/SBD: local)' },
      { value: 'full', label: 'Also through the error — a non-local reference, not EBD' },
    ],
    help:
      'The full gradient also follows ½‖R‖² through the error ε = z − y (or the score) back down the true forward ' +
      'weights, as the EBD paper’s comparison does; it needs the downstream weights, so it is a reference for the ' +
      'truncated, local rule, not a rule of its own. Plain score only.',
  },
  {
    kind: 'choice',
    key: 'direction',
    label: 'Decorrelation direction',
    default: 'descent',
    options: [
      { value: 'descent', label: 'Descent on ½‖R‖² (EBD/SBD)' },
      { value: 'ascent', label: 'Ascent — a research switch, not EBD' },
    ],
    help:
      'Ascent climbs ½‖R‖² instead of descending it (as cascade-correlation maximises correlation with the ' +
      'residual): a test of the sign of the learned feedback (ALGORITHMS.md §7), not EBD or SBD.',
  },
];

export const RULES: readonly RuleInfo[] = [
  {
    name: 'bp',
    label: 'Backpropagation',
    summary:
      'The exact gradient of the loss, carried back through the transposed forward weights. The reference. ' +
      'Regularisers act locally under every rule, BP included: each layer adds its own term, which is not carried ' +
      'back to the layers below.',
    paper: { citation: 'Rumelhart, Hinton & Williams 1986', url: 'https://doi.org/10.1038/323533a0' },
    params: [],
  },
  {
    name: 'fa',
    label: 'Feedback alignment (FA)',
    summary: 'Backpropagation with each transposed weight replaced by a fixed random matrix.',
    paper: { citation: 'Lillicrap et al. 2016', url: 'https://doi.org/10.1038/ncomms13276' },
    params: [feedbackScale],
  },
  {
    name: 'dfa',
    label: 'Direct feedback alignment (DFA)',
    summary: 'The output error is sent to every hidden layer through its own fixed random matrix.',
    paper: { citation: 'Nøkland 2016', url: 'https://arxiv.org/abs/1609.01596' },
    params: [feedbackScale],
  },
  {
    name: 'drtp',
    label: 'Direct random target projection (DRTP)',
    summary: 'Like DFA, but the one-hot target is broadcast instead of the error.',
    paper: { citation: 'Frenkel, Lefebvre & Bol 2021', url: 'https://doi.org/10.3389/fnins.2021.629892' },
    params: [feedbackScale],
  },
  {
    name: 'dkp',
    label: 'Direct Kolen–Pollack (DKP)',
    summary: 'DFA whose broadcast matrices learn from the activations and the error, aligning with the weights.',
    paper: { citation: 'Webster, Choi & Ahn 2021', url: 'https://arxiv.org/abs/2010.07595' },
    params: [
      feedbackScale,
      {
        kind: 'number',
        key: 'feedbackLr',
        label: 'Feedback learning rate',
        default: 1e-4,
        min: 0,
        max: 1,
        log: true,
        help: 'Rate of B ← B − η(Hᵀs/B + decay·B).',
      },
      {
        kind: 'number',
        key: 'feedbackDecay',
        label: 'Feedback decay',
        default: 1e-4,
        min: 0,
        max: 1,
        help: 'Weight decay on the broadcast matrices.',
      },
    ],
  },
  {
    name: 'ebd',
    label: 'Error broadcast and decorrelation (EBD)',
    summary:
      'Broadcasts the MSE output error to every layer and trains each layer to be uncorrelated with it: a three-factor rule.',
    paper: { citation: 'Erdogan et al. 2025, arXiv 2504.11558', url: 'https://arxiv.org/abs/2504.11558' },
    params: decorrelationParams,
  },
  {
    name: 'sbd',
    label: 'Score broadcast and decorrelation (SBD)',
    summary:
      'EBD generalised to any loss whose optimal score has zero conditional mean (cross-entropy, exponential-family ' +
      'NLLs). The broadcast is the loss’s own score ∂loss/∂z, in closed form for every loss a spec can name (MSE, ' +
      'cross-entropy, Bernoulli, Poisson); a spec cannot define a loss by formula, so there is no autodiff score to ' +
      'broadcast.',
    paper: { citation: 'arXiv 2605.30638', url: 'https://arxiv.org/abs/2605.30638' },
    params: [
      ...decorrelationParams,
      {
        kind: 'choice',
        key: 'expansion',
        label: 'Score expansion',
        default: 'none',
        options: [
          { value: 'none', label: 'None: broadcast s' },
          { value: 'outer_probs', label: 's ⊗ [1; p] (C(C+1) directions)' },
          {
            value: 'second_order',
            label: '[s; vech(ssᵀ − (diag p − ppᵀ))] (C(C+1)/2 more directions; cross-entropy only)',
          },
        ],
        help:
          'More decorrelation directions, each with zero conditional mean at the optimum. The added rows of R start ' +
          'at zero, so expanded SBD starts exactly where SBD does.',
      },
    ],
  },
  {
    name: 'pepita',
    label: 'PEPITA',
    summary:
      'No backward pass: a second forward pass on the input plus the output error projected through a fixed random ' +
      'matrix F. Each hidden layer learns from the difference of its two activities (times the modulated pass’s ' +
      'input to it), the readout from the second pass’s error.',
    paper: { citation: 'Dellaferrera & Kreiman 2022', url: 'https://proceedings.mlr.press/v162/dellaferrera22a.html' },
    params: [
      {
        kind: 'number',
        key: 'feedbackScale',
        label: 'Input feedback scale',
        default: 0.05,
        min: 1e-4,
        max: 10,
        log: true,
        help:
          'Scale of the fixed matrix F (outputs × inputs) that adds the error to the input: entries uniform on ' +
          '±scale·√(6/d_in), d_in the input size, as the paper draws it (0.05).',
      },
    ],
  },
];

export function ruleInfo(name: RuleName): RuleInfo {
  const info = RULES.find((r) => r.name === name);
  if (!info) throw new Error(`unknown rule ${name}`);
  return info;
}

export type RuleParamValues = Record<string, number | string | boolean>;

/** A rule's parameters with every missing one set to its default. */
export function withDefaults(name: RuleName, params: RuleParamValues): RuleParamValues {
  const out: RuleParamValues = {};
  for (const p of ruleInfo(name).params) out[p.key] = params[p.key] ?? p.default;
  return out;
}

/** Problems with a rule's parameters, as [key, message] pairs: unknown keys, wrong types, out-of-range values. */
export function checkRuleParams(name: RuleName, params: RuleParamValues): [string, string][] {
  const info = ruleInfo(name);
  const problems: [string, string][] = [];
  for (const key of Object.keys(params)) {
    if (!info.params.some((p) => p.key === key)) {
      const known = info.params.map((p) => p.key).join(', ') || 'none';
      problems.push([key, `${info.label} has no parameter "${key}" (it has: ${known})`]);
    }
  }
  for (const p of info.params) {
    const value = params[p.key];
    if (value === undefined) continue;
    if (p.kind === 'number') {
      if (typeof value !== 'number' || !Number.isFinite(value)) problems.push([p.key, `${p.label} must be a number`]);
      else if (value < p.min || value > p.max)
        problems.push([p.key, `${p.label} must be between ${p.min} and ${p.max}, got ${value}`]);
    } else if (p.kind === 'choice') {
      if (!p.options.some((o) => o.value === value)) {
        problems.push([p.key, `${p.label} must be one of ${p.options.map((o) => o.value).join(', ')}`]);
      }
    } else if (typeof value !== 'boolean') problems.push([p.key, `${p.label} must be true or false`]);
  }
  const expansion = params.expansion ?? 'none';
  if (name === 'sbd' && expansion !== 'none' && params.gradient === 'full')
    problems.push([
      'gradient',
      `The full gradient is defined for the plain score only: set the score expansion to none (it is ${String(expansion)})`,
    ]);
  // Forward broadcast descends the decorrelation losses through the score's Jacobian, which the expanded rows
  // (functions of the score and p) do not share: refused rather than silently dropped.
  for (const key of ['forwardBroadcast', 'forwardBroadcastInput'])
    if (name === 'sbd' && expansion !== 'none' && typeof params[key] === 'number' && params[key] > 0)
      problems.push([
        key,
        `Forward broadcast is defined for the plain score only: set it to 0, or the score expansion to none (it is ${String(expansion)})`,
      ]);
  return problems;
}
