/** Draw an image and its detections into a canvas at (up to) the image's own resolution. */
import type { Detection } from '@sightline/core';
import { drawDetections } from '@sightline/web';

/**
 * Sizes `canvas` to the image (capped at `maxSide` px) and paints image + boxes. Line width and text scale
 * with the canvas' displayed width, so boxes look the same in a thumbnail and in the main viewer.
 */
export function paintStill(canvas: HTMLCanvasElement, image: ImageBitmap, detections: readonly Detection[], maxSide = 1600): void {
  const s = Math.min(1, maxSide / Math.max(image.width, image.height));
  canvas.width = Math.max(1, Math.round(image.width * s));
  canvas.height = Math.max(1, Math.round(image.height * s));
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
  // The canvas is shown CSS-scaled (object-fit: contain); express line widths in its displayed pixels.
  const shown = canvas.getBoundingClientRect();
  const scale = shown.width > 0 && shown.height > 0 ? Math.max(canvas.width / shown.width, canvas.height / shown.height) : 1;
  drawDetections(ctx, detections, { sourceWidth: image.width, sourceHeight: image.height, fit: 'fill', clear: false, pixelRatio: scale });
}
