/**
 * Works out how a model's output is laid out from its declared shape and Ultralytics metadata. Rules, in order:
 * metadata `end2end` → [B, K, 6]; channels-first [B, 4+nc, N] → YOLOv8; channels-last [B, N, C] → YOLOv5
 * (C = 5+nc) or transposed YOLOv8 (C = 4+nc), told apart by the class count (names / numClasses), then by
 * the anchor count the input size implies (v5 has 3 anchors per cell), then by `task` (only Ultralytics ≥ v8
 * writes it); [B, K, 6] with K ≤ 1000 → end2end; [B, C] → classification. Anything ambiguous throws
 * LayoutError E_UNKNOWN_LAYOUT saying what was seen and how to override.
 */
import type { OutputLayout, OutputLayoutKind } from '../decode/outputLayout.js';
import { LayoutError, OptionError } from '../errors.js';
import type { DimInfo, TensorInfo } from '../onnx/modelDescriptor.js';
import type { UltralyticsMetadata } from '../onnx/ultralyticsMetadata.js';
import { anchorCount } from './anchorCount.js';
import { pickImageInput, staticInputSize } from './inputSize.js';
import { describeLayout, expectedOutputDims } from './validateOutputShape.js';

export interface LayoutSource {
  outputs: TensorInfo[];
  inputs?: TensorInfo[];
  ultralytics?: UltralyticsMetadata | null;
}

/** Every field optional: a partial override is completed from the shape (kind included). */
export type OutputLayoutOverride = {
  kind?: OutputLayoutKind;
  numClasses?: number;
  numAnchors?: number;
  transposed?: boolean;
  maxDetections?: number;
  activation?: 'auto' | 'softmax' | 'none';
};

export interface DetectOutputLayoutOptions {
  /** Force the kind ('yolov5') or any fields; whatever is left out is read from the shape. */
  override?: OutputLayoutOverride | OutputLayoutKind;
  /** Which output to read (default 'output0' when present, else the first output). */
  outputName?: string;
  /** Class count when known from elsewhere (labels file); used to tell layouts apart. */
  numClasses?: number;
}

const KINDS: readonly OutputLayoutKind[] = ['yolov8', 'yolov5', 'end2end', 'classification'];
/** End-to-end heads keep at most this many rows; more rows of 6 values is a 1- or 2-class anchor head. */
const MAX_END2END_ROWS = 1000;
const DEFAULT_MAX_DETECTIONS = 300;
const OVERRIDE_HINT =
  "pass { override: 'yolov8' | 'yolov5' | 'end2end' | 'classification' } or a full layout such as { kind: 'yolov8', numClasses: 80, numAnchors: 8400, transposed: false }";

/** The output a layout is read from: `name` when given (must exist), else 'output0', else the first. */
export function pickOutput(outputs: readonly TensorInfo[], name?: string): TensorInfo {
  if (name !== undefined) {
    const o = outputs.find((x) => x.name === name);
    if (!o) throw new OptionError('E_INVALID_OPTION', `model has no output '${name}' (outputs: ${outputs.map((x) => x.name).join(', ') || 'none'})`);
    return o;
  }
  const o = outputs.find((x) => x.name === 'output0') ?? outputs[0];
  if (!o) throw new LayoutError('E_UNKNOWN_LAYOUT', 'model declares no outputs');
  return o;
}

const isNum = (d: DimInfo | undefined): d is number => typeof d === 'number';
const fmtShape = (s: DimInfo[] | null) => (s === null ? 'no declared shape' : `[${s.map((d) => (d === null ? '?' : String(d))).join(', ')}]`);

interface Facts {
  name: string;
  shape: DimInfo[] | null;
  meta: UltralyticsMetadata | null;
  nc: number | undefined;
  /** Anchor count of an anchor-free head at the model's input size, when that size is known. */
  cells: number | undefined;
}

function unknown(f: Facts, why: string): never {
  throw new LayoutError('E_UNKNOWN_LAYOUT', `cannot tell the layout of output '${f.name}' ${fmtShape(f.shape)}: ${why}; ${OVERRIDE_HINT}`, {
    details: { output: f.name, shape: f.shape, task: f.meta?.task, numClasses: f.nc },
  });
}

/** Builds a layout of a given kind from the shape, taking numbers from `o` first. */
function build(kind: OutputLayoutKind, f: Facts, o: OutputLayoutOverride): OutputLayout {
  const s = f.shape ?? [];
  const [, a, b] = s;
  switch (kind) {
    case 'classification': {
      const c = s.length === 2 && isNum(s[1]) ? s[1] : undefined;
      const numClasses = o.numClasses ?? c ?? f.nc ?? unknown(f, 'the class dim is symbolic and no class count is known');
      return { kind, numClasses, activation: o.activation ?? 'auto' };
    }
    case 'end2end':
      return { kind, maxDetections: o.maxDetections ?? (isNum(a) ? a : DEFAULT_MAX_DETECTIONS) };
    case 'yolov5': {
      const numClasses = o.numClasses ?? (isNum(b) ? b - 5 : undefined) ?? f.nc ?? unknown(f, 'the class dim is symbolic and no class count is known');
      const numAnchors = o.numAnchors ?? (isNum(a) ? a : f.cells !== undefined ? 3 * f.cells : undefined) ?? unknown(f, 'the anchor dim is symbolic and imgsz is unknown');
      return { kind, numClasses, numAnchors };
    }
    case 'yolov8': {
      const transposed = o.transposed ?? (isNum(a) && isNum(b) ? a > b : !isNum(a) && isNum(b));
      const ch = transposed ? b : a;
      const n = transposed ? a : b;
      const numClasses = o.numClasses ?? (isNum(ch) ? ch - 4 : undefined) ?? f.nc ?? unknown(f, 'the channel dim is symbolic and no class count is known');
      const numAnchors = o.numAnchors ?? (isNum(n) ? n : f.cells) ?? unknown(f, 'the anchor dim is symbolic and imgsz is unknown');
      return { kind, numClasses, numAnchors, transposed };
    }
  }
}

/** Picks the kind from shape + metadata (no override). */
function autoKind(f: Facts): OutputLayoutKind {
  const s = f.shape;
  const { meta, nc } = f;
  if (s === null) unknown(f, 'the output declares no shape');
  if (meta?.task === 'classify') {
    if (s.length === 2) return 'classification';
    unknown(f, `metadata says task 'classify' but the output is ${s.length}-D`);
  }
  if (s.length === 2) return 'classification';
  if (s.length !== 3) unknown(f, `${s.length}-D outputs match no known layout`);
  if (meta?.task === 'segment' || meta?.task === 'pose' || meta?.task === 'obb') {
    unknown(f, `task '${meta.task}' heads are not decoded by Sightline (only detect and classify)`);
  }
  const [, a, b] = s;
  if (meta?.end2end === true) {
    if (b === 6 || !isNum(b)) return 'end2end';
    unknown(f, `metadata says end2end but the last dim is ${b}, not 6`);
  }
  // [B, K, 6] rows of x1,y1,x2,y2,score,class — unless the class count says it is a 1-2 class anchor head.
  const smallHead = nc !== undefined && (nc + 4 === 6 || nc + 5 === 6);
  if (b === 6 && meta?.end2end !== false && !smallHead && (!isNum(a) || a <= MAX_END2END_ROWS)) return 'end2end';

  if (isNum(a) && isNum(b)) {
    if (a === b) unknown(f, 'both non-batch dims are equal, so channels and anchors cannot be told apart');
    if (a < b) {
      if (a < 5) unknown(f, `${a} channels is too few for a detection head`);
      if (nc !== undefined && a !== 4 + nc) {
        unknown(f, a === 5 + nc ? `[B, 5+nc, N] (a transposed YOLOv5 head) is not supported` : `${a} channels do not fit ${nc} classes (expected ${4 + nc})`);
      }
      return 'yolov8';
    }
    return channelsLast(f, a, b);
  }
  if (isNum(a) && !isNum(b)) {
    if (a < 5) unknown(f, `${a} channels is too few for a detection head`);
    if (nc !== undefined && a !== 4 + nc) unknown(f, `${a} channels do not fit ${nc} classes (expected ${4 + nc})`);
    return 'yolov8';
  }
  if (!isNum(a) && isNum(b)) return channelsLast(f, undefined, b);
  return unknown(f, 'both non-batch dims are symbolic');
}

/** [B, N, C]: YOLOv5 (C = 5+nc) or transposed YOLOv8 (C = 4+nc). */
function channelsLast(f: Facts, n: number | undefined, c: number): OutputLayoutKind {
  const { nc, cells, meta } = f;
  if (c < 5) unknown(f, `${c} values per row is too few for a detection head`);
  if (nc !== undefined) {
    if (c === 5 + nc) return 'yolov5';
    if (c === 4 + nc) return 'yolov8';
    unknown(f, `${c} values per row fit neither YOLOv5 (5+${nc}) nor YOLOv8 (4+${nc}) for ${nc} classes`);
  }
  if (n !== undefined && cells !== undefined) {
    if (n === 3 * cells) return 'yolov5';
    if (n === cells) return 'yolov8';
  }
  // Only Ultralytics ≥ v8 exports write `task`; YOLOv5's export.py writes names and stride only.
  if (meta?.task === 'detect') return 'yolov8';
  if (n === undefined || n >= 4 * c) return 'yolov5';
  return unknown(f, 'no class count or input size to tell YOLOv5 [B, N, 5+nc] from transposed YOLOv8 [B, N, 4+nc]');
}

function checkLayout(l: OutputLayout): OutputLayout {
  const bad = (field: string, v: unknown): never => {
    throw new OptionError('E_INVALID_OPTION', `layout ${l.kind}: ${field} must be a positive integer, got ${String(v)}`);
  };
  const pos = (field: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) bad(field, v);
  };
  switch (l.kind) {
    case 'yolov8':
      pos('numClasses', l.numClasses);
      pos('numAnchors', l.numAnchors);
      if (typeof l.transposed !== 'boolean') throw new OptionError('E_INVALID_OPTION', `layout yolov8: transposed must be a boolean`);
      break;
    case 'yolov5':
      pos('numClasses', l.numClasses);
      pos('numAnchors', l.numAnchors);
      break;
    case 'end2end':
      pos('maxDetections', l.maxDetections);
      break;
    case 'classification':
      pos('numClasses', l.numClasses);
      if (!['auto', 'softmax', 'none'].includes(l.activation)) throw new OptionError('E_INVALID_OPTION', `layout classification: activation must be auto, softmax or none`);
      break;
    default:
      throw new OptionError('E_INVALID_OPTION', `unknown layout kind ${String((l as { kind: unknown }).kind)}`);
  }
  return l;
}

/** Declared fixed dims must agree with the chosen layout (catches a wrong override early). */
function checkDeclared(f: Facts, l: OutputLayout): void {
  const s = f.shape;
  if (s === null) return;
  const { dims, upperBoundAt } = expectedOutputDims(l);
  const agrees =
    s.length === dims.length + 1 && dims.every((d, i) => !isNum(s[i + 1]) || (i === upperBoundAt ? (s[i + 1] as number) <= d : s[i + 1] === d));
  if (!agrees) {
    throw new LayoutError('E_SHAPE_MISMATCH', `output '${f.name}' is declared ${fmtShape(s)}, which does not fit layout ${describeLayout(l)}`, {
      details: { output: f.name, shape: s, layout: l },
    });
  }
}

export function detectOutputLayout(src: LayoutSource, opts: DetectOutputLayoutOptions = {}): OutputLayout {
  const out = pickOutput(src.outputs, opts.outputName);
  const o: OutputLayoutOverride = typeof opts.override === 'string' ? { kind: opts.override } : { ...(opts.override ?? {}) };
  if (o.kind !== undefined && !KINDS.includes(o.kind)) {
    throw new OptionError('E_INVALID_OPTION', `override kind must be one of ${KINDS.join(', ')}, got ${String(o.kind)}`);
  }
  if (opts.numClasses !== undefined && !(Number.isInteger(opts.numClasses) && opts.numClasses > 0)) {
    throw new OptionError('E_INVALID_OPTION', `numClasses must be a positive integer, got ${String(opts.numClasses)}`);
  }
  const meta = src.ultralytics ?? null;
  const imgsz = meta?.imgsz ?? staticInputSize(pickImageInput(src.inputs ?? []));
  const f: Facts = {
    name: out.name,
    shape: out.shape,
    meta,
    nc: o.numClasses ?? opts.numClasses ?? (meta?.names?.length || undefined),
    cells: imgsz ? anchorCount(imgsz, meta?.stride && meta.stride >= 8 ? meta.stride : 32) : undefined,
  };
  if (out.kind !== undefined && out.kind !== 'optional') unknown(f, `it is a ${out.kind}, not a tensor`);
  const kind = o.kind ?? autoKind(f);
  const built = build(kind, f, o);
  let layout: OutputLayout;
  try {
    layout = checkLayout(built);
  } catch (e) {
    // Numbers the caller did not supply came from the shape: then the shape, not an option, is at fault.
    if (e instanceof OptionError && Object.keys(o).every((k) => k === 'kind')) unknown(f, `it reads as ${describeLayout(built)}, which is not a usable layout`);
    throw e;
  }
  checkDeclared(f, layout);
  return layout;
}
