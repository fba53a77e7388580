/**
 * A canvas laid exactly over a <video>, <img> or <canvas>: follows the element's box (ResizeObserver),
 * renders at devicePixelRatio for crisp lines, and reads the element's `object-fit` so boxes land on the
 * painted pixels even when the video is letterboxed or cropped. Positioning uses CSSOM properties (allowed
 * under a CSP without 'unsafe-inline'), and the canvas ignores pointer events.
 */
import { ImageInputError, type Detection } from '@sightline/core';
import { drawDetections, type DrawOptions } from './drawDetections.js';
import { isObjectFit, type ObjectFit } from './fitRect.js';

export type OverlayTarget = HTMLVideoElement | HTMLImageElement | HTMLCanvasElement;

export interface OverlayOptions extends Pick<DrawOptions, 'labels' | 'trackIds' | 'lineWidth'> {
  /** Override the target's computed object-fit. */
  fit?: ObjectFit;
  /** Class name for the canvas (style it from your stylesheet). */
  className?: string;
}

export interface Overlay {
  readonly canvas: HTMLCanvasElement;
  /** What was drawn last (tests and apps read it; labels stay data, never markup). */
  readonly last: { detections: readonly Detection[]; sourceWidth: number; sourceHeight: number } | null;
  /** Draw detections for a source of this size (default: the target's intrinsic size). */
  draw(detections: readonly Detection[], sourceWidth?: number, sourceHeight?: number): void;
  clear(): void;
  dispose(): void;
}

function intrinsicSize(t: OverlayTarget): [number, number] {
  if (t instanceof HTMLVideoElement) return [t.videoWidth, t.videoHeight];
  if (t instanceof HTMLImageElement) return [t.naturalWidth, t.naturalHeight];
  return [t.width, t.height];
}

export function createOverlay(target: OverlayTarget, opts: OverlayOptions = {}): Overlay {
  if (!(target instanceof HTMLElement)) throw new ImageInputError('E_UNSUPPORTED_SOURCE', 'createOverlay needs a <video>, <img> or <canvas> element');
  const canvas = document.createElement('canvas');
  if (opts.className) canvas.className = opts.className;
  canvas.setAttribute('aria-hidden', 'true');
  canvas.style.position = 'absolute';
  canvas.style.pointerEvents = 'none';
  target.insertAdjacentElement('afterend', canvas);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new ImageInputError('E_UNSUPPORTED_SOURCE', '2D canvas context unavailable');
  let last: Overlay['last'] = null;
  let disposed = false;

  const place = (): boolean => {
    const dpr = window.devicePixelRatio || 1;
    const w = target.clientWidth;
    const h = target.clientHeight;
    canvas.style.left = `${target.offsetLeft + target.clientLeft}px`;
    canvas.style.top = `${target.offsetTop + target.clientTop}px`;
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
    const pw = Math.round(w * dpr);
    const ph = Math.round(h * dpr);
    if (canvas.width === pw && canvas.height === ph) return false;
    canvas.width = pw;
    canvas.height = ph;
    return true;
  };

  const render = (): void => {
    if (!last) return void ctx.clearRect(0, 0, canvas.width, canvas.height);
    const cssFit = getComputedStyle(target).objectFit;
    drawDetections(ctx, last.detections, {
      sourceWidth: last.sourceWidth,
      sourceHeight: last.sourceHeight,
      fit: opts.fit ?? (isObjectFit(cssFit) ? cssFit : 'fill'),
      pixelRatio: window.devicePixelRatio || 1,
      labels: opts.labels,
      trackIds: opts.trackIds,
      lineWidth: opts.lineWidth,
    });
  };

  const ro = new ResizeObserver(() => {
    if (!disposed && place()) render();
  });
  ro.observe(target);
  place();

  return {
    canvas,
    get last() {
      return last;
    },
    draw(detections, sourceWidth, sourceHeight) {
      if (disposed) return;
      const [iw, ih] = intrinsicSize(target);
      last = { detections, sourceWidth: sourceWidth ?? iw, sourceHeight: sourceHeight ?? ih };
      place();
      render();
    },
    clear() {
      last = null;
      ctx.clearRect(0, 0, canvas.width, canvas.height);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      ro.disconnect();
      canvas.remove();
    },
  };
}
