/**
 * Draws detections on a 2D canvas context: class-coloured boxes with "label score" text drawn with
 * fillText (labels come from model metadata and are untrusted: never HTML). Works for an overlay over a
 * video (`fit` = the video's object-fit) and for a still image drawn on its own canvas.
 */
import type { Detection } from '@sightline/core';
import { fitRect, lineWidthFor, mapBox, type ObjectFit } from './fitRect.js';
import { classColor, textColorOn } from './palette.js';

export type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

export interface DrawOptions {
  /** Size of the image the detections refer to (the frame the detector saw). */
  sourceWidth: number;
  sourceHeight: number;
  /** How the source is painted in the drawing area (default 'contain'). */
  fit?: ObjectFit;
  /** Drawing area in canvas pixels (default: the whole canvas). */
  width?: number;
  height?: number;
  /** Canvas pixels per CSS pixel (default 1): keeps lines and text the same on-screen size on HiDPI. */
  pixelRatio?: number;
  /** Clear the area first (default true). */
  clear?: boolean;
  /** Draw "label score" tags (default true). */
  labels?: boolean;
  /** Append " #id" for tracked detections (default true). */
  trackIds?: boolean;
  /** Box line width in CSS px (default: scaled to the displayed size). */
  lineWidth?: number;
}

export function drawDetections(ctx: Context2D, detections: readonly Detection[], opts: DrawOptions): void {
  const width = opts.width ?? ctx.canvas.width;
  const height = opts.height ?? ctx.canvas.height;
  const dpr = opts.pixelRatio && opts.pixelRatio > 0 ? opts.pixelRatio : 1;
  if (opts.clear !== false) ctx.clearRect(0, 0, width, height);
  const r = fitRect(opts.fit ?? 'contain', opts.sourceWidth, opts.sourceHeight, width, height);
  const lw = (opts.lineWidth ?? lineWidthFor(width / dpr, height / dpr)) * dpr;
  const fontPx = Math.max(11, Math.round(lw / dpr * 5 + 4)) * dpr;
  ctx.save();
  ctx.lineWidth = lw;
  ctx.font = `600 ${fontPx}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
  ctx.textBaseline = 'top';
  // Lowest score first so the most confident boxes and labels end up on top.
  const order = [...detections].sort((a, b) => a.score - b.score);
  for (const d of order) {
    const b = mapBox(d.box, r, width, height);
    if (!b) continue;
    const color = classColor(d.classId);
    ctx.strokeStyle = color;
    ctx.strokeRect(b[0] + lw / 2, b[1] + lw / 2, Math.max(0, b[2] - b[0] - lw), Math.max(0, b[3] - b[1] - lw));
    if (opts.labels === false) continue;
    const text = tagText(d, opts.trackIds !== false);
    const tw = ctx.measureText(text).width + 2 * lw + 4 * dpr;
    const th = fontPx + 2 * lw;
    // Above the box when there is room, else just inside it; never past the right edge.
    const tx = Math.max(0, Math.min(b[0], width - tw));
    const ty = b[1] - th >= 0 ? b[1] - th : b[1];
    ctx.fillStyle = color;
    ctx.fillRect(tx, ty, tw, th);
    ctx.fillStyle = textColorOn(color);
    ctx.fillText(text, tx + lw + 2 * dpr, ty + lw + 1 * dpr, tw);
  }
  ctx.restore();
}

function tagText(d: Detection, withTrack: boolean): string {
  // String() and a length cap: a hostile label can neither inject markup (this is canvas text) nor cover the frame.
  const label = String(d.label ?? d.classId).slice(0, 40) || String(d.classId);
  const id = withTrack && d.trackId !== undefined ? ` #${d.trackId}` : '';
  return `${label} ${d.score.toFixed(2)}${id}`;
}
