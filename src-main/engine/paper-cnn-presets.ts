import { layerLabel } from '../../shared/network/describe';
import {
  OptimizerSpec,
  RegularizerSpec,
  type ExperimentSpecInput,
  type LayerSpec,
  type RuleSpec,
} from '../../shared/schemas/experiment';
import type { Preset } from './presets';

/**
 * The EBD paper's convolutional and locally connected networks (PAPERS.md, appendix I of arXiv 2504.11558), each
 * as a full preset (published epochs, 5 seeds) and a quick check (2 epochs on 10,000 training images, 3 seeds,
 * everything else the same) that a laptop can run. Arms on one network, seeds and data order: EBD, DFA, BP and
 * SBD with the score expansion s ⊗ [1; z] (under the paper's MSE loss plain SBD's score is EBD's error, so the
 * expanded score is what SBD adds here).
 *
 * What is the paper's: architectures; batch 16; MSE; Adam (0.9, 0.999); no biases; base rate 1e-4·γ^epoch with the
 * hidden layers at 0.1× and the last at 10× (LC: 5×); λ = 0.99999; R₀ of standard deviation 1e-2 (drawn uniform
 * with that spread, as every broadcast matrix here is); Adam weight decay 1e-5 (MNIST 1e-8); BP with Adam 5e-5
 * (LC on CIFAR-10 1e-4); CIFAR-100's translation and alternate-epoch flips.
 * What is not, and why: Adam's ε is 1e-16, not 1e-8 — with ζ = (1−λ)/B in the gradient (≈ 6e-7 here) the paper's ε
 * would swamp the hidden layers' updates (the spec warning says so); λ stays fixed (the paper's schedule towards 1
 * is unreadable); the layer entropy and the conv layers' weight entropy are off (their coefficients are not
 * given; `regularizers.entropy` turns both on, with the paper's ε 1e-5 for the weight entropy); EBD/SBD's weight
 * decay is scaled by 1−λ (their gradient carries ζ where the paper folds it into the rates); CIFAR-100's dropout is
 * EBD's 0.075 for every arm (the network is shared), and which six views its test-time augmentation takes is not
 * given (here: as is, mirrored, 2-px shifts four ways); the BP decay γ is the EBD model's (the paper gives a range,
 * 0.85–0.97).
 */

interface PaperNetwork {
  id: string;
  title: string;
  dataset: ExperimentSpecInput['dataset'];
  hidden: LayerSpec[];
  /** The broadcast rules' per-epoch decay γ, hidden and last-layer rate multipliers, Adam's weight decay. */
  gamma: number;
  hiddenRate: number;
  lastRate: number;
  weightDecay: number;
  bpRate: number;
  epochs: number;
  /** What the paper reports, in words (test %, mean ± std of 5 runs). */
  reported: string;
  /** What the preset has been shown to reach here; stated as not yet measured until it has. */
  measured: string;
  /** Whether the quick check has been measured DFA-like (every learned broadcast's share below 0.5). */
  quickDfaLike: boolean;
}

const RATE = 1e-4;
const LAMBDA = 0.99999;
/** σ = 1e-2 for R₀: broadcastInit draws uniform on ±scale·√(3/C), standard deviation scale/√C, C = 10 outputs. */
const INIT_SCALE = 0.0316;
const ADAM_EPSILON = 1e-16;

function patch(
  kind: 'conv' | 'local',
  channels: number,
  kernel: number,
  stride: number,
  padding: number,
  pool?: 'avg' | 'max',
): LayerSpec {
  return {
    kind,
    channels,
    kernel,
    stride,
    padding,
    activation: 'relu',
    ...(pool ? { pool: { kind: pool, size: 2 } } : {}),
  };
}

const conv = (channels: number, kernel: number, stride: number, padding: number, pool?: 'avg' | 'max') =>
  patch('conv', channels, kernel, stride, padding, pool);
const local = (channels: number, kernel: number, stride: number, padding: number, pool?: 'avg') =>
  patch('local', channels, kernel, stride, padding, pool);

function dense(units: number): LayerSpec {
  return { units, activation: 'relu' };
}

function broadcastOptimizer(net: PaperNetwork): OptimizerSpec {
  return OptimizerSpec.parse({
    kind: 'adam',
    learningRate: RATE,
    epsilon: ADAM_EPSILON,
    schedule: { kind: 'exponential', gamma: net.gamma },
    layerRates: [...new Array<number>(net.hidden.length).fill(net.hiddenRate), net.lastRate],
  });
}

/**
 * The arms; `regime` is appended to the learned broadcasts' labels where a check showed them DFA-like (R₀ still
 * carrying R: the learned share stayed below 0.5).
 */
function arms(net: PaperNetwork, regime: string): RuleSpec[] {
  const regularizers = RegularizerSpec.parse({ weightDecay: net.weightDecay });
  // EBD/SBD's gradient carries ζ = (1−λ)/B where DFA's and BP's carry 1/B (the paper folds ζ into its rates): the
  // paper's decay beside it would be (1−λ)⁻¹ = 10⁵ times stronger than the paper meant, and measured so it swamped
  // the hidden layers (the quick check's EBD fell 5–8 points below DFA while its layers decayed).
  const decorrelationRegularizers = RegularizerSpec.parse({ weightDecay: net.weightDecay * (1 - LAMBDA) });
  const decorrelation = { lambda: LAMBDA, initScale: INIT_SCALE };
  return [
    {
      rule: 'ebd',
      label: `EBD${regime}`,
      params: decorrelation,
      optimizer: broadcastOptimizer(net),
      regularizers: decorrelationRegularizers,
    },
    { rule: 'dfa', label: 'DFA', params: {}, optimizer: broadcastOptimizer(net), regularizers },
    {
      rule: 'bp',
      label: 'BP',
      params: {},
      optimizer: OptimizerSpec.parse({
        kind: 'adam',
        learningRate: net.bpRate,
        schedule: { kind: 'exponential', gamma: net.gamma },
      }),
      regularizers,
    },
    {
      rule: 'sbd',
      label: `SBD + score expansion${regime}`,
      params: { ...decorrelation, expansion: 'outer_probs' },
      optimizer: broadcastOptimizer(net),
      regularizers: decorrelationRegularizers,
    },
  ];
}

const NOTES =
  'Settings from the paper: batch 16, MSE, Adam, no biases, rate 1e-4·γ^epoch with hidden layers at 0.1× and the ' +
  'last at 10× (LC: 5×), λ = 0.99999, R₀ with standard deviation 1e-2, Adam weight decay (for EBD and SBD times ' +
  '1−λ, since their gradient carries ζ = (1−λ)/B where the paper folds it into its rates). Not from the paper: ' +
  'Adam ε = 1e-16 (the paper’s 1e-8 would swamp the ζ-scaled hidden gradients), λ fixed (its schedule towards 1 is ' +
  'unreadable), layer and weight entropy off (coefficients not given; Regularisers › Entropy turns both on), ' +
  'CIFAR-100: dropout 0.075 for every arm (the paper’s BP had 0.5) and six test-time views of our choosing (as is, ' +
  'mirrored, 2-px shifts four ways; the paper does not say which), SBD’s arm uses the score expansion s ⊗ [1; z] ' +
  '(under MSE plain SBD is EBD), weights uniform on ±1/√fan-in (PyTorch’s default; the paper’s is not given). ' +
  'Inputs standardised per channel.';

function paperPreset(net: PaperNetwork, quick: boolean): Preset {
  const layers = [...net.hidden.map(layerLabel), 'out'].join('–');
  const spec: ExperimentSpecInput = {
    name: `EBD paper — ${net.title}${quick ? ' (quick check)' : ''}`,
    description:
      `The EBD paper’s ${net.title}: ${layers}; EBD, DFA, BP and SBD + score expansion on the same network, seeds and ` +
      `data order. Paper: ${net.reported}. Here: ${net.measured}` +
      (quick
        ? ' Quick check: 2 epochs on 10,000 training images, 3 seeds; everything else as the full preset.'
        : ` Full protocol: ${net.epochs} epochs, 5 seeds — days on a CPU backend.`) +
      `\n\n${NOTES}`,
    dataset: { ...net.dataset, ...(quick ? { trainSubset: 10000 } : {}) },
    network: { hidden: net.hidden, biases: false, init: { scheme: 'kaiming_uniform', gain: 1 / Math.sqrt(3) } },
    loss: 'mse',
    rules: arms(net, quick && net.quickDfaLike ? ' (DFA-like)' : ''),
    seeds: quick ? [0, 1, 2] : [0, 1, 2, 3, 4],
    epochs: quick ? 2 : net.epochs,
    batchSize: 16,
  };
  return {
    id: `${net.id}${quick ? '-quick' : ''}`,
    title: `EBD paper — ${net.title}${quick ? `, quick check${net.quickDfaLike ? ' (DFA-like)' : ''}` : ''}`,
    rule: null,
    spec,
  };
}

const CIFAR10 = { name: 'cifar-10', validationFraction: 0.1, standardise: true, standardiseOver: 'channel' } as const;
const MNIST = { name: 'mnist', validationFraction: 0.1, standardise: true, standardiseOver: 'channel' } as const;
const NOT_MEASURED = 'not yet measured on this machine (run the quick check to see where it stands).';

const NETWORKS: PaperNetwork[] = [
  {
    id: 'ebd-paper-cifar10-cnn',
    title: 'CIFAR-10 CNN',
    dataset: CIFAR10,
    hidden: [conv(128, 5, 1, 2, 'avg'), conv(64, 5, 1, 2, 'avg'), conv(64, 2, 2, 0), dense(1024)],
    gamma: 0.97,
    hiddenRate: 0.1,
    lastRate: 10,
    weightDecay: 1e-5,
    bpRate: 5e-5,
    epochs: 200,
    reported: 'DFA 58.4 ± 1.59, BP 75.2 ± 0.28, EBD 66.4 ± 0.43 (200 epochs)',
    measured:
      'the quick check (seed 0, onnx-cpu) reached EBD 40.0%, DFA 39.9%, BP 46.9%, SBD + score expansion 40.1% after ' +
      '2 epochs; EBD and SBD were DFA-like throughout (learned share 0.00 in every layer: at λ = 0.99999 the learned ' +
      'part of R grows by 10⁻⁵ of the batch correlation per step, so R₀ carries R for many epochs), which is why they ' +
      'track DFA. Where the full 200-epoch run leaves that regime has not been measured here.',
    quickDfaLike: true,
  },
  {
    id: 'ebd-paper-cifar10-lc',
    title: 'CIFAR-10 locally connected',
    dataset: CIFAR10,
    hidden: [local(64, 5, 1, 2, 'avg'), local(32, 5, 1, 2, 'avg'), local(32, 2, 2, 0), dense(512)],
    gamma: 0.98,
    hiddenRate: 0.1,
    lastRate: 5,
    weightDecay: 1e-5,
    bpRate: 1e-4,
    epochs: 200,
    reported: 'DFA 62.2 ± 0.21, BP 67.8 ± 0.27, EBD 64.3 ± 0.26 (200 epochs)',
    measured:
      'the quick check (seed 0 only, onnx-cpu) reached EBD 29.9%, DFA 30.0%, BP 44.2%, SBD + score expansion 30.0% ' +
      'after 2 epochs; EBD and SBD were DFA-like throughout (learned share ≤ 0.01 in every layer at λ = 0.99999), ' +
      'which is why they track DFA. The full 200-epoch run has not been measured here.',
    quickDfaLike: true,
  },
  {
    id: 'ebd-paper-mnist-cnn',
    title: 'MNIST CNN',
    dataset: MNIST,
    hidden: [conv(64, 3, 1, 1, 'avg'), conv(32, 3, 1, 1, 'avg'), dense(1024)],
    gamma: 0.97,
    hiddenRate: 0.1,
    lastRate: 10,
    weightDecay: 1e-8,
    bpRate: 5e-5,
    epochs: 100,
    reported: 'DFA 99.1 ± 0.05, BP 99.5 ± 0.04, EBD 99.1 ± 0.07 (100 epochs)',
    measured: NOT_MEASURED,
    quickDfaLike: false,
  },
  {
    id: 'ebd-paper-mnist-lc',
    title: 'MNIST locally connected',
    dataset: MNIST,
    // The paper writes LC(32,3,1) without a padding; 1 keeps the CNN's 28 → 14 → 7 shapes (an assumption).
    hidden: [local(32, 3, 1, 1, 'avg'), local(32, 3, 1, 1, 'avg'), dense(1024)],
    gamma: 0.96,
    hiddenRate: 0.1,
    lastRate: 5,
    weightDecay: 1e-8,
    bpRate: 5e-5,
    epochs: 100,
    reported: 'no LC numbers could be read for MNIST; the CNN: DFA 99.1, BP 99.5, EBD 99.1',
    measured: NOT_MEASURED,
    quickDfaLike: false,
  },
  {
    id: 'ebd-paper-cifar100-cnn',
    title: 'CIFAR-100 CNN',
    dataset: {
      name: 'cifar-100',
      validationFraction: 0.1,
      standardise: true,
      standardiseOver: 'channel',
      augmentation: { translate: { pixels: 2, padding: 'reflect' }, flip: 'alternate_epochs', testTime: true },
    },
    // The paper's dropout before the dense layer is 0.075 for EBD and 0.5 for BP; the network is shared, so every
    // arm here has EBD's.
    hidden: [
      conv(96, 5, 1, 2, 'max'),
      conv(128, 5, 1, 2, 'max'),
      conv(256, 5, 1, 2, 'max'),
      { ...dense(2048), dropout: 0.075 },
    ],
    gamma: 0.97,
    hiddenRate: 0.1,
    lastRate: 10,
    weightDecay: 1e-5,
    bpRate: 5e-5,
    epochs: 300,
    reported: 'DFA 41.9 ± 0.32, BP 60.5 ± 0.17 (cross-entropy, 200 epochs), EBD about DFA + 4.0 (300 epochs)',
    measured: NOT_MEASURED,
    quickDfaLike: false,
  },
];

/** Every paper network, full then quick check. */
export const PAPER_CNN_PRESETS: readonly Preset[] = NETWORKS.flatMap((net) => [
  paperPreset(net, false),
  paperPreset(net, true),
]);
