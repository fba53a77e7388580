/**
 * A small protobuf writer for ONNX ModelProto, written from the public onnx.proto (no protobuf library), so
 * tests can build tiny runnable models in code instead of shipping binaries.
 */
import { dataTypeToOnnxElemType, type TensorDataType } from '@sightline/core';

const utf8 = new TextEncoder();

/** Growable byte buffer with protobuf field encoders. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Raw varint; negative numbers are written as 10-byte two's-complement int64, as protobuf does. */
  varint(n: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(n));
    this.ensure(10);
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      this.buf[this.len++] = b;
    } while (v > 0n);
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  int(field: number, n: number | bigint): this {
    return this.tag(field, 0).varint(n);
  }

  float(field: number, f: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, f, true);
    return this.tag(field, 5).raw(b);
  }

  bytes(field: number, b: Uint8Array): this {
    return this.tag(field, 2).varint(b.length).raw(b);
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  /** A nested message written by `fill` into its own buffer, then framed with its length. */
  message(field: number, fill: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    fill(w);
    return this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export type OnnxDim = number | string | null;

export interface OnnxValueInfoSpec {
  name: string;
  dataType: TensorDataType;
  /** null = no shape at all; a null dim = unknown dim. */
  shape: OnnxDim[] | null;
}

export type OnnxTensorData = Float32Array | Float64Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

export interface OnnxTensorSpec {
  name: string;
  dataType: TensorDataType;
  dims: number[];
  /** Stored as raw_data (little-endian host bytes; every supported host is little-endian). fp16 = Uint16Array bits. */
  data: OnnxTensorData;
}

export type OnnxAttributeSpec =
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'ints'; value: number[] }
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'floats'; value: number[] }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'tensor'; value: OnnxTensorSpec };

export interface OnnxNodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attributes?: OnnxAttributeSpec[];
}

export interface OnnxModelSpec {
  /** Default 8 (onnxruntime ≥ 1.14 accepts it with opset ≤ 17). */
  irVersion?: number;
  /** Default [{ domain: '', version: 17 }]. */
  opsets?: { domain: string; version: number }[];
  producerName?: string;
  producerVersion?: string;
  graphName?: string;
  docString?: string;
  nodes: OnnxNodeSpec[];
  initializers?: OnnxTensorSpec[];
  inputs: OnnxValueInfoSpec[];
  outputs: OnnxValueInfoSpec[];
  valueInfo?: OnnxValueInfoSpec[];
  metadata?: Record<string, string>;
}

function writeTensor(w: ProtoWriter, t: OnnxTensorSpec): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, dataTypeToOnnxElemType(t.dataType));
  w.string(8, t.name);
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfoSpec): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, dataTypeToOnnxElemType(v.dataType));
      if (v.shape === null) return;
      const shape = v.shape;
      tensor.message(2, (s) => {
        for (const d of shape) {
          s.message(1, (dim) => {
            if (typeof d === 'number') dim.int(1, d);
            else if (typeof d === 'string') dim.string(2, d);
          });
        }
      });
    }),
  );
}

// AttributeProto.AttributeType values.
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

function writeAttribute(w: ProtoWriter, a: OnnxAttributeSpec): void {
  w.string(1, a.name);
  switch (a.type) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, (t) => writeTensor(t, a.value));
      break;
    case 'floats':
      for (const f of a.value) w.float(7, f);
      break;
    case 'ints':
      for (const i of a.value) w.int(8, i);
      break;
  }
  w.int(20, ATTR_TYPE[a.type]);
}

function writeNode(w: ProtoWriter, n: OnnxNodeSpec, index: number): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name ?? `${n.opType}_${index}`);
  w.string(4, n.opType);
  for (const a of n.attributes ?? []) w.message(5, (aw) => writeAttribute(aw, a));
  if (n.domain) w.string(7, n.domain);
}

/** Serialises a ModelProto. Fields go out in field-number order, as protobuf's own writers do. */
export function writeOnnxModel(spec: OnnxModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, spec.irVersion ?? 8);
  w.string(2, spec.producerName ?? 'sightline-testkit');
  w.string(3, spec.producerVersion ?? '0.1.0');
  if (spec.docString) w.string(6, spec.docString);
  w.message(7, (g) => {
    spec.nodes.forEach((n, i) => g.message(1, (nw) => writeNode(nw, n, i)));
    g.string(2, spec.graphName ?? 'tiny');
    for (const t of spec.initializers ?? []) g.message(5, (tw) => writeTensor(tw, t));
    for (const v of spec.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of spec.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
    for (const v of spec.valueInfo ?? []) g.message(13, (vw) => writeValueInfo(vw, v));
  });
  for (const o of spec.opsets ?? [{ domain: '', version: 17 }]) {
    w.message(8, (ow) => {
      if (o.domain) ow.string(1, o.domain);
      ow.int(2, o.version);
    });
  }
  for (const [k, v] of Object.entries(spec.metadata ?? {})) {
    w.message(14, (mw) => mw.string(1, k).string(2, v));
  }
  return w.finish();
}
