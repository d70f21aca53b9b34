import { z } from 'zod';
import { checkRuleParams, type RuleName as CatalogueRuleName } from '../rules/catalogue';
import { AugmentationSpec } from './augmentation';

/**
 * The experiment spec: what a researcher designs and what every run is reproduced from. Stored as JSON with its
 * schema version; a newer app migrates older specs, never the reverse. Unknown keys are rejected so that a typo in
 * a hand-written spec file is named instead of silently ignored. Defaults fill what a spec leaves out, so the stored
 * spec is always the complete, resolved configuration.
 */
export const EXPERIMENT_SCHEMA_VERSION = 1;

export const Activation = z.enum(['relu', 'leaky_relu', 'tanh', 'sigmoid', 'clipped_relu', 'linear']);
export type Activation = z.infer<typeof Activation>;

/**
 * Dropout of a layer's inputs (after the previous layer's pooling) while training: each is zeroed with this
 * probability and the kept ones scaled by 1/(1 − p), from the run's seed, so evaluation uses the network as is.
 */
export const Dropout = z.number().min(0).max(0.95, 'dropout is at most 0.95');

/** A fully connected layer; `kind` may be left out (every spec before conv layers existed). */
export const DenseLayerSpec = z.strictObject({
  kind: z.literal('dense').optional(),
  units: z.number().int().min(1, 'a layer needs at least 1 unit').max(65536, 'a layer has at most 65536 units'),
  activation: Activation.default('relu'),
  dropout: Dropout.optional(),
});
export type DenseLayerSpec = z.infer<typeof DenseLayerSpec>;

/** Pooling of a layer's output before the next layer (non-overlapping windows, the papers' 2×2). */
export const PoolSpec = z.strictObject({
  kind: z.enum(['avg', 'max']),
  size: z.number().int().min(2, 'a pooling window is at least 2').max(8, 'a pooling window is at most 8').default(2),
});
export type PoolSpec = z.infer<typeof PoolSpec>;

/**
 * A layer over image patches: `conv` shares its kernel across positions, `local` (locally connected) has its own
 * weights at every position. Written as the papers do: channels, kernel, stride, padding (zeros).
 */
export const PatchLayerSpec = z.strictObject({
  kind: z.enum(['conv', 'local']),
  channels: z.number().int().min(1, 'a layer needs at least 1 channel').max(4096, 'at most 4096 channels'),
  kernel: z.number().int().min(1, 'a kernel is at least 1 pixel').max(15, 'a kernel is at most 15 pixels'),
  stride: z.number().int().min(1).max(8).default(1),
  padding: z.number().int().min(0).max(7).default(0),
  activation: Activation.default('relu'),
  pool: PoolSpec.optional(),
  dropout: Dropout.optional(),
});
export type PatchLayerSpec = z.infer<typeof PatchLayerSpec>;

export const LayerSpec = z.discriminatedUnion('kind', [DenseLayerSpec, PatchLayerSpec]);
export type LayerSpec = z.infer<typeof LayerSpec>;

/** Narrows a layer to a conv or locally connected one (the optional `kind` of dense layers defeats TS's own). */
export function isPatchLayer(layer: LayerSpec): layer is PatchLayerSpec {
  return layer.kind === 'conv' || layer.kind === 'local';
}

/**
 * CorInfoMax's recurrent dynamics (Bozkurt, Pehlevan & Erdogan 2023; the EBD paper's §3.2): every layer settles to an
 * equilibrium of its feed-forward prediction, a backward predictor from the layer above and lateral weights tracking
 * the inverse of its correlation, by `iterations` Euler steps of size `stepSize` from zero. The names are the paper's
 * code's: `leak` its g, `epsilon` its ε (the predictors' error variance), `lambda` the lateral weights' forgetting
 * factor. `feedbackRates` are the backward predictors' SGD rates, the one predicting layer 1 from layer 2 first;
 * missing entries repeat the last. Only dense layers, and only rules that need no backward pass through the network.
 */
export const DynamicsSpec = z.strictObject({
  kind: z.literal('corinfomax'),
  iterations: z.number().int().min(1, 'the dynamics need at least 1 iteration').max(500).default(30),
  stepSize: z.number().positive('the step size must be positive').max(1).default(0.05),
  leak: z.number().min(0).max(10).default(0.1),
  epsilon: z.number().positive().max(10).default(0.15),
  lambda: z.number().min(0.9).max(0.99999999).default(0.99999),
  feedbackRates: z
    .array(z.number().min(0, 'a feedback rate must be 0 (fixed) or more'))
    .min(1)
    .max(65)
    .default([0.045, 0.015]),
});
export type DynamicsSpec = z.infer<typeof DynamicsSpec>;

/** The rules a CorInfoMax network trains with: broadcast rules, which need no backward pass through its layers. */
export const DYNAMICS_RULES = ['ebd', 'sbd', 'dfa', 'drtp', 'dkp'] as const;

export const RuleName = z.enum(['bp', 'fa', 'dfa', 'drtp', 'dkp', 'ebd', 'sbd', 'pepita']);
export type RuleName = z.infer<typeof RuleName> & CatalogueRuleName;

export const Loss = z.enum(['mse', 'cross_entropy', 'bernoulli', 'poisson']);
export type Loss = z.infer<typeof Loss>;

export const Schedule = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant') }),
  z.strictObject({ kind: z.literal('step'), every: z.number().int().min(1), factor: z.number().positive().max(1) }),
  z.strictObject({ kind: z.literal('exponential'), gamma: z.number().positive().max(1) }),
  // The EBD paper's MLP schedule, α(m) = α₀ / (1 + 1.5·⌊m/10⌋) with m the epoch: every = 10, slope = 1.5.
  z.strictObject({
    kind: z.literal('inverse'),
    every: z.number().int().min(1).default(10),
    slope: z.number().positive().max(1000).default(1.5),
  }),
]);

export const OptimizerSpec = z.strictObject({
  kind: z.enum(['sgd', 'momentum', 'adam']).default('adam'),
  learningRate: z.number().positive('the learning rate must be positive').max(1e6).default(1e-3),
  momentum: z.number().min(0).max(0.9999).default(0.9),
  beta1: z.number().min(0).max(0.9999).default(0.9),
  beta2: z.number().min(0).max(0.999999).default(0.999),
  epsilon: z.number().positive().max(1).default(1e-8),
  /** Multipliers of the rate per weight layer, first hidden layer first; missing entries are 1, 0 freezes a layer. */
  layerRates: z.array(z.number().min(0, 'a layer rate must be 0 (frozen) or more')).max(65).default([]),
  schedule: Schedule.default({ kind: 'constant' }),
});
export type OptimizerSpec = z.infer<typeof OptimizerSpec>;

const LayerMultipliers = z.array(z.number().min(0, 'a layer multiplier must be 0 (off) or more')).max(65).default([]);

export const RegularizerSpec = z.strictObject({
  power: z
    .strictObject({ coefficient: z.number().min(0).default(0), target: z.number().positive().default(1) })
    .default({ coefficient: 0, target: 1 }),
  activationL1: z.number().min(0).default(0),
  weightDecay: z.number().min(0).default(0),
  /**
   * Entropy, maximised: of a dense layer's activations, ½ log det(R_h + εI), tracked with an O(N²B) inverse update;
   * of a conv or locally connected layer's filters, ½ log det(WᵀW + weightEpsilon·I) (the EBD paper's choice there).
   */
  entropy: z
    .strictObject({
      coefficient: z.number().min(0).default(0),
      // The EBD paper's λ_E; a shorter memory costs O(N³) per step to keep the tracked inverse within 1% (entropy.ts).
      lambda: z.number().min(0).max(0.99999999).default(0.99999),
      epsilon: z.number().positive().max(100).default(0.01),
      /** ε of the conv and locally connected layers' weight entropy ½ log det(WᵀW + εI); absent: the paper's 1e-5. */
      weightEpsilon: z.number().positive().max(100).optional(),
    })
    .default({ coefficient: 0, lambda: 0.99999, epsilon: 0.01 }),
  /**
   * Per-layer multipliers of each coefficient, first hidden layer first (weight decay: every weight layer, the readout
   * last), as layerRates are to the learning rate: missing entries are 1, 0 turns the term off in that layer.
   */
  layerScales: z
    .strictObject({
      power: LayerMultipliers,
      activationL1: LayerMultipliers,
      entropy: LayerMultipliers,
      weightDecay: LayerMultipliers,
      /** EBD/SBD's forward broadcast, per hidden layer's term (the input layer's is the rule's own parameter). */
      forwardBroadcast: LayerMultipliers,
    })
    .default({ power: [], activationL1: [], entropy: [], weightDecay: [], forwardBroadcast: [] }),
});
export type RegularizerSpec = z.infer<typeof RegularizerSpec>;

export const RuleSpec = z.strictObject({
  rule: RuleName,
  /** A name for this arm of the comparison (e.g. "SBD + expansion"); defaults to the rule's. */
  label: z.string().trim().max(100).optional(),
  /** Rule hyperparameters; missing ones take the catalogue's defaults. */
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
  /** Per-rule overrides of the experiment's optimiser and regularisers (rules differ in what keeps them stable). */
  optimizer: OptimizerSpec.optional(),
  regularizers: RegularizerSpec.optional(),
});
export type RuleSpec = z.infer<typeof RuleSpec>;

export const DatasetSpec = z
  .strictObject({
    name: z.string().min(1, 'choose a dataset'),
    trainSubset: z.number().int().positive().optional(),
    validationFraction: z.number().min(0).max(0.5).default(0.1),
    standardise: z.boolean().default(false),
    /**
     * What `standardise` takes one mean and std over: 'feature' (absent: each input value on its own, as always) or
     * 'channel' (images: one mean and std per colour channel over all pixels of the training split, as the papers do).
     */
    standardiseOver: z.enum(['feature', 'channel']).optional(),
    /** Per-epoch augmentation of the training images (shared/schemas/augmentation.ts); absent: none. */
    augmentation: AugmentationSpec.optional(),
  })
  .superRefine((dataset, ctx) => {
    if (dataset.standardiseOver !== undefined && !dataset.standardise)
      ctx.addIssue({
        code: 'custom',
        path: ['standardiseOver'],
        message: 'standardiseOver applies only with standardise: true',
      });
  });

export const MonitoringSpec = z.strictObject({
  /** Steps between reads of the training loss (each read syncs with the device). */
  readEvery: z.number().int().min(1).max(100000).default(20),
  /** Steps between diagnostics (three factors, alignment with BP, decorrelation); 0 = never. */
  diagnosticsEvery: z.number().int().min(0).max(1000000).default(100),
  /** Steps between checkpoints; 0 = only at the end and when stopped. */
  checkpointEvery: z.number().int().min(0).max(10000000).default(1000),
  /** Mean activation power (h²) above which a run is stopped as diverged. */
  powerLimit: z.number().positive().default(1e4),
  /**
   * Evaluations of the validation and test splits per epoch, at evenly spaced steps (the epoch's end included).
   * Absent: enough for at least 20 points over the run, no more often than every few steps.
   */
  evaluationsPerEpoch: z.number().int().min(1).max(10000).optional(),
});

export const ExperimentSpec = z
  .strictObject({
    schemaVersion: z.literal(EXPERIMENT_SCHEMA_VERSION).default(EXPERIMENT_SCHEMA_VERSION),
    name: z.string().trim().min(1, 'an experiment needs a name').max(200),
    description: z.string().max(10000).default(''),
    dataset: DatasetSpec,
    network: z.strictObject({
      hidden: z.array(LayerSpec).max(64, 'at most 64 hidden layers'),
      init: z
        .strictObject({
          scheme: z
            .enum(['xavier_uniform', 'xavier_normal', 'kaiming_uniform', 'kaiming_normal'])
            .default('kaiming_uniform'),
          gain: z.number().positive().max(100).default(Math.SQRT2),
          /**
           * The readout layer's gain, when it differs from the hidden layers'. 0 starts the readout at zero, which keeps
           * a random readout from feeding back into the broadcast rules' first steps (Nøkland 2016).
           */
          readoutGain: z.number().min(0).max(100).optional(),
        })
        .default({ scheme: 'kaiming_uniform', gain: Math.SQRT2 }),
      weightSparsity: z.number().min(0).max(0.99).default(0),
      /** false: no bias in any layer, as the EBD paper's CNN and LC networks. Absent means biases. */
      biases: z.boolean().optional(),
      /** Recurrent neural dynamics (CorInfoMax); absent: the feed-forward network. */
      dynamics: DynamicsSpec.optional(),
    }),
    loss: Loss.default('mse'),
    rules: z.array(RuleSpec).min(1, 'pick at least one learning rule'),
    optimizer: OptimizerSpec.default(OptimizerSpec.parse({})),
    regularizers: RegularizerSpec.default(RegularizerSpec.parse({})),
    seeds: z
      .array(z.number().int().nonnegative())
      .min(1, 'give at least one seed')
      .max(1000)
      .refine((s) => new Set(s).size === s.length, 'seeds must be distinct'),
    epochs: z.number().int().min(1).max(100000),
    batchSize: z.number().int().min(1).max(65536),
    monitoring: MonitoringSpec.default(MonitoringSpec.parse({})),
  })
  .superRefine((spec, ctx) => {
    const hidden = spec.network.hidden.length;
    const checkScales = (regularizers: RegularizerSpec, at: (string | number)[]) => {
      for (const [term, scales] of Object.entries(regularizers.layerScales)) {
        const layers = term === 'weightDecay' ? hidden + 1 : hidden;
        if (scales.length > layers)
          ctx.addIssue({
            code: 'custom',
            path: [...at, 'layerScales', term],
            message: `${scales.length} layer multipliers for ${layers} ${term === 'weightDecay' ? 'weight' : 'hidden'} layer(s)`,
          });
      }
    };
    checkScales(spec.regularizers, ['regularizers']);
    if (spec.network.dynamics) checkDynamics(spec, ctx);
    spec.rules.forEach((rule, i) => {
      if (rule.regularizers) checkScales(rule.regularizers, ['rules', i, 'regularizers']);
      for (const [key, message] of checkRuleParams(rule.rule, rule.params)) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'params', key], message });
      }
      if (rule.rule === 'ebd' && spec.loss !== 'mse') {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'rule'],
          message: 'EBD broadcasts the MSE error and needs loss "mse"; use SBD for other losses',
        });
      }
      if (rule.params.expansion === 'second_order' && spec.loss !== 'cross_entropy') {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'params', 'expansion'],
          message: 'the centred second-order expansion needs loss "cross_entropy"',
        });
      }
    });
  });
export type ExperimentSpec = z.infer<typeof ExperimentSpec>;

/** A CorInfoMax network: dense layers without dropout, trained by a broadcast rule. */
function checkDynamics(
  spec: { network: { hidden: LayerSpec[] }; rules: { rule: RuleName }[] },
  ctx: z.RefinementCtx,
): void {
  spec.network.hidden.forEach((layer, i) => {
    if (isPatchLayer(layer))
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'hidden', i, 'kind'],
        message: `CorInfoMax dynamics run on dense layers; layer ${i + 1} is ${layer.kind}`,
      });
    else if ((layer.dropout ?? 0) > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'hidden', i, 'dropout'],
        message: `CorInfoMax dynamics take no dropout (layer ${i + 1})`,
      });
  });
  spec.rules.forEach((rule, i) => {
    if (!(DYNAMICS_RULES as readonly string[]).includes(rule.rule))
      ctx.addIssue({
        code: 'custom',
        path: ['rules', i, 'rule'],
        message: `${rule.rule.toUpperCase()} needs a backward pass through the layers, which a CorInfoMax network's equilibrium does not have; use ${DYNAMICS_RULES.map((r) => r.toUpperCase()).join(', ')}`,
      });
  });
}
export type ExperimentSpecInput = z.input<typeof ExperimentSpec>;
