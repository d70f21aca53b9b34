import type { Operand, Ops } from '../ops';
import {
  DataType,
  encodeModel,
  rawBytes,
  type AttributeValue,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfo,
} from './proto';

/** A value in a graph under construction: its name, element type and static shape. */
export interface Sym {
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: 'float' | 'int32' | 'int64' | 'bool';
}

const ELEMENT: Record<Sym['type'], DataType> = {
  float: DataType.FLOAT,
  int32: DataType.INT32,
  int64: DataType.INT64,
  bool: DataType.BOOL,
};

export const OPSET = 18;
const IR_VERSION = 9;

/** Names unique across a model and all its subgraphs (a subgraph may read its parents' values by name). */
class Names {
  private next = 0;
  fresh(hint: string): string {
    return `${hint}_${this.next++}`;
  }
}

/**
 * Builds one ONNX graph by recording ops: each method adds a node and returns the symbolic value it produces,
 * with the shape worked out here, so the step code can ask for shapes as it goes. A child builder records a
 * subgraph (a Loop body) that reads its parents' values by name.
 */
export class GraphBuilder implements Ops<Sym> {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly scalars = new Map<number, Sym>();
  private usesContrib = false;
  /** Names of the values nodes of this graph produce, and outputs renamed to their graph-output names. */
  private readonly produced = new Set<string>();
  private readonly renames = new Map<string, string>();
  private multiplyAdds = 0;

  constructor(
    readonly graphName: string,
    private readonly names: Names = new Names(),
    private readonly parent: GraphBuilder | null = null,
  ) {}

  /** A builder for a subgraph of this one. */
  child(name: string): GraphBuilder {
    return new GraphBuilder(name, this.names, this);
  }

  input(name: string, shape: readonly (number | string)[], type: Sym['type'] = 'float'): Sym {
    this.inputs.push({ name, dataType: ELEMENT[type], shape });
    return { name, shape: shape.map((d) => (typeof d === 'number' ? d : -1)), type };
  }

  /**
   * Makes value the graph output of the given name. A value this graph computes is renamed in place (an Identity
   * node would copy it: for the loop-carried weights and moments that is a full copy of each per step); a graph
   * input, or a value already given out under another name, goes through an Identity node.
   */
  output(value: Sym, name: string): void {
    this.outputWithShape(value, name, value.shape);
  }

  /** A graph output whose shape has symbolic dimensions (a Loop's scan outputs grow with the trip count). */
  outputWithShape(value: Sym, name: string, shape: readonly (number | string)[]): void {
    if (this.produced.has(value.name) && !this.renames.has(value.name)) this.renames.set(value.name, name);
    else this.nodes.push(node('Identity', [value.name], [name], name));
    this.outputs.push({ name, dataType: ELEMENT[value.type], shape });
  }

  /** Adds a node and returns its outputs' symbols (shapes as given). */
  op(
    opType: string,
    inputs: readonly (Sym | null)[],
    outputs: readonly { shape: readonly number[]; type?: Sym['type'] }[],
    attributes: Record<string, AttributeValue> = {},
    domain?: string,
  ): Sym[] {
    if (domain === 'com.microsoft') this.markContrib();
    const made = outputs.map((o) => ({
      name: this.names.fresh(opType.toLowerCase()),
      shape: o.shape,
      type: o.type ?? 'float',
    }));
    for (const m of made) this.produced.add(m.name);
    this.nodes.push({
      opType,
      inputs: inputs.map((i) => i?.name ?? ''),
      outputs: made.map((m) => m.name),
      name: this.names.fresh(`n_${opType}`),
      domain,
      attributes,
    });
    return made;
  }

  private one(
    opType: string,
    inputs: readonly (Sym | null)[],
    shape: readonly number[],
    attributes: Record<string, AttributeValue> = {},
    type: Sym['type'] = 'float',
  ): Sym {
    return this.op(opType, inputs, [{ shape, type }], attributes)[0]!;
  }

  private markContrib(): void {
    this.usesContrib = true;
    this.parent?.markContrib();
  }

  private initializer(values: ArrayLike<number>, shape: readonly number[], type: Sym['type']): Sym {
    const name = this.names.fresh(type === 'float' ? 'const' : 'index');
    this.initializers.push({ name, dataType: ELEMENT[type], dims: shape, raw: rawBytes(ELEMENT[type], values) });
    return { name, shape, type };
  }

  private scalar(value: number): Sym {
    let s = this.scalars.get(value);
    if (!s) {
      s = this.initializer([value], [], 'float');
      this.scalars.set(value, s);
    }
    return s;
  }

  private operand(x: Operand<Sym>): Sym {
    return typeof x === 'number' ? this.scalar(x) : x;
  }

  int64(values: readonly number[], shape: readonly number[] = [values.length]): Sym {
    return this.initializer(values, shape, 'int64');
  }

  private binary(opType: string, a: Operand<Sym>, b: Operand<Sym>): Sym {
    const x = this.operand(a);
    const y = this.operand(b);
    return this.one(opType, [x, y], broadcastShape(x.shape, y.shape));
  }

  private unary(opType: string, x: Sym, attributes: Record<string, AttributeValue> = {}): Sym {
    return this.one(opType, [x], x.shape, attributes);
  }

  private toFloat(x: Sym): Sym {
    return this.one('Cast', [x], x.shape, { to: { kind: 'int', value: DataType.FLOAT } });
  }

  shape = (x: Sym): readonly number[] => x.shape;
  constant = (values: ArrayLike<number>, shape: readonly number[]): Sym => this.initializer(values, shape, 'float');
  indices = (values: ArrayLike<number>): Sym => this.initializer(values, [values.length], 'int64');
  zeros = (shape: readonly number[]): Sym =>
    this.one('ConstantOfShape', [this.int64(shape)], shape, {
      value: {
        kind: 'tensor',
        value: { name: 'zero', dataType: DataType.FLOAT, dims: [1], raw: rawBytes(DataType.FLOAT, [0]) },
      },
    });

  add = (a: Operand<Sym>, b: Operand<Sym>) => this.binary('Add', a, b);
  sub = (a: Operand<Sym>, b: Operand<Sym>) => this.binary('Sub', a, b);
  mul = (a: Operand<Sym>, b: Operand<Sym>) => this.binary('Mul', a, b);
  div = (a: Operand<Sym>, b: Operand<Sym>) => this.binary('Div', a, b);
  greater = (a: Operand<Sym>, b: Operand<Sym>) => this.compare('Greater', a, b);
  less = (a: Operand<Sym>, b: Operand<Sym>) => this.compare('Less', a, b);

  private compare(opType: string, a: Operand<Sym>, b: Operand<Sym>): Sym {
    const x = this.operand(a);
    const y = this.operand(b);
    return this.toFloat(this.one(opType, [x, y], broadcastShape(x.shape, y.shape), {}, 'bool'));
  }

  neg = (x: Sym) => this.unary('Neg', x);
  exp = (x: Sym) => this.unary('Exp', x);
  log = (x: Sym) => this.unary('Log', x);
  sqrt = (x: Sym) => this.unary('Sqrt', x);
  square = (x: Sym) => this.one('Mul', [x, x], x.shape);
  abs = (x: Sym) => this.unary('Abs', x);
  sign = (x: Sym) => this.unary('Sign', x);
  tanh = (x: Sym) => this.unary('Tanh', x);
  sigmoid = (x: Sym) => this.unary('Sigmoid', x);
  softplus = (x: Sym) => this.unary('Softplus', x);
  relu = (x: Sym) => this.unary('Relu', x);
  leakyRelu = (x: Sym, alpha: number) => this.unary('LeakyRelu', x, { alpha: { kind: 'float', value: alpha } });
  acos = (x: Sym) => this.unary('Acos', x);
  clip = (x: Sym, low: number, high: number) => this.one('Clip', [x, this.scalar(low), this.scalar(high)], x.shape);

  matmul = (a: Sym, b: Sym, transposeA = false, transposeB = false): Sym => {
    if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error('matmul: 2-D operands only');
    const [m, ka] = transposeA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const [kb, n] = transposeB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    if (ka !== kb) throw new Error(`matmul: inner sizes ${ka} and ${kb} differ`);
    this.multiplyAdds += m * n * ka;
    if (!transposeA && !transposeB) return this.one('MatMul', [a, b], [m, n]);
    return this.one('Gemm', [a, b], [m, n], {
      transA: { kind: 'int', value: transposeA ? 1 : 0 },
      transB: { kind: 'int', value: transposeB ? 1 : 0 },
    });
  };

  gemm = (
    a: Sym,
    b: Sym,
    c: Sym,
    { transposeA = false, transposeB = false, beta = 1 }: { transposeA?: boolean; transposeB?: boolean; beta?: number },
  ): Sym => {
    const m = transposeA ? a.shape[1]! : a.shape[0]!;
    const k = transposeA ? a.shape[0]! : a.shape[1]!;
    const n = transposeB ? b.shape[0]! : b.shape[1]!;
    if ((transposeB ? b.shape[1] : b.shape[0]) !== k) throw new Error(`gemm: inner sizes ${k} and ${b.shape} differ`);
    if (c.shape.join('×') !== `${m}×${n}`) throw new Error(`gemm: addend ${c.shape} for a ${m}×${n} product`);
    this.multiplyAdds += m * n * k;
    return this.one('Gemm', [a, b, c], [m, n], {
      transA: { kind: 'int', value: transposeA ? 1 : 0 },
      transB: { kind: 'int', value: transposeB ? 1 : 0 },
      beta: { kind: 'float', value: beta },
    });
  };

  batchMatmul = (a: Sym, b: Sym, transposeA = false, transposeB = false): Sym => {
    if (a.shape.length !== 3 || b.shape.length !== 3) throw new Error('batchMatmul: rank-3 operands only');
    const left = transposeA ? this.permute(a, [0, 2, 1]) : a;
    const right = transposeB ? this.permute(b, [0, 2, 1]) : b;
    const [p, m, ka] = left.shape as [number, number, number];
    const [pb, kb, n] = right.shape as [number, number, number];
    if (p !== pb || ka !== kb) throw new Error(`batchMatmul: shapes ${left.shape} and ${right.shape} do not fit`);
    this.multiplyAdds += p * m * n * ka;
    return this.one('MatMul', [left, right], [p, m, n]);
  };

  sum = (x: Sym, axes?: readonly number[], keepDims = false) => this.reduce('ReduceSum', x, axes, keepDims);
  max = (x: Sym, axes: readonly number[], keepDims = false) => this.reduce('ReduceMax', x, axes, keepDims);
  mean = (x: Sym, axes?: readonly number[], keepDims = false) => this.reduce('ReduceMean', x, axes, keepDims);

  private reduce(opType: string, x: Sym, axes: readonly number[] | undefined, keepDims: boolean): Sym {
    const rank = x.shape.length;
    const all = axes ?? x.shape.map((_, i) => i);
    const normal = all.map((a) => (a < 0 ? a + rank : a));
    const shape = keepDims
      ? x.shape.map((d, i) => (normal.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !normal.includes(i));
    return this.one(opType, [x, this.int64(normal)], shape, { keepdims: { kind: 'int', value: keepDims ? 1 : 0 } });
  }

  logSoftmax = (x: Sym) => this.unary('LogSoftmax', x, { axis: { kind: 'int', value: -1 } });

  argmaxAgree = (a: Sym, b: Sym): Sym => {
    const attrs: Record<string, AttributeValue> = {
      axis: { kind: 'int', value: 1 },
      keepdims: { kind: 'int', value: 0 },
    };
    const rows = [a.shape[0]!];
    const ia = this.one('ArgMax', [a], rows, attrs, 'int64');
    const ib = this.one('ArgMax', [b], rows, attrs, 'int64');
    return this.toFloat(this.one('Equal', [ia, ib], rows, {}, 'bool'));
  };

  reshape = (x: Sym, shape: readonly number[]): Sym => {
    if (sizeOfShape(shape) !== sizeOfShape(x.shape)) throw new Error(`reshape: ${x.shape} to ${shape}`);
    return this.one('Reshape', [x, this.int64(shape)], shape);
  };

  transpose = (x: Sym): Sym => {
    if (x.shape.length !== 2) throw new Error('transpose: 2-D only');
    return this.one('Transpose', [x], [x.shape[1]!, x.shape[0]!], { perm: { kind: 'ints', value: [1, 0] } });
  };

  permute = (x: Sym, perm: readonly number[]): Sym =>
    this.one(
      'Transpose',
      [x],
      perm.map((a) => x.shape[a]!),
      { perm: { kind: 'ints', value: [...perm] } },
    );

  concat = (xs: readonly Sym[], axis: number): Sym => {
    const shape = [...xs[0]!.shape];
    shape[axis] = xs.reduce((n, x) => n + x.shape[axis]!, 0);
    return this.one('Concat', xs, shape, { axis: { kind: 'int', value: axis } });
  };

  slice = (x: Sym, begin: readonly number[], size: readonly number[]): Sym => {
    const sizes = size.map((s, i) => (s === -1 ? x.shape[i]! - begin[i]! : s));
    const ends = begin.map((b, i) => b + sizes[i]!);
    const axes = begin.map((_, i) => i);
    return this.one('Slice', [x, this.int64(begin), this.int64(ends), this.int64(axes)], sizes);
  };

  pad = (x: Sym, widths: readonly (readonly [number, number])[]): Sym => {
    const shape = x.shape.map((d, i) => d + widths[i]![0] + widths[i]![1]);
    const pads = [...widths.map((w) => w[0]), ...widths.map((w) => w[1])];
    return this.one('Pad', [x, this.int64(pads)], shape);
  };

  gather = (x: Sym, indices: Sym, axis: number): Sym => {
    const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    return this.one('Gather', [x, indices], shape, { axis: { kind: 'int', value: axis } });
  };

  scatterAddRows = (updates: Sym, indices: Sym, rows: number): Sym => {
    const count = indices.shape[0]!;
    const at = this.one('Reshape', [indices, this.int64([count, 1])], [count, 1], {}, indices.type);
    const shape = [rows, ...updates.shape.slice(1)];
    return this.one('ScatterND', [this.zeros(shape), at, updates], shape, {
      reduction: { kind: 'string', value: 'add' },
    });
  };

  sortAscending = (x: Sym): Sym => {
    const n = x.shape[0]!;
    return this.op('TopK', [x, this.int64([n])], [{ shape: [n] }, { shape: [n], type: 'int64' }], {
      largest: { kind: 'int', value: 0 },
      sorted: { kind: 'int', value: 1 },
    })[0]!;
  };

  inverseSpd = (x: Sym): Sym => this.op('Inverse', [x], [{ shape: x.shape }], {}, 'com.microsoft')[0]!;

  /** Multiply–adds of the matrix products recorded so far (the step's GEMM work; subgraphs count their own). */
  get macs(): number {
    return this.multiplyAdds;
  }

  /** The recorded graph, for a Loop body or a model. */
  graph(): GraphProto {
    return {
      name: this.graphName,
      nodes: this.nodes.map((n) => renamed(n, this.renames)),
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
    };
  }

  /** The whole model as ONNX bytes; metadata is stored in the file (what step, which rule). */
  model(metadata: Record<string, string> = {}): Uint8Array {
    const opsets = [{ domain: '', version: OPSET }];
    if (this.usesContrib) opsets.push({ domain: 'com.microsoft', version: 1 });
    return encodeModel({
      irVersion: IR_VERSION,
      opsets,
      producer: { name: 'broadcast-lab', version: '1' },
      graph: this.graph(),
      metadata,
    });
  }
}

function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** numpy broadcasting of two static shapes. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`shapes ${a} and ${b} do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** A node with the renamed values' new names, in subgraphs too (a body may read its parent's values). */
function renamed(n: NodeProto, renames: ReadonlyMap<string, string>): NodeProto {
  if (renames.size === 0) return n;
  const name = (v: string) => renames.get(v) ?? v;
  const attributes: Record<string, AttributeValue> = {};
  for (const [key, a] of Object.entries(n.attributes)) {
    attributes[key] =
      a.kind === 'graph'
        ? { kind: 'graph', value: { ...a.value, nodes: a.value.nodes.map((m) => renamed(m, renames)) } }
        : a;
  }
  return { ...n, inputs: n.inputs.map(name), outputs: n.outputs.map(name), attributes };
}

function node(opType: string, inputs: string[], outputs: string[], name: string): NodeProto {
  return { opType, inputs, outputs, name: `out_${name}`, attributes: {} };
}
