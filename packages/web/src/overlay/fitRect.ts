/**
 * Where a source image lands inside a box under CSS `object-fit` (centred, the default `object-position`).
 * Pure geometry, DOM-free, so the overlay maps detections exactly where the browser painted the pixels.
 */
import { OptionError } from '@sightline/core';

export type ObjectFit = 'contain' | 'cover' | 'fill' | 'none' | 'scale-down';

export interface FittedRect {
  /** Offset of the source's (0, 0) in the box (negative under `cover`: the source overflows and is clipped). */
  x: number;
  y: number;
  /** Painted size of the whole source. */
  width: number;
  height: number;
  /** Box units per source pixel. */
  scaleX: number;
  scaleY: number;
}

const FITS: readonly string[] = ['contain', 'cover', 'fill', 'none', 'scale-down'];

export function isObjectFit(v: unknown): v is ObjectFit {
  return typeof v === 'string' && FITS.includes(v);
}

export function fitRect(fit: ObjectFit, sourceWidth: number, sourceHeight: number, boxWidth: number, boxHeight: number): FittedRect {
  for (const [name, v] of [
    ['sourceWidth', sourceWidth],
    ['sourceHeight', sourceHeight],
    ['boxWidth', boxWidth],
    ['boxHeight', boxHeight],
  ] as const) {
    if (!Number.isFinite(v) || v < 0) throw new OptionError('E_INVALID_OPTION', `${name} must be a finite number ≥ 0, got ${String(v)}`);
  }
  if (!isObjectFit(fit)) throw new OptionError('E_INVALID_OPTION', `fit must be one of ${FITS.join(', ')}, got ${String(fit)}`);
  if (sourceWidth === 0 || sourceHeight === 0) return { x: 0, y: 0, width: 0, height: 0, scaleX: 0, scaleY: 0 };
  let sx: number;
  let sy: number;
  if (fit === 'fill') {
    sx = boxWidth / sourceWidth;
    sy = boxHeight / sourceHeight;
  } else {
    const contain = Math.min(boxWidth / sourceWidth, boxHeight / sourceHeight);
    const s = fit === 'contain' ? contain : fit === 'cover' ? Math.max(boxWidth / sourceWidth, boxHeight / sourceHeight) : fit === 'none' ? 1 : Math.min(1, contain);
    sx = s;
    sy = s;
  }
  const width = sourceWidth * sx;
  const height = sourceHeight * sy;
  return { x: (boxWidth - width) / 2, y: (boxHeight - height) / 2, width, height, scaleX: sx, scaleY: sy };
}

/** A source-pixel box [x1, y1, x2, y2] in box units, clipped to the visible box (null when fully outside). */
export function mapBox(box: readonly number[], r: FittedRect, boxWidth: number, boxHeight: number): [number, number, number, number] | null {
  const x1 = Math.max(0, r.x + box[0] * r.scaleX);
  const y1 = Math.max(0, r.y + box[1] * r.scaleY);
  const x2 = Math.min(boxWidth, r.x + box[2] * r.scaleX);
  const y2 = Math.min(boxHeight, r.y + box[3] * r.scaleY);
  return x2 > x1 && y2 > y1 ? [x1, y1, x2, y2] : null;
}

/** Line width for boxes on a box of this (CSS px) size: thin on phones, still visible on a 4K screen. */
export function lineWidthFor(displayWidth: number, displayHeight: number): number {
  return Math.max(2, Math.round((displayWidth + displayHeight) / 2 * 0.003));
}
