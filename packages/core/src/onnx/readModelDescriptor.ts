/**
 * Reads the inputs, outputs, opsets and metadata of an ONNX ModelProto without a protobuf library and
 * without copying: nodes and initializer data are skipped by length, so a 13 MB model costs well under a
 * millisecond of parsing. Field numbers follow the public onnx.proto.
 */
import { ModelFormatError, OptionError } from '../errors.js';
import { onnxElemTypeToDataType } from './dataTypes.js';
import type { DimInfo, ModelDescriptor, OpsetInfo, TensorInfo } from './modelDescriptor.js';
import { ProtoReader, WIRE_LEN, WIRE_VARINT } from './protoReader.js';
import { sniffFormat } from './sniffFormat.js';
import { parseUltralyticsMetadata } from './ultralyticsMetadata.js';

export interface ReadModelDescriptorOptions {
  /** Refuse inputs larger than this many bytes (default 2 GiB − 1, the protobuf limit). */
  maxBytes?: number;
}

export const DEFAULT_MAX_MODEL_BYTES = 2 ** 31 - 1;

// ModelProto field numbers → expected wire type. Until a file has shown itself to be a ModelProto, any
// other field (or wire type) means the bytes are something else (JPEG, zip, JSON, HTML…).
const MODEL_FIELDS: ReadonlyMap<number, number> = new Map([
  [1, WIRE_VARINT], // ir_version
  [2, WIRE_LEN], // producer_name
  [3, WIRE_LEN], // producer_version
  [4, WIRE_LEN], // domain
  [5, WIRE_VARINT], // model_version
  [6, WIRE_LEN], // doc_string
  [7, WIRE_LEN], // graph
  [8, WIRE_LEN], // opset_import
  [14, WIRE_LEN], // metadata_props
  [20, WIRE_LEN], // training_info
  [25, WIRE_LEN], // functions
  [26, WIRE_LEN], // configuration
]);

function expectWire(r: ProtoReader, tag: number, wire: number, what: string): void {
  if ((tag & 7) !== wire) r.malformed(`${what} has wire type ${tag & 7}, expected ${wire}`);
}

function readDim(r: ProtoReader): DimInfo {
  let dim: DimInfo = null;
  while (!r.eof()) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === WIRE_VARINT) {
      const v = r.int64();
      // Negative sizes are not valid; treat them like an unnamed unknown dim.
      dim = v >= 0 ? v : null;
    } else if (field === 2 && (tag & 7) === WIRE_LEN) {
      // An empty dim_param names nothing: same as an unknown dim.
      dim = r.string() || null;
    } else {
      r.skip(tag);
    }
  }
  return dim;
}

function readShape(r: ProtoReader): DimInfo[] {
  const dims: DimInfo[] = [];
  while (!r.eof()) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      expectWire(r, tag, WIRE_LEN, 'TensorShapeProto.dim');
      dims.push(readDim(r.message()));
    } else {
      r.skip(tag);
    }
  }
  return dims;
}

/** Reads TypeProto.Tensor (and SparseTensor, same field numbers) into `info`. */
function readTensorType(r: ProtoReader, info: TensorInfo): void {
  while (!r.eof()) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === WIRE_VARINT) {
      info.dataType = onnxElemTypeToDataType(r.int64());
    } else if (field === 2) {
      expectWire(r, tag, WIRE_LEN, 'tensor shape');
      info.shape = readShape(r.message());
    } else {
      r.skip(tag);
    }
  }
}

/**
 * TypeProto is recursive (sequence/optional/map nest TypeProtos); recursion here is bounded by the
 * reader's depth limit, so hostile nesting ends in E_ONNX_MALFORMED, not a stack overflow.
 */
function readType(r: ProtoReader, info: TensorInfo): void {
  while (!r.eof()) {
    const tag = r.tag();
    const field = tag >>> 3;
    if ((tag & 7) !== WIRE_LEN || (field !== 1 && field !== 4 && field !== 5 && field !== 8 && field !== 9)) {
      r.skip(tag);
      continue;
    }
    const sub = r.message();
    if (field === 1) {
      delete info.kind;
      readTensorType(sub, info);
    } else if (field === 8) {
      info.kind = 'sparse_tensor';
      readTensorType(sub, info);
    } else if (field === 9) {
      // optional<T>: report T, marked optional.
      while (!sub.eof()) {
        const t = sub.tag();
        if (t >>> 3 === 1 && (t & 7) === WIRE_LEN) readType(sub.message(), info);
        else sub.skip(t);
      }
      info.kind = 'optional';
    } else {
      // sequence / map: no single tensor type; still walk the nested type so depth limits apply uniformly.
      const scratch: TensorInfo = { name: '', dataType: 'unknown', shape: null };
      while (!sub.eof()) {
        const t = sub.tag();
        if ((t & 7) === WIRE_LEN && (t >>> 3 === 1 || t >>> 3 === 2)) readType(sub.message(), scratch);
        else sub.skip(t);
      }
      info.kind = field === 4 ? 'sequence' : 'map';
      info.dataType = 'unknown';
      info.shape = null;
    }
  }
}

function readValueInfo(r: ProtoReader): TensorInfo {
  const info: TensorInfo = { name: '', dataType: 'unknown', shape: null, kind: 'unknown' };
  while (!r.eof()) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1) {
      expectWire(r, tag, WIRE_LEN, 'ValueInfoProto.name');
      info.name = r.string();
    } else if (field === 2) {
      expectWire(r, tag, WIRE_LEN, 'ValueInfoProto.type');
      readType(r.message(), info);
    } else {
      r.skip(tag);
    }
  }
  if (info.kind === 'unknown' && info.dataType !== 'unknown') delete info.kind;
  return info;
}

/** Only the name of an initializer is read; raw_data and the typed fields are skipped in place. */
function readTensorName(r: ProtoReader): string {
  let name = '';
  while (!r.eof()) {
    const tag = r.tag();
    if (tag >>> 3 === 8 && (tag & 7) === WIRE_LEN) name = r.string();
    else r.skip(tag);
  }
  return name;
}

interface GraphParts {
  name: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

function readGraph(r: ProtoReader): GraphParts {
  const g: GraphParts = { name: '', inputs: [], outputs: [] };
  const initializers = new Set<string>();
  while (!r.eof()) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 2:
        expectWire(r, tag, WIRE_LEN, 'GraphProto.name');
        g.name = r.string();
        break;
      case 5:
        expectWire(r, tag, WIRE_LEN, 'GraphProto.initializer');
        initializers.add(readTensorName(r.message()));
        break;
      case 15: {
        // SparseTensorProto: values (field 1) is a TensorProto whose name is the initializer's name.
        expectWire(r, tag, WIRE_LEN, 'GraphProto.sparse_initializer');
        const sp = r.message();
        while (!sp.eof()) {
          const t = sp.tag();
          if (t >>> 3 === 1 && (t & 7) === WIRE_LEN) initializers.add(readTensorName(sp.message()));
          else sp.skip(t);
        }
        break;
      }
      case 11:
        expectWire(r, tag, WIRE_LEN, 'GraphProto.input');
        g.inputs.push(readValueInfo(r.message()));
        break;
      case 12:
        expectWire(r, tag, WIRE_LEN, 'GraphProto.output');
        g.outputs.push(readValueInfo(r.message()));
        break;
      default:
        // node (1), doc_string (10), value_info (13), … are skipped by length.
        r.skip(tag);
    }
  }
  // IR < 4 listed initializers among the inputs; callers only feed the rest.
  if (initializers.size > 0) g.inputs = g.inputs.filter((i) => !initializers.has(i.name));
  return g;
}

function readOpset(r: ProtoReader): OpsetInfo {
  const o: OpsetInfo = { domain: '', version: 0 };
  while (!r.eof()) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === WIRE_LEN) o.domain = r.string();
    else if (field === 2 && (tag & 7) === WIRE_VARINT) o.version = r.int64();
    else r.skip(tag);
  }
  return o;
}

function readStringEntry(r: ProtoReader): [string, string] {
  let key = '';
  let value = '';
  while (!r.eof()) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === WIRE_LEN) key = r.string();
    else if (field === 2 && (tag & 7) === WIRE_LEN) value = r.string();
    else r.skip(tag);
  }
  return [key, value];
}

function toBytes(bytes: Uint8Array | ArrayBuffer): Uint8Array {
  // Typed as unknown: JS callers can pass anything, and SharedArrayBuffer / other views are accepted too.
  const b: unknown = bytes;
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && b instanceof SharedArrayBuffer)) return new Uint8Array(b);
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  throw new ModelFormatError('E_NOT_ONNX', `expected ONNX bytes as a Uint8Array or ArrayBuffer, got ${b === null ? 'null' : typeof b}`);
}

function notOnnx(buf: Uint8Array, why: string, offset: number): never {
  const seen = sniffFormat(buf);
  throw new ModelFormatError('E_NOT_ONNX', `not an ONNX model${seen ? `: the bytes look like ${seen}` : ''} (${why})`, { details: { offset, format: seen } });
}

export function readModelDescriptor(bytes: Uint8Array | ArrayBuffer, opts: ReadModelDescriptorOptions = {}): ModelDescriptor {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_MODEL_BYTES;
  if (typeof maxBytes !== 'number' || !(maxBytes > 0)) {
    throw new OptionError('E_INVALID_OPTION', `maxBytes must be a positive number, got ${String(maxBytes)}`);
  }
  const buf = toBytes(bytes);
  if (buf.length === 0) notOnnx(buf, 'the input is empty', 0);
  if (buf.length > maxBytes) {
    throw new ModelFormatError('E_MODEL_TOO_LARGE', `model is ${buf.length} bytes, above the ${maxBytes}-byte limit (raise maxBytes to accept it)`, {
      details: { byteLength: buf.length, maxBytes },
    });
  }

  const r = new ProtoReader(buf);
  let irVersion: number | undefined;
  let graph: GraphParts | undefined;
  let producerName = '';
  let producerVersion = '';
  const opsets: OpsetInfo[] = [];
  // Null prototype: keys come from the file, and '__proto__' must stay an ordinary key.
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;

  let at = 0;
  try {
    while (!r.eof()) {
      at = r.pos;
      const tag = r.tag();
      const field = tag >>> 3;
      const wire = tag & 7;
      const expected = MODEL_FIELDS.get(field);
      if (expected === undefined || expected !== wire) {
        if (graph === undefined || irVersion === undefined) {
          notOnnx(buf, `field ${field} (wire type ${wire}) at offset ${at} is not part of an ONNX ModelProto`, at);
        }
        // A complete model with a field from a newer ONNX: skip it.
        r.skip(tag);
        continue;
      }
      switch (field) {
        case 1:
          irVersion = r.int64();
          break;
        case 2:
          producerName = r.string();
          break;
        case 3:
          producerVersion = r.string();
          break;
        case 7:
          graph = readGraph(r.message());
          break;
        case 8:
          opsets.push(readOpset(r.message()));
          break;
        case 14: {
          const [k, v] = readStringEntry(r.message());
          metadata[k] = v;
          break;
        }
        default:
          r.skip(tag);
      }
    }
  } catch (e) {
    // Protobuf writers emit fields in field-number order, so every real model starts with ir_version.
    // Bytes that break before showing one are something else, not a damaged model.
    if (irVersion === undefined && graph === undefined && e instanceof ModelFormatError && e.code !== 'E_NOT_ONNX') {
      notOnnx(buf, `no ModelProto field before the bytes stop parsing (${e.message})`, at);
    }
    throw e;
  }

  if (irVersion === undefined && graph === undefined) notOnnx(buf, 'no ir_version and no graph', 0);
  if (graph === undefined) {
    throw new ModelFormatError('E_ONNX_MALFORMED', 'ModelProto has no graph (file truncated at a field boundary, or not a model)');
  }
  if (irVersion === undefined || irVersion < 1 || irVersion > 1000) {
    throw new ModelFormatError('E_ONNX_MALFORMED', `ModelProto has ${irVersion === undefined ? 'no ir_version' : `an implausible ir_version ${irVersion}`}`);
  }
  if (opsets.length === 0 && irVersion >= 3) {
    // Writers emit opset_import right after the graph, so its absence is what a cut after the graph looks like.
    throw new ModelFormatError('E_ONNX_MALFORMED', `ModelProto (IR ${irVersion}) has no opset_import, which IR ≥ 3 requires (file truncated after the graph?)`);
  }
  const defaultOpset = opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  return {
    irVersion,
    opsetVersion: defaultOpset?.version ?? 0,
    opsets,
    producerName,
    producerVersion,
    graphName: graph.name,
    inputs: graph.inputs,
    outputs: graph.outputs,
    metadata,
    ultralytics: parseUltralyticsMetadata(metadata),
    byteLength: buf.length,
  };
}

/** Narrow helper for engines: true when `bytes` start like an ONNX ModelProto (cheap, no full parse). */
export function looksLikeOnnx(bytes: Uint8Array): boolean {
  if (bytes.length < 2) return false;
  try {
    const r = new ProtoReader(bytes);
    const tag = r.tag();
    return MODEL_FIELDS.get(tag >>> 3) === (tag & 7);
  } catch {
    return false;
  }
}
