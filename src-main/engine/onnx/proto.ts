/**
 * The protobuf wire encoding of the part of onnx.proto that the graph builder writes: ModelProto, GraphProto,
 * NodeProto, AttributeProto, TensorProto and ValueInfoProto. Field numbers are onnx.proto's. A writer of a dozen
 * messages is smaller than a protobuf library plus a copy of onnx.proto, and ONNX Runtime parsing the result is
 * the test of it.
 */

export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7 } as const;

export type AttributeValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'tensor'; value: TensorProto }
  | { kind: 'graph'; value: GraphProto };

export interface TensorProto {
  name: string;
  dataType: DataType;
  dims: readonly number[];
  /** Little-endian raw bytes of the values. */
  raw: Uint8Array;
}

export interface NodeProto {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  domain?: string;
  attributes: Readonly<Record<string, AttributeValue>>;
}

/** A graph input or output: a name, an element type and a shape whose entries are sizes or symbolic names. */
export interface ValueInfo {
  name: string;
  dataType: DataType;
  shape: readonly (number | string)[];
}

export interface GraphProto {
  name: string;
  nodes: readonly NodeProto[];
  initializers: readonly TensorProto[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
}

export interface ModelProto {
  irVersion: number;
  opsets: readonly { domain: string; version: number }[];
  producer: { name: string; version: string };
  graph: GraphProto;
  metadata: Readonly<Record<string, string>>;
}

/** Growable byte buffer with the protobuf primitives. */
class Writer {
  private bytes = new Uint8Array(1024);
  private length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  byte(b: number): void {
    this.reserve(1);
    this.bytes[this.length++] = b;
  }

  /** Varint of a non-negative or negative integer (negative int64 are ten bytes of two's complement). */
  varint(n: number): void {
    if (!Number.isSafeInteger(n)) throw new Error(`protobuf: ${n} is not a safe integer`);
    if (n >= 0 && n < 2 ** 31) {
      let v = n;
      while (v >= 0x80) {
        this.byte((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      this.byte(v);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(n));
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  tag(field: number, wireType: 0 | 2 | 5): void {
    this.varint((field << 3) | wireType);
  }

  raw(data: Uint8Array): void {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  float32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.raw(b);
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

type Encode<T> = (w: Writer, value: T) => void;

const utf8 = new TextEncoder();

function intField(w: Writer, field: number, value: number): void {
  w.tag(field, 0);
  w.varint(value);
}

function bytesField(w: Writer, field: number, data: Uint8Array): void {
  w.tag(field, 2);
  w.varint(data.length);
  w.raw(data);
}

function stringField(w: Writer, field: number, text: string): void {
  bytesField(w, field, utf8.encode(text));
}

function messageField<T>(w: Writer, field: number, encode: Encode<T>, value: T): void {
  const inner = new Writer();
  encode(inner, value);
  bytesField(w, field, inner.finish());
}

function packedInts(w: Writer, field: number, values: readonly number[]): void {
  const inner = new Writer();
  for (const v of values) inner.varint(v);
  bytesField(w, field, inner.finish());
}

const encodeTensor: Encode<TensorProto> = (w, t) => {
  if (t.dims.length > 0) packedInts(w, 1, t.dims);
  intField(w, 2, t.dataType);
  stringField(w, 8, t.name);
  bytesField(w, 9, t.raw);
};

const encodeAttribute = (name: string): Encode<AttributeValue> => {
  return (w, a) => {
    stringField(w, 1, name);
    switch (a.kind) {
      case 'float':
        intField(w, 20, AttributeType.FLOAT);
        w.tag(2, 5);
        w.float32(a.value);
        return;
      case 'int':
        intField(w, 20, AttributeType.INT);
        intField(w, 3, a.value);
        return;
      case 'string':
        intField(w, 20, AttributeType.STRING);
        stringField(w, 4, a.value);
        return;
      case 'tensor':
        intField(w, 20, AttributeType.TENSOR);
        messageField(w, 5, encodeTensor, a.value);
        return;
      case 'graph':
        intField(w, 20, AttributeType.GRAPH);
        messageField(w, 6, encodeGraph, a.value);
        return;
      case 'floats': {
        intField(w, 20, AttributeType.FLOATS);
        const inner = new Writer();
        for (const v of a.value) inner.float32(v);
        bytesField(w, 7, inner.finish());
        return;
      }
      case 'ints':
        intField(w, 20, AttributeType.INTS);
        packedInts(w, 8, a.value);
        return;
    }
  };
};

const encodeNode: Encode<NodeProto> = (w, n) => {
  for (const input of n.inputs) stringField(w, 1, input);
  for (const output of n.outputs) stringField(w, 2, output);
  stringField(w, 3, n.name);
  stringField(w, 4, n.opType);
  for (const [name, value] of Object.entries(n.attributes)) messageField(w, 5, encodeAttribute(name), value);
  if (n.domain) stringField(w, 7, n.domain);
};

const encodeDimension: Encode<number | string> = (w, d) => {
  if (typeof d === 'number') intField(w, 1, d);
  else stringField(w, 2, d);
};

const encodeValueInfo: Encode<ValueInfo> = (w, v) => {
  stringField(w, 1, v.name);
  messageField(
    w,
    2,
    (typeWriter, info: ValueInfo) =>
      messageField(
        typeWriter,
        1,
        (tensorWriter, t: ValueInfo) => {
          intField(tensorWriter, 1, t.dataType);
          messageField(
            tensorWriter,
            2,
            (shapeWriter, dims: readonly (number | string)[]) => {
              for (const d of dims) messageField(shapeWriter, 1, encodeDimension, d);
            },
            t.shape,
          );
        },
        info,
      ),
    v,
  );
};

function encodeGraph(w: Writer, g: GraphProto): void {
  for (const node of g.nodes) messageField(w, 1, encodeNode, node);
  stringField(w, 2, g.name);
  for (const t of g.initializers) messageField(w, 5, encodeTensor, t);
  for (const input of g.inputs) messageField(w, 11, encodeValueInfo, input);
  for (const output of g.outputs) messageField(w, 12, encodeValueInfo, output);
}

export function encodeModel(model: ModelProto): Uint8Array {
  const w = new Writer();
  intField(w, 1, model.irVersion);
  stringField(w, 2, model.producer.name);
  stringField(w, 3, model.producer.version);
  messageField(w, 7, encodeGraph, model.graph);
  for (const opset of model.opsets) {
    messageField(
      w,
      8,
      (inner, o: { domain: string; version: number }) => {
        if (o.domain) stringField(inner, 1, o.domain);
        intField(inner, 2, o.version);
      },
      opset,
    );
  }
  for (const [key, value] of Object.entries(model.metadata)) {
    messageField(
      w,
      14,
      (inner, entry: [string, string]) => {
        stringField(inner, 1, entry[0]);
        stringField(inner, 2, entry[1]);
      },
      [key, value] as [string, string],
    );
  }
  return w.finish();
}

/** Raw little-endian bytes of float32, int64 or bool values for a TensorProto. */
export function rawBytes(dataType: DataType, values: ArrayLike<number>): Uint8Array {
  switch (dataType) {
    case DataType.FLOAT: {
      const f = Float32Array.from(values);
      return new Uint8Array(f.buffer);
    }
    case DataType.INT32: {
      const i = Int32Array.from(values);
      return new Uint8Array(i.buffer);
    }
    case DataType.INT64: {
      const i = BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
      return new Uint8Array(i.buffer);
    }
    case DataType.BOOL:
      return Uint8Array.from(values, (v) => (v ? 1 : 0));
  }
}
