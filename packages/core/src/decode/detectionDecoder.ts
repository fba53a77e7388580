/**
 * Raw detection output → Detection[] in source-image pixels: decode (by layout) → NMS → unletterbox →
 * labelled objects. One instance per stream reuses every buffer, so steady-state frames allocate only the
 * ≤ maxDet result objects.
 */
import type { OutputLayout } from './outputLayout.js';
import type { Detection, TensorView } from '../types.js';
import type { LetterboxGeometry } from '../geometry/letterbox.js';
import { unletterboxBoxes } from '../geometry/letterbox.js';
import { CandidateBuffer } from './candidateBuffer.js';
import { DecodeScratch, resolveConf, validateClasses } from './decodeScratch.js';
import { decodeYoloV8 } from './decodeYoloV8.js';
import { decodeYoloV5 } from './decodeYoloV5.js';
import { decodeEndToEnd } from './decodeEndToEnd.js';
import { NonMaxSuppression } from '../nms/nms.js';
import { LayoutError, OptionError } from '../errors.js';

export interface DetectOptions {
  /** Minimum score (strictly above). Default 0.25. */
  conf?: number;
  /** NMS IoU threshold. Default 0.7. */
  iou?: number;
  /** Most detections returned. Default 300. */
  maxDet?: number;
  /** Keep only these class ids. */
  classes?: readonly number[] | null;
  /** Suppress across classes. Default false. */
  agnostic?: boolean;
  /** Most candidates entering NMS (the top-scoring ones). Default 30000, Ultralytics' max_nms. */
  maxCandidates?: number;
}

export interface ResolvedDetectOptions {
  conf: number;
  iou: number;
  maxDet: number;
  classes: readonly number[] | null;
  agnostic: boolean;
  maxCandidates: number;
}

export function resolveDetectOptions(opts: DetectOptions = {}): ResolvedDetectOptions {
  const conf = resolveConf(opts.conf);
  const iou = opts.iou ?? 0.7;
  if (typeof iou !== 'number' || !(iou >= 0 && iou <= 1)) {
    throw new OptionError('E_INVALID_OPTION', `iou must be in [0, 1], got ${String(iou)}`, { details: { iou } });
  }
  const maxDet = opts.maxDet ?? 300;
  if (!Number.isInteger(maxDet) || maxDet < 1) {
    throw new OptionError('E_INVALID_OPTION', `maxDet must be a positive integer, got ${String(maxDet)}`, {
      details: { maxDet },
    });
  }
  const maxCandidates = opts.maxCandidates ?? 30000;
  if (!Number.isInteger(maxCandidates) || maxCandidates < 1) {
    throw new OptionError('E_INVALID_OPTION', `maxCandidates must be a positive integer, got ${String(maxCandidates)}`, {
      details: { maxCandidates },
    });
  }
  const classes = opts.classes ?? null;
  if (classes !== null) validateClasses(classes);
  return { conf, iou, maxDet, classes, agnostic: opts.agnostic ?? false, maxCandidates };
}

export interface DetectionDecoderOptions {
  labels?: readonly string[];
}

export class DetectionDecoder {
  readonly labels: readonly string[] | undefined;
  private readonly candidates = new CandidateBuffer(1024);
  private readonly scratch = new DecodeScratch();
  private readonly nms = new NonMaxSuppression();
  private boxes = new Float32Array(4 * 64);
  private classMaskBuf = new Uint8Array(0);

  constructor(opts: DetectionDecoderOptions = {}) {
    this.labels = opts.labels;
  }

  /** Decode batch entry `batchIndex` of a raw output. `geometry` null → boxes stay in model-input pixels. */
  decode(
    output: TensorView,
    layout: OutputLayout,
    geometry: LetterboxGeometry | null,
    opts: DetectOptions = {},
    batchIndex = 0,
  ): Detection[] {
    const o = resolveDetectOptions(opts);
    const params = { conf: o.conf, classes: o.classes, batchIndex };
    const c = this.candidates;
    switch (layout.kind) {
      case 'yolov8':
        decodeYoloV8(output, layout, c, params, this.scratch);
        break;
      case 'yolov5':
        decodeYoloV5(output, layout, c, params, this.scratch);
        break;
      case 'end2end':
        decodeEndToEnd(output, layout, c, params, this.scratch);
        return this.collect(c, geometry, o, false);
      default:
        throw new LayoutError('E_UNKNOWN_LAYOUT', `DetectionDecoder cannot decode a '${layout.kind}' output`, {
          details: { kind: layout.kind },
        });
    }
    return this.collect(c, geometry, o, true);
  }

  /**
   * NMS + mapping for candidates produced elsewhere (e.g. a GPU decode). Applies conf, classes and
   * maxCandidates again, so the producer may be looser than the options, and drops candidates with a negative
   * class id or a non-finite box. `candidates` is only read.
   */
  finish(candidates: CandidateBuffer, geometry: LetterboxGeometry | null, opts: DetectOptions = {}): Detection[] {
    return this.collect(candidates, geometry, resolveDetectOptions(opts), true, true);
  }

  private collect(
    c: CandidateBuffer,
    geometry: LetterboxGeometry | null,
    o: ResolvedDetectOptions,
    suppress: boolean,
    filter = false,
  ): Detection[] {
    const kept = this.nms.run(c, {
      maxCandidates: o.maxCandidates,
      iou: o.iou,
      maxDet: o.maxDet,
      agnostic: o.agnostic,
      suppress,
      minScore: filter ? o.conf : undefined,
      validate: filter,
      classMask: filter ? this.maskFor(o.classes) : null,
    });
    const n = kept.length;
    if (this.boxes.length < n * 4) this.boxes = new Float32Array(n * 4);
    const boxes = this.boxes;
    const src = c.boxes;
    for (let k = 0; k < n; k++) {
      const i = kept[k] * 4;
      boxes[k * 4] = src[i];
      boxes[k * 4 + 1] = src[i + 1];
      boxes[k * 4 + 2] = src[i + 2];
      boxes[k * 4 + 3] = src[i + 3];
    }
    if (geometry !== null) unletterboxBoxes(boxes, n, geometry);
    const labels = this.labels;
    const result: Detection[] = new Array<Detection>(n);
    for (let k = 0; k < n; k++) {
      const i = kept[k];
      const classId = c.classIds[i];
      result[k] = {
        classId,
        label: labels?.[classId] ?? `class_${classId}`,
        score: c.scores[i],
        box: [boxes[k * 4], boxes[k * 4 + 1], boxes[k * 4 + 2], boxes[k * 4 + 3]],
      };
    }
    return result;
  }

  private maskFor(classes: readonly number[] | null): Uint8Array | null {
    if (classes === null) return null;
    // Ids past 2^20 would only size a huge mask; no real model has that many classes.
    let size = 0;
    for (const c of classes) if (c + 1 > size) size = Math.min(c + 1, 1 << 20);
    if (this.classMaskBuf.length < size) this.classMaskBuf = new Uint8Array(size);
    const mask = this.classMaskBuf.subarray(0, size);
    mask.fill(0);
    for (const c of classes) if (c < size) mask[c] = 1;
    return mask;
  }
}

export interface DecodeDetectionsOptions extends DetectOptions {
  labels?: readonly string[];
}

/** One-off convenience over DetectionDecoder (allocates its buffers; keep a DetectionDecoder for streams). */
export function decodeDetections(
  output: TensorView,
  layout: OutputLayout,
  geometry: LetterboxGeometry | null,
  opts: DecodeDetectionsOptions = {},
  batchIndex = 0,
): Detection[] {
  return new DetectionDecoder({ labels: opts.labels }).decode(output, layout, geometry, opts, batchIndex);
}
