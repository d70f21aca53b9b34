import { beforeAll, describe, expect, it } from 'vitest';
import type { RuleName, RuleParamValues } from '../../../shared/rules/catalogue';
import { isPatchLayer } from '../../../shared/schemas/experiment';
import { Rng } from '../../../src-main/common/random';
import * as ort from 'onnxruntime-node';
import { EagerRunner } from '../../../src-main/engine/eager/runner';
import type { Model } from '../../../src-main/engine/model';
import { GraphBuilder } from '../../../src-main/engine/onnx/graph';
import { OnnxRunner } from '../../../src-main/engine/onnx/runner';
import type { StateTensor, StepRunner } from '../../../src-main/engine/runner';
import { trainingStep } from '../../../src-main/engine/step';
import {
  imageBatch,
  imageModel,
  inputUnits,
  naiveLayers,
  naiveParams,
  SMALL_NETS,
  type ImageNet,
} from '../../support/conv-fixtures';
import { decorrelationDefaults, useCpuBackend } from '../../support/engine-fixtures';
import { relativeError, stateInputs, stepInputs, trainChunk, type TestBatch } from '../../support/executors';
import { naiveForward, norm } from '../../support/naive-conv';

/*
 * Training conv and locally connected networks (issue #11) on the trainer's runners: the compiled step against the
 * eager one for every rule, frozen EBD against DFA, and SBD's decorrelation on a teacher–student conv task.
 */

beforeAll(useCpuBackend);

// The rules' small nets, the LC one without biases (the EBD paper's CNN/LC have none).
const NETS: Record<'CNN' | 'LC', ImageNet> = { CNN: SMALL_NETS.CNN, LC: { ...SMALL_NETS.LC, biases: false } };

const RULES: RuleName[] = ['bp', 'fa', 'dfa', 'drtp', 'dkp', 'ebd', 'sbd', 'pepita'];
const OPTIMIZERS = ['adam', 'sgd', 'momentum'] as const;
const STEPS = 10;
const BATCH = 4;

function ruleParams(rule: RuleName): RuleParamValues {
  if (rule === 'ebd' || rule === 'sbd') return decorrelationDefaults;
  // A feedback rate at which DKP's matrices visibly move within the steps compared.
  if (rule === 'dkp') return { feedbackLr: 0.1, feedbackDecay: 0.01 };
  // An input feedback at which PEPITA's second pass differs visibly from its first within the steps compared.
  if (rule === 'pepita') return { feedbackScale: 1 };
  return {};
}

/** The trainer's two executors: the eager step on TF.js and the step compiled into an ONNX Loop. */
const RUNNERS = [
  {
    name: 'eager',
    make: async (m: Model) => new EagerRunner(m, BATCH, { backend: 'cpu', device: 'js', threads: null, versions: {} }),
  },
  { name: 'onnx', make: (m: Model) => OnnxRunner.create(m, { backend: 'onnx-cpu', threads: 1, batchSize: BATCH }) },
] as const;

/**
 * The batches as one chunk of training steps, as the trainer feeds them (batches and each step's scalars stacked
 * step-major): the eager runner runs trainingStep once per step, the ONNX one runs them all in its Loop. Returns
 * each step's loss and the state after the last.
 */
async function train(make: (m: Model) => Promise<StepRunner>, model: Model, batches: TestBatch[]) {
  return trainChunk(await make(model), model, batches);
}

/**
 * The trainer's step compiled once into an ONNX graph of one step, run once per batch with the state it returns
 * fed back (the Loop around it, which the trainer adds, is the same for every layer kind and tested in
 * trainer.test.ts; building the runner's diagnostics graph for every case here would cost more than the steps).
 */
async function compiledSteps(model: Model, batches: TestBatch[]) {
  const g = new GraphBuilder('conv-step');
  const state = Object.fromEntries(model.initialState.map((e) => [e.name, g.input(e.name, e.shape)]));
  const specs = model.stepInputs(BATCH);
  const inputs = Object.fromEntries(
    specs.map((spec) => [spec.name, g.input(`in.${spec.name}`, spec.shape, spec.type === 'int' ? 'int32' : 'float')]),
  );
  const result = trainingStep(g, model, state, inputs);
  const learned = Object.keys(result.next);
  g.output(result.loss, 'loss');
  for (const name of learned) g.output(result.next[name]!, `next.${name}`);
  const session = await ort.InferenceSession.create(g.model(), { intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const current = new Map<string, ort.Tensor>(
      model.initialState.map((e) => [e.name, new ort.Tensor('float32', e.values.slice(), [...e.shape])]),
    );
    const loss = new Float32Array(batches.length);
    for (const [t, batch] of batches.entries()) {
      const feeds: Record<string, ort.Tensor> = Object.fromEntries(current);
      for (const spec of specs) {
        const { values } = stepInputs(model, batch, t)[spec.name]!;
        feeds[`in.${spec.name}`] =
          spec.type === 'int'
            ? new ort.Tensor('int32', Int32Array.from(values), [...spec.shape])
            : new ort.Tensor('float32', Float32Array.from(values), [...spec.shape]);
      }
      const out = await session.run(feeds);
      loss[t] = ((await out.loss!.getData()) as Float32Array)[0]!;
      for (const name of learned) current.set(name, out[`next.${name}`]!);
    }
    const final = new Map<string, StateTensor>();
    for (const [name, tensor] of current)
      final.set(name, { shape: tensor.dims, values: Float32Array.from((await tensor.getData()) as Float32Array) });
    return { loss, state: final };
  } finally {
    await session.release();
  }
}

describe('compiled (ONNX) and eager training of image networks', () => {
  const cases = (['CNN', 'LC'] as const).flatMap((net) => RULES.map((rule, i) => ({ net, rule, i })));

  it.each(cases)(
    'agree over 10 steps: $rule on the $net (weights, rule state, optimiser, loss)',
    async ({ net, rule, i }) => {
      const spec = NETS[net];
      const model = imageModel(spec, {
        rule,
        loss: rule === 'ebd' || i % 2 === 0 ? 'mse' : 'cross_entropy',
        params: ruleParams(rule),
        optimizer: { kind: OPTIMIZERS[i % 3], learningRate: 0.02 },
      });
      const batches = Array.from({ length: STEPS }, (_, t) => imageBatch(spec, BATCH, 100 + t));
      const [e, o] = [await train(RUNNERS[0].make, model, batches), await compiledSteps(model, batches)];
      expect(o.loss.length).toBe(STEPS);
      expect(relativeError(o.loss, e.loss), 'losses').toBeLessThan(1e-4);
      for (const entry of model.initialState.filter((s) => s.saved)) {
        const [mine, reference] = [o.state.get(entry.name)!.values, e.state.get(entry.name)!.values];
        expect(relativeError(mine, reference), `${rule}: ${entry.name}`).toBeLessThan(1e-4);
        // Every learned entry did move: the comparison is of trained values, not of the start.
        if (entry.learned) expect(relativeError(reference, entry.values), `${entry.name} moved`).toBeGreaterThan(1e-4);
      }
      // Ten different batches, each loss its own.
      expect(new Set(e.loss).size).toBe(STEPS);
    },
  );
});

describe.each(RUNNERS)('EBD with R frozen on a conv and a locally connected net, $name executor', ({ make }) => {
  it.each(['CNN', 'LC'] as const)('takes DFA’s steps (Bₖ = Rₖ) one for one on the %s', async (net) => {
    const spec = NETS[net];
    const lambda = 0.9;
    const optimizer = { kind: 'sgd' as const, learningRate: 0.05 };
    // One seed: EBD's R₀ is drawn from the same named streams, at the same scale, as DFA's B.
    const dfa = imageModel(spec, { rule: 'dfa', loss: 'mse', optimizer, seed: 8 });
    // EBD's hidden gradients carry ζ = (1−λ)/B instead of DFA's 1/B: its hidden layers get a rate 1/(1−λ) larger.
    const ebd = imageModel(spec, {
      rule: 'ebd',
      loss: 'mse',
      params: { ...decorrelationDefaults, lambda, freeze: true },
      optimizer: { ...optimizer, layerRates: [1 / (1 - lambda), 1 / (1 - lambda), 1] },
      seed: 8,
    });
    const batches = Array.from({ length: STEPS }, (_, t) => imageBatch(spec, BATCH, 300 + t));
    const [a, b] = [(await train(make, dfa, batches)).state, (await train(make, ebd, batches)).state];
    for (const k of [1, 2, 3]) {
      const [mine, reference] = [b.get(`w${k}`)!.values, a.get(`w${k}`)!.values];
      expect(relativeError(mine, reference), `w${k}`).toBeLessThan(1e-4);
      const start = dfa.initialState.find((e) => e.name === `w${k}`)!.values;
      expect(relativeError(reference, start), `w${k} moved`).toBeGreaterThan(1e-3);
    }
    // The frozen R is still DFA's B, entry for entry.
    for (const k of [1, 2])
      expect(Array.from(b.get(`rule.correlation${k}`)!.values)).toEqual(
        Array.from(a.get(`rule.broadcast${k}`)!.values),
      );
  });
});

/*
 * SBD on a conv network (issue #11): a fixed random conv teacher labels random images, and an SBD student's running
 * correlations Rₖ — one per (position, channel) of each layer and per class — fall as it trains.
 */

const TEACHER: ImageNet = {
  input: { height: 6, width: 6, channels: 1 },
  hidden: [
    { kind: 'conv', channels: 4, kernel: 3, stride: 1, padding: 1, activation: 'tanh', pool: { kind: 'avg', size: 2 } },
  ],
  classes: 3,
};
const STUDENT: ImageNet = {
  input: TEACHER.input,
  hidden: [
    { kind: 'conv', channels: 4, kernel: 3, stride: 1, padding: 1, activation: 'tanh', pool: { kind: 'avg', size: 2 } },
    { kind: 'conv', channels: 4, kernel: 3, stride: 1, padding: 1, activation: 'tanh' },
  ],
  classes: 3,
};

/** Random images labelled by the teacher's argmax (its seeded initial weights, computed by the loop reference). */
function teacherData(size: number) {
  const x = new Rng(21).fillNormal(new Float32Array(size * inputUnits(TEACHER)), 1);
  const teacher = imageModel(TEACHER, { seed: 99 });
  const pass = naiveForward(
    naiveLayers(TEACHER),
    naiveParams(teacher, stateInputs(teacher)),
    Float64Array.from(x),
    size,
  );
  const z = pass.h[pass.h.length - 1]!;
  const y = new Float32Array(size * TEACHER.classes);
  for (let b = 0; b < size; b++) {
    let best = 0;
    for (let c = 1; c < TEACHER.classes; c++)
      if (z[b * TEACHER.classes + c]! > z[b * TEACHER.classes + best]!) best = c;
    y[b * TEACHER.classes + best] = 1;
  }
  return { x, y };
}

/** ‖Rₖ‖ per position of a state's correlation (stored C × (P·channels), unit p·channels + c). */
function positionNorms(r: StateTensor, channels: number): number[] {
  const [classes, units] = r.shape as [number, number];
  const norms: number[] = [];
  for (let p = 0; p < units / channels; p++) {
    let sum = 0;
    for (let c = 0; c < classes; c++)
      for (let ch = 0; ch < channels; ch++) sum += r.values[c * units + p * channels + ch]! ** 2;
    norms.push(Math.sqrt(sum));
  }
  return norms;
}

describe('SBD on a teacher–student conv task (compiled engine)', () => {
  const SIZE = 640;
  const STUDENT_BATCH = 16;
  const CHUNK = 100;
  const CHUNKS = 4;

  /** Trains a student by SBD (or its ascent twin) and reads its state after the first chunk and at the end. */
  async function student(direction: 'descent' | 'ascent') {
    const model: Model = imageModel(STUDENT, {
      rule: 'sbd',
      loss: 'cross_entropy',
      // R₀ small, so that R is what the layers' own correlations made it within a few dozen steps (λ = 0.99).
      params: { ...decorrelationDefaults, lambda: 0.99, initScale: 0.01, direction },
      optimizer: { kind: 'adam', learningRate: 0.01 },
      // A little power normalisation holds every layer's activation power near 0.25: without it the layers
      // decorrelate by shrinking to zero (ALGORITHMS.md §7), which would make a falling ‖R‖ say nothing.
      regularizers: { power: { coefficient: 1e-3, target: 0.25 } },
      seed: 4,
    });
    const { x, y } = teacherData(SIZE);
    const features = inputUnits(STUDENT);
    const runner = await OnnxRunner.create(model, { backend: 'onnx-cpu', threads: 1, batchSize: STUDENT_BATCH });
    const states: Map<string, StateTensor>[] = [];
    let power: ArrayLike<number> = [];
    try {
      for (let chunk = 0; chunk < CHUNKS; chunk++) {
        const xs = new Float32Array(CHUNK * STUDENT_BATCH * features);
        const ys = new Float32Array(CHUNK * STUDENT_BATCH * STUDENT.classes);
        for (let s = 0; s < CHUNK; s++) {
          const first = ((chunk * CHUNK + s) * STUDENT_BATCH) % SIZE;
          xs.set(x.subarray(first * features, (first + STUDENT_BATCH) * features), s * STUDENT_BATCH * features);
          ys.set(
            y.subarray(first * STUDENT.classes, (first + STUDENT_BATCH) * STUDENT.classes),
            s * STUDENT_BATCH * STUDENT.classes,
          );
        }
        const scalars = model.stackedScalars(chunk * CHUNK, CHUNK, 0);
        power = (await runner.train({ steps: CHUNK, inputs: { x: xs, target: ys, ...scalars } })).power;
        if (chunk === 0 || chunk === CHUNKS - 1) states.push(await runner.readState());
      }
    } finally {
      await runner.dispose();
    }
    // The last step's mean activation power of each hidden layer.
    return { early: states[0]!, late: states[1]!, power: Array.from(power).slice(-2) };
  }

  // What it checks is decorrelation, not learning: measured here, the descent student's loss stays near ln 3 over
  // the 400 steps while its ascent twin's falls to about 0.6 (the sign question of ALGORITHMS.md §7).
  it('drives each layer’s per-position correlation with the score down, where its ascent twin does not', async () => {
    const [sbd, ascent] = [await student('descent'), await student('ascent')];
    for (const k of [1, 2]) {
      const name = `rule.correlation${k}`;
      const layer = STUDENT.hidden[k - 1]!;
      const channels = isPatchLayer(layer) ? layer.channels : 1;
      const [early, late, twin] = [sbd.early, sbd.late, ascent.late].map((s) => norm(s.get(name)!.values));
      // The layers kept their activity (no collapse)…
      expect(sbd.power[k - 1], `layer ${k} power`).toBeGreaterThan(0.15);
      // …and decorrelated: ‖Rₖ‖ fell by more than half over 300 steps, and ends under half its ascent twin's.
      expect(late, `‖R${k}‖ against step ${CHUNK}`).toBeLessThan(0.5 * early!);
      expect(late, `‖R${k}‖ against ascent`).toBeLessThan(0.5 * twin!);
      // Per position: every position's correlation fell by at least a quarter, not only a dominant few.
      const before = positionNorms(sbd.early.get(name)!, channels);
      const after = positionNorms(sbd.late.get(name)!, channels);
      expect(after).toHaveLength(k === 1 ? 36 : 9);
      after.forEach((v, p) => expect(v, `layer ${k}, position ${p}`).toBeLessThan(0.75 * before[p]!));
    }
  });
});
