/**
 * Per-decoder working memory reused across frames (running per-anchor maxima, the class filter mask), plus
 * the parameters every decoder shares and their validation.
 */
import { OptionError } from '../errors.js';

export interface DecodeParams {
  /** Keep candidates whose score is strictly above this. Default 0.25. */
  conf?: number;
  /** Keep only these class ids (the best class must be one of them, as in Ultralytics). */
  classes?: readonly number[] | null;
  /** Which batch entry to decode. Default 0. */
  batchIndex?: number;
}

export class DecodeScratch {
  bestScore = new Float32Array(0);
  bestBits = new Uint16Array(0);
  bestBitsI32 = new Int32Array(0);
  bestClass = new Int32Array(0);
  private mask = new Uint8Array(0);

  ensureAnchors(n: number): void {
    if (this.bestClass.length >= n) return;
    this.bestScore = new Float32Array(n);
    this.bestBits = new Uint16Array(n);
    this.bestBitsI32 = new Int32Array(n);
    this.bestClass = new Int32Array(n);
  }

  /** Mask with 1 for allowed classes (ids ≥ size are simply never produced), or null for "all". */
  classMask(classes: readonly number[] | null | undefined, size: number): Uint8Array | null {
    if (classes === null || classes === undefined) return null;
    validateClasses(classes);
    if (this.mask.length < size) this.mask = new Uint8Array(size);
    const mask = this.mask.subarray(0, size);
    mask.fill(0);
    for (const c of classes) if (c < size) mask[c] = 1;
    return mask;
  }
}

export function validateClasses(classes: unknown): asserts classes is readonly number[] {
  if (!Array.isArray(classes)) {
    throw new OptionError('E_INVALID_OPTION', 'classes must be an array of class ids');
  }
  for (const c of classes) {
    if (!Number.isInteger(c) || c < 0) {
      throw new OptionError('E_INVALID_OPTION', `classes must hold non-negative integers, got ${String(c)}`, {
        details: { classes: classes.slice(0, 20) },
      });
    }
  }
}

/** Score threshold as float32: torch compares a float32 tensor with a Python float in float32. */
export function resolveConf(conf: number | undefined): number {
  const c = conf ?? 0.25;
  if (typeof c !== 'number' || !(c >= 0 && c <= 1)) {
    throw new OptionError('E_INVALID_OPTION', `conf must be in [0, 1], got ${String(c)}`, { details: { conf: c } });
  }
  return Math.fround(c);
}
