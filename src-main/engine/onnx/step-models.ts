import type { Model, StateEntry } from '../model';
import { diagnosticStep, evaluationStep, trainingStep, type Tensors } from '../step';
import { GraphBuilder, type Sym } from './graph';

/**
 * The three ONNX models of a run, each built once from its Model by running the shared step code on the graph
 * builder:
 *  - train: K steps in one ONNX Loop. The learned state is loop-carried; the fixed state (random matrices, masks)
 *    is read from the outer graph; the K batches and per-step scalars come stacked as `steps.<name>` [K, …] and
 *    each iteration takes its slice. Outputs: `next.<name>` for the learned state, and per step `loss`, `correct`
 *    and `power` (each hidden layer's mean hₖ²).
 *  - diagnose: one step's diagnostics on the state before it, nothing updated.
 *  - evaluate: per-sample loss and hit of a batch of fixed size.
 * State and step inputs keep the names of Model.initialState and Model.stepInputs.
 */
export interface BuiltModels {
  train: Uint8Array;
  diagnose: Uint8Array;
  diagnosticNames: string[];
  evaluate: Uint8Array;
}

export function buildModels(model: Model, batchSize: number, evalBatch: number): BuiltModels {
  const diagnose = buildDiagnose(model, batchSize);
  return {
    train: buildTrain(model, batchSize),
    diagnose: diagnose.bytes,
    diagnosticNames: diagnose.names,
    evaluate: buildEvaluate(model, evalBatch),
  };
}

const metadata = (model: Model, graph: string): Record<string, string> => ({
  'broadcast-lab.graph': graph,
  'broadcast-lab.rule': model.config.rule.name,
  'broadcast-lab.loss': model.config.loss,
});

function stateInputs(g: GraphBuilder, entries: readonly StateEntry[]): Record<string, Sym> {
  const out: Record<string, Sym> = {};
  for (const e of entries) out[e.name] = g.input(e.name, e.shape);
  return out;
}

function stepInputSyms(g: GraphBuilder, model: Model, batchSize: number, stacked: boolean): Record<string, Sym> {
  const out: Record<string, Sym> = {};
  for (const spec of model.stepInputs(batchSize)) {
    const type = spec.type === 'int' ? 'int32' : 'float';
    out[spec.name] = stacked
      ? g.input(`steps.${spec.name}`, ['K', ...spec.shape], type)
      : g.input(spec.name, spec.shape, type);
  }
  return out;
}

function buildTrain(model: Model, batchSize: number): Uint8Array {
  const g = new GraphBuilder('train');
  const learned = model.initialState.filter((e) => e.learned);
  const fixed = model.initialState.filter((e) => !e.learned);
  const initial = stateInputs(g, learned);
  const fixedSyms = stateInputs(g, fixed);
  const stacked = stepInputSyms(g, model, batchSize, true);
  const specs = model.stepInputs(batchSize);

  const body = g.child('step');
  const iteration = body.input('iteration', [], 'int64');
  const condition = body.input('condition', [], 'bool');
  const carried: Record<string, Sym> = {};
  for (const e of learned) carried[e.name] = body.input(`carry.${e.name}`, e.shape);
  const inputs: Record<string, Sym> = {};
  for (const spec of specs) {
    const [slice] = body.op(
      'Gather',
      [stacked[spec.name]!, iteration],
      [{ shape: spec.shape, type: stacked[spec.name]!.type }],
      { axis: { kind: 'int', value: 0 } },
    );
    inputs[spec.name] = slice!;
  }
  const state: Tensors<Sym> = { ...fixedSyms, ...carried };
  const result = trainingStep(body, model, state, inputs);
  body.output(condition, 'condition_out');
  for (const e of learned) body.output(result.next[e.name] ?? carried[e.name]!, `carry_out.${e.name}`);
  body.output(result.loss, 'loss_out');
  body.output(result.correct, 'correct_out');
  body.output(result.power, 'power_out');

  const [shape] = g.op('Shape', [stacked.x!], [{ shape: [3], type: 'int64' }]);
  const [trips] = g.op('Gather', [shape!, g.int64([0], [])], [{ shape: [], type: 'int64' }], {
    axis: { kind: 'int', value: 0 },
  });
  const powerSize = result.power.shape[0]!;
  const outs = g.op(
    'Loop',
    [trips!, null, ...learned.map((e) => initial[e.name]!)],
    [...learned.map((e) => ({ shape: e.shape })), { shape: [-1] }, { shape: [-1] }, { shape: [-1, powerSize] }],
    { body: { kind: 'graph', value: body.graph() } },
  );
  learned.forEach((e, i) => g.output(outs[i]!, `next.${e.name}`));
  g.outputWithShape(outs[learned.length]!, 'loss', ['K']);
  g.outputWithShape(outs[learned.length + 1]!, 'correct', ['K']);
  g.outputWithShape(outs[learned.length + 2]!, 'power', ['K', powerSize]);
  return g.model(metadata(model, 'train'));
}

function buildDiagnose(model: Model, batchSize: number): { bytes: Uint8Array; names: string[] } {
  const g = new GraphBuilder('diagnose');
  const state = stateInputs(g, model.initialState);
  const inputs = stepInputSyms(g, model, batchSize, false);
  const diagnostics = diagnosticStep(g, model, state, inputs);
  const names = Object.keys(diagnostics);
  for (const name of names) g.output(diagnostics[name]!, name);
  return { bytes: g.model(metadata(model, 'diagnose')), names };
}

function buildEvaluate(model: Model, evalBatch: number): Uint8Array {
  const g = new GraphBuilder('evaluate');
  const read = model.evaluationStateNames();
  const state = stateInputs(
    g,
    model.initialState.filter((e) => read.has(e.name)),
  );
  // Every test-time view of the batch, view-major (trainer.ts's evaluate gathers them so).
  const x = g.input('x', [model.evaluationViews * evalBatch, model.config.network.inputSize]);
  const target = g.input('target', [evalBatch, model.classes]);
  const { loss, hits } = evaluationStep(g, model, state, x, target);
  g.output(loss, 'loss');
  g.output(hits, 'hits');
  return g.model(metadata(model, 'evaluate'));
}

/** Multiply–adds of the matrix products of one training step (what the GEMM limit of the speed bench counts). */
export function stepMacs(model: Model, batchSize: number): number {
  const g = new GraphBuilder('count');
  const state = stateInputs(g, model.initialState);
  const inputs = stepInputSyms(g, model, batchSize, false);
  trainingStep(g, model, state, inputs);
  return g.macs;
}
