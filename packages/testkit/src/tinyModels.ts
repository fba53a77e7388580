/**
 * Tiny ONNX models, built in code, that onnxruntime (node and web) really runs. Each emits a known
 * ("planted") output in one of the layouts Sightline decodes, plus one value that follows the input (the
 * mean of channel 0) so tests can tell that pixels actually reached the model.
 *
 * Outputs are built sparsely at run time (ConstantOfShape + ScatterND), so even a 640×640, 80-class model
 * stays a few KB on disk.
 */
import { anchorCount, type TensorDataType } from '@sightline/core';
import { writeOnnxModel, type OnnxNodeSpec, type OnnxTensorSpec, type OnnxValueInfoSpec } from './onnxWriter.js';

export interface PlantedBox {
  /** Box centre and size in model-input pixels. */
  cx: number;
  cy: number;
  w: number;
  h: number;
  classId: number;
  /** The decoded confidence (for YOLOv5 = objectness × class probability). */
  score: number;
  /** Anchor row/column to plant at; default spreads boxes evenly (see defaultPlantedAnchor). */
  anchor?: number;
}

export interface PlantedYoloV5Box extends PlantedBox {
  /** Objectness column; default 1. The class column gets score / objectness. */
  objectness?: number;
}

export interface PlantedEnd2EndBox {
  /** Corners in model-input pixels. */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  classId: number;
}

interface CommonOptions {
  /** Model input size: a number for square, or [h, w]. */
  imgsz?: number | [number, number];
  /** Leading dim symbolic ('batch') instead of 1. */
  dynamicBatch?: boolean;
  /** Extra/overriding metadata_props; `false` writes none at all. */
  metadata?: Record<string, string> | false;
  names?: string[];
}

export interface TinyYoloV8Options extends CommonOptions {
  numClasses?: number;
  planted?: PlantedBox[];
  dtype?: 'float32' | 'float16';
  /** [B, N, 4+nc] instead of the usual [B, 4+nc, N]. */
  transposed?: boolean;
  /** Index into `planted` whose score is replaced by the mean of input channel 0 (over H×W). */
  scoreFromInput?: number;
  /** Largest head stride (default 32: strides 8, 16, 32). */
  maxStride?: number;
}

export interface TinyYoloV5Options extends CommonOptions {
  numClasses?: number;
  planted?: PlantedYoloV5Box[];
  dtype?: 'float32' | 'float16';
  /** Index into `planted` whose class probability is replaced by the mean of input channel 0. */
  scoreFromInput?: number;
}

export interface TinyEnd2EndOptions extends CommonOptions {
  numClasses?: number;
  /** Rows K of the [B, K, 6] output (default 300, Ultralytics' max_det). */
  maxDetections?: number;
  planted?: PlantedEnd2EndBox[];
  /** Index into `planted` whose score is replaced by the mean of input channel 0. */
  scoreFromInput?: number;
}

export interface TinyClassifierOptions extends CommonOptions {
  numClasses?: number;
  /** true: raw logits out; false: Softmax applied in the model. */
  logits?: boolean;
  /** [3][numClasses] weights of the Gemm after GlobalAveragePool; default tinyClassifierWeights(). */
  weights?: number[][];
  bias?: number[];
}

export interface TinyIdentityOptions {
  h: number;
  w: number;
  channels?: number;
  dtype?: 'float32' | 'float16' | 'uint8';
  dynamicBatch?: boolean;
}

const INPUT = 'images';
const OUTPUT = 'output0';

function size(imgsz: number | [number, number] | undefined, fallback: number): [number, number] {
  const s: [number, number] = imgsz === undefined ? [fallback, fallback] : typeof imgsz === 'number' ? [imgsz, imgsz] : imgsz;
  if (!s.every((v) => Number.isInteger(v) && v > 0)) throw new RangeError(`imgsz must be positive integers, got ${String(imgsz)}`);
  return s;
}

export function defaultNames(numClasses: number): string[] {
  return Array.from({ length: numClasses }, (_, i) => `class${i}`);
}

/** Python repr of a str, as `str(dict)` writes it (single quotes unless the text has ' and no "). */
export function pythonRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += '\\' + q;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) out += '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + q;
}

/** `{0: 'person', 1: 'bicycle'}` — the `names` metadata format of Ultralytics exports. */
export function pythonNamesDict(names: readonly string[]): string {
  return `{${names.map((n, i) => `${i}: ${pythonRepr(n)}`).join(', ')}}`;
}

/** Anchor used for planted box i of `count` when it gives none: spread evenly over all anchors. */
export function defaultPlantedAnchor(i: number, count: number, numAnchors: number): number {
  return Math.min(numAnchors - 1, Math.floor(((i + 0.5) * numAnchors) / count));
}

/** Default classifier weights: class i reacts to channel i % 3, later classes slightly less. */
export function tinyClassifierWeights(numClasses: number): { weights: number[][]; bias: number[] } {
  const weights = [0, 1, 2].map((c) => Array.from({ length: numClasses }, (_, i) => (i % 3 === c ? 4 : -1) - Math.floor(i / 3)));
  const bias = Array.from({ length: numClasses }, (_, i) => i / 100);
  return { weights, bias };
}

function metadataFor(base: Record<string, string>, opt: Record<string, string> | false | undefined): Record<string, string> | undefined {
  if (opt === false) return undefined;
  return { ...base, ...(opt ?? {}) };
}

function i64(name: string, values: number[], dims = [values.length]): OnnxTensorSpec {
  return { name, dataType: 'int64', dims, data: BigInt64Array.from(values.map((v) => BigInt(v))) };
}

function f32(name: string, values: ArrayLike<number>, dims = [values.length]): OnnxTensorSpec {
  return { name, dataType: 'float32', dims, data: Float32Array.from(values) };
}

/** One planted value: position in the [1, d1, d2] output and its value. */
interface Cell {
  i: number;
  j: number;
  v: number;
}

/**
 * The shared graph of the detection models: out = ScatterND(zeros, planted) + mean(images[:,0]) × onehot(probe),
 * computed in fp32, with Casts at the edges when the I/O is fp16.
 */
function plantedModel(args: {
  h: number;
  w: number;
  d1: number;
  d2: number;
  cells: Cell[];
  probe: { i: number; j: number } | null;
  dtype: 'float32' | 'float16';
  dynamicBatch: boolean;
  metadata: Record<string, string> | undefined;
  graphName: string;
}): Uint8Array {
  const { h, w, d1, d2, cells, probe, dtype, dynamicBatch } = args;
  const batch = dynamicBatch ? 'batch' : 1;
  const nodes: OnnxNodeSpec[] = [];
  const fp16 = dtype === 'float16';
  let x = INPUT;
  if (fp16) {
    nodes.push({ opType: 'Cast', inputs: [INPUT], outputs: ['images_f32'], attributes: [{ name: 'to', type: 'int', value: 1 }] });
    x = 'images_f32';
  }
  const zero: OnnxTensorSpec = f32('zero_value', [0], [1]);
  // An empty planted list still needs one ScatterND row: write 0 at [0,0,0].
  const scat = cells.length ? cells : [{ i: 0, j: 0, v: 0 }];
  const initializers: OnnxTensorSpec[] = [
    i64('out_shape', [1, d1, d2]),
    i64('ch0_starts', [0]),
    i64('ch0_ends', [1]),
    i64('ch0_axes', [1]),
    i64('mean_shape', [-1, 1, 1]),
    i64('plant_idx', scat.flatMap((c) => [0, c.i, c.j]), [scat.length, 3]),
    f32('plant_val', scat.map((c) => c.v)),
    i64('probe_idx', probe ? [0, probe.i, probe.j] : [0, 0, 0], [1, 3]),
    f32('probe_val', [probe ? 1 : 0]),
  ];
  nodes.push(
    { opType: 'ConstantOfShape', inputs: ['out_shape'], outputs: ['zeros'], attributes: [{ name: 'value', type: 'tensor', value: zero }] },
    { opType: 'ScatterND', inputs: ['zeros', 'plant_idx', 'plant_val'], outputs: ['planted'] },
    { opType: 'ScatterND', inputs: ['zeros', 'probe_idx', 'probe_val'], outputs: ['probe_mask'] },
    { opType: 'Slice', inputs: [x, 'ch0_starts', 'ch0_ends', 'ch0_axes'], outputs: ['ch0'] },
    { opType: 'ReduceMean', inputs: ['ch0'], outputs: ['ch0_mean4'], attributes: [{ name: 'axes', type: 'ints', value: [1, 2, 3] }, { name: 'keepdims', type: 'int', value: 1 }] },
    { opType: 'Reshape', inputs: ['ch0_mean4', 'mean_shape'], outputs: ['ch0_mean'] },
    { opType: 'Mul', inputs: ['ch0_mean', 'probe_mask'], outputs: ['probe_term'] },
    { opType: 'Add', inputs: ['planted', 'probe_term'], outputs: [fp16 ? 'out_f32' : OUTPUT] },
  );
  if (fp16) nodes.push({ opType: 'Cast', inputs: ['out_f32'], outputs: [OUTPUT], attributes: [{ name: 'to', type: 'int', value: 10 }] });
  const io: TensorDataType = dtype;
  return writeOnnxModel({
    graphName: args.graphName,
    nodes,
    initializers,
    inputs: [{ name: INPUT, dataType: io, shape: [batch, 3, h, w] }],
    outputs: [{ name: OUTPUT, dataType: io, shape: [batch, d1, d2] }],
    metadata: args.metadata,
  });
}

function checkProbe(index: number | undefined, count: number): void {
  if (index !== undefined && !(Number.isInteger(index) && index >= 0 && index < count)) {
    throw new RangeError(`scoreFromInput ${index} is not an index into planted (${count} boxes)`);
  }
}

function checkClass(classId: number, numClasses: number): void {
  if (!(Number.isInteger(classId) && classId >= 0 && classId < numClasses)) throw new RangeError(`classId ${classId} is outside 0..${numClasses - 1}`);
}

function ultralyticsMetadata(task: string, h: number, w: number, names: string[], extra: Record<string, string>, dynamicBatch: boolean): Record<string, string> {
  return {
    description: `Sightline tiny ${task} test model`,
    author: 'Sightline testkit',
    version: '0.1.0',
    task,
    stride: '32',
    batch: dynamicBatch ? '-1' : '1',
    imgsz: `[${h}, ${w}]`,
    names: pythonNamesDict(names),
    channels: '3',
    ...extra,
  };
}

/** Ultralytics YOLOv8/11 detection layout: [B, 4+nc, N] (or [B, N, 4+nc] when transposed). */
export function tinyYoloV8Model(opts: TinyYoloV8Options = {}): Uint8Array {
  const nc = opts.numClasses ?? 2;
  const [h, w] = size(opts.imgsz, 64);
  const maxStride = opts.maxStride ?? 32;
  const n = anchorCount([h, w], maxStride);
  const planted = opts.planted ?? [];
  checkProbe(opts.scoreFromInput, planted.length);
  const rows = 4 + nc;
  const cells: Cell[] = [];
  let probe: { i: number; j: number } | null = null;
  const at = (row: number, anchor: number) => (opts.transposed ? { i: anchor, j: row } : { i: row, j: anchor });
  planted.forEach((p, k) => {
    checkClass(p.classId, nc);
    const a = p.anchor ?? defaultPlantedAnchor(k, planted.length, n);
    if (!(Number.isInteger(a) && a >= 0 && a < n)) throw new RangeError(`anchor ${a} is outside 0..${n - 1}`);
    [p.cx, p.cy, p.w, p.h].forEach((v, r) => cells.push({ ...at(r, a), v }));
    if (k === opts.scoreFromInput) probe = at(4 + p.classId, a);
    else cells.push({ ...at(4 + p.classId, a), v: p.score });
  });
  const dyn = opts.dynamicBatch ?? false;
  const names = opts.names ?? defaultNames(nc);
  const meta = ultralyticsMetadata('detect', h, w, names, { stride: String(maxStride), end2end: 'False', half: opts.dtype === 'float16' ? 'True' : 'False' }, dyn);
  return plantedModel({
    h,
    w,
    d1: opts.transposed ? n : rows,
    d2: opts.transposed ? rows : n,
    cells,
    probe,
    dtype: opts.dtype ?? 'float32',
    dynamicBatch: dyn,
    metadata: metadataFor(meta, opts.metadata),
    graphName: 'tiny_yolov8',
  });
}

/** YOLOv5 layout: [B, N, 5+nc] with N = 3 anchors per cell; metadata like `export.py` (names, stride only). */
export function tinyYoloV5Model(opts: TinyYoloV5Options = {}): Uint8Array {
  const nc = opts.numClasses ?? 2;
  const [h, w] = size(opts.imgsz, 64);
  const n = 3 * anchorCount([h, w], 32);
  const planted = opts.planted ?? [];
  checkProbe(opts.scoreFromInput, planted.length);
  const cells: Cell[] = [];
  let probe: { i: number; j: number } | null = null;
  planted.forEach((p, k) => {
    checkClass(p.classId, nc);
    const a = p.anchor ?? defaultPlantedAnchor(k, planted.length, n);
    if (!(Number.isInteger(a) && a >= 0 && a < n)) throw new RangeError(`anchor ${a} is outside 0..${n - 1}`);
    const obj = p.objectness ?? 1;
    [p.cx, p.cy, p.w, p.h, obj].forEach((v, c) => cells.push({ i: a, j: c, v }));
    if (k === opts.scoreFromInput) probe = { i: a, j: 5 + p.classId };
    else cells.push({ i: a, j: 5 + p.classId, v: obj === 0 ? 0 : p.score / obj });
  });
  const names = opts.names ?? defaultNames(nc);
  return plantedModel({
    h,
    w,
    d1: n,
    d2: 5 + nc,
    cells,
    probe,
    dtype: opts.dtype ?? 'float32',
    dynamicBatch: opts.dynamicBatch ?? false,
    metadata: metadataFor({ stride: '32', names: pythonNamesDict(names) }, opts.metadata),
    graphName: 'tiny_yolov5',
  });
}

/** End-to-end (NMS inside the model) layout: [B, K, 6] rows x1,y1,x2,y2,score,class. */
export function tinyEnd2EndModel(opts: TinyEnd2EndOptions = {}): Uint8Array {
  const nc = opts.numClasses ?? 2;
  const [h, w] = size(opts.imgsz, 64);
  const k = opts.maxDetections ?? 300;
  const planted = opts.planted ?? [];
  if (planted.length > k) throw new RangeError(`${planted.length} planted rows do not fit maxDetections ${k}`);
  checkProbe(opts.scoreFromInput, planted.length);
  const cells: Cell[] = [];
  let probe: { i: number; j: number } | null = null;
  planted.forEach((p, r) => {
    checkClass(p.classId, nc);
    [p.x1, p.y1, p.x2, p.y2].forEach((v, c) => cells.push({ i: r, j: c, v }));
    if (r === opts.scoreFromInput) probe = { i: r, j: 4 };
    else cells.push({ i: r, j: 4, v: p.score });
    cells.push({ i: r, j: 5, v: p.classId });
  });
  const dyn = opts.dynamicBatch ?? false;
  const meta = ultralyticsMetadata('detect', h, w, opts.names ?? defaultNames(nc), { end2end: 'True' }, dyn);
  return plantedModel({
    h,
    w,
    d1: k,
    d2: 6,
    cells,
    probe,
    dtype: 'float32',
    dynamicBatch: dyn,
    metadata: metadataFor(meta, opts.metadata),
    graphName: 'tiny_end2end',
  });
}

/**
 * Classifier: GlobalAveragePool → Flatten → Gemm(weights, bias) → [Softmax], so the output depends on the
 * mean colour: logits[i] = Σ_c mean_c · weights[c][i] + bias[i].
 */
export function tinyClassifierModel(opts: TinyClassifierOptions = {}): Uint8Array {
  const nc = opts.numClasses ?? 3;
  const [h, w] = size(opts.imgsz, 32);
  const def = tinyClassifierWeights(nc);
  const weights = opts.weights ?? def.weights;
  const bias = opts.bias ?? def.bias;
  if (weights.length !== 3 || weights.some((r) => r.length !== nc) || bias.length !== nc) {
    throw new RangeError(`weights must be [3][${nc}] and bias [${nc}]`);
  }
  const logits = opts.logits ?? true;
  const batch = opts.dynamicBatch ? 'batch' : 1;
  const nodes: OnnxNodeSpec[] = [
    { opType: 'GlobalAveragePool', inputs: [INPUT], outputs: ['pooled'] },
    { opType: 'Flatten', inputs: ['pooled'], outputs: ['flat'], attributes: [{ name: 'axis', type: 'int', value: 1 }] },
    { opType: 'Gemm', inputs: ['flat', 'fc_w', 'fc_b'], outputs: [logits ? OUTPUT : 'logits'] },
  ];
  if (!logits) nodes.push({ opType: 'Softmax', inputs: ['logits'], outputs: [OUTPUT], attributes: [{ name: 'axis', type: 'int', value: 1 }] });
  const names = opts.names ?? defaultNames(nc);
  const meta = { ...ultralyticsMetadata('classify', h, w, names, {}, opts.dynamicBatch ?? false), stride: '1' };
  return writeOnnxModel({
    graphName: 'tiny_classifier',
    nodes,
    initializers: [f32('fc_w', weights.flat(), [3, nc]), f32('fc_b', bias, [nc])],
    inputs: [{ name: INPUT, dataType: 'float32', shape: [batch, 3, h, w] }],
    outputs: [{ name: OUTPUT, dataType: 'float32', shape: [batch, nc] }],
    metadata: metadataFor(meta, opts.metadata),
  });
}

/** output0 = images, for checking pre-processing on any engine. */
export function tinyIdentityModel(opts: TinyIdentityOptions): Uint8Array {
  const [h, w] = size([opts.h, opts.w], 0);
  const c = opts.channels ?? 3;
  const batch = opts.dynamicBatch ? 'batch' : 1;
  const dataType: TensorDataType = opts.dtype ?? 'float32';
  const vi = (name: string): OnnxValueInfoSpec => ({ name, dataType, shape: [batch, c, h, w] });
  return writeOnnxModel({
    graphName: 'tiny_identity',
    nodes: [{ opType: 'Identity', inputs: [INPUT], outputs: [OUTPUT] }],
    inputs: [vi(INPUT)],
    outputs: [vi(OUTPUT)],
  });
}
