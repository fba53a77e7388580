import { LayoutError } from '../errors.js';
import type { OutputLayout } from '../decode/outputLayout.js';

/**
 * The dims (after the batch dim) a layout expects, for messages and checks. End-to-end outputs may hold
 * fewer rows than maxDetections, so that one dim is an upper bound (reported as `≤K`).
 */
export function expectedOutputDims(layout: OutputLayout): { dims: number[]; upperBoundAt?: number } {
  switch (layout.kind) {
    case 'yolov8':
      return { dims: layout.transposed ? [layout.numAnchors, 4 + layout.numClasses] : [4 + layout.numClasses, layout.numAnchors] };
    case 'yolov5':
      return { dims: [layout.numAnchors, 5 + layout.numClasses] };
    case 'end2end':
      return { dims: [layout.maxDetections, 6], upperBoundAt: 0 };
    case 'classification':
      return { dims: [layout.numClasses] };
  }
}

export function describeLayout(layout: OutputLayout): string {
  const { dims, upperBoundAt } = expectedOutputDims(layout);
  return `${layout.kind}${layout.kind === 'yolov8' && layout.transposed ? ' (transposed)' : ''} [B, ${dims
    .map((d, i) => (i === upperBoundAt ? `≤${d}` : String(d)))
    .join(', ')}]`;
}

/**
 * Checks a runtime output against the layout chosen at load time, before any decoder indexes into it:
 * rank, every non-batch dim, a batch ≥ 1 and, when given, that the data holds exactly that many values.
 * Throws LayoutError E_SHAPE_MISMATCH.
 */
export function validateOutputShape(layout: OutputLayout, dims: readonly number[], dataLength?: number): void {
  const { dims: want, upperBoundAt } = expectedOutputDims(layout);
  const fail = (why: string): never => {
    throw new LayoutError('E_SHAPE_MISMATCH', `output shape [${dims.join(', ')}] does not match layout ${describeLayout(layout)}: ${why}`, {
      details: { dims: [...dims], layout },
    });
  };
  if (dims.length !== want.length + 1) fail(`rank ${dims.length}, expected ${want.length + 1}`);
  for (const d of dims) if (!Number.isInteger(d) || d < 0) fail(`dim ${String(d)} is not a size`);
  if (dims[0] < 1) fail('batch is 0');
  for (let i = 0; i < want.length; i++) {
    const got = dims[i + 1];
    if (i === upperBoundAt ? got > want[i] : got !== want[i]) fail(`dim ${i + 1} is ${got}, expected ${i === upperBoundAt ? '≤' : ''}${want[i]}`);
  }
  if (dataLength !== undefined) {
    let n = 1;
    for (const d of dims) n *= d;
    if (n !== dataLength) fail(`the data holds ${dataLength} values, the dims say ${n}`);
  }
}
