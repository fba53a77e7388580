// Which decoder a served detection model needs, from the output dims in its Triton config (batch dim
// excluded). The caller can always pass an explicit layout instead.
import { LayoutError, type OutputLayout } from '@sightline/core';

/** dims without the batch dimension, e.g. [84, 8400] (YOLOv8), [25200, 85] (YOLOv5), [300, 6] (end-to-end). */
export function layoutFromOutputDims(dims: readonly number[]): OutputLayout {
  if (dims.length === 1 && dims[0] > 0) return { kind: 'classification', numClasses: dims[0], activation: 'auto' };
  if (dims.length !== 2 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new LayoutError('E_UNKNOWN_LAYOUT', `cannot tell the layout of a served output with dims ${JSON.stringify(dims)}; pass one explicitly`, { details: { dims: [...dims] } });
  }
  const [a, b] = dims;
  if (b === 6 && a > 6) return { kind: 'end2end', maxDetections: a };
  if (a < b && a > 4) return { kind: 'yolov8', numClasses: a - 4, numAnchors: b, transposed: false };
  if (b > 5 && a > b) return { kind: 'yolov5', numClasses: b - 5, numAnchors: a };
  throw new LayoutError('E_UNKNOWN_LAYOUT', `cannot tell the layout of a served output with dims ${JSON.stringify(dims)}; pass one explicitly`, { details: { dims: [...dims] } });
}
