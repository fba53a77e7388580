/**
 * Shape checks every decoder runs before touching data, so a wrong layout or a truncated tensor becomes a
 * LayoutError instead of an out-of-bounds read (which on typed arrays silently yields undefined → NaN).
 */
import { LayoutError } from '../errors.js';
import type { TensorView } from '../types.js';

/** Product of `dims` after checking they are non-negative integers and match `data.length`. */
export function checkTensorView(view: TensorView, what: string): number {
  const { data, dims } = view;
  if (data === null || typeof data !== 'object' || typeof data.length !== 'number') {
    throw new LayoutError('E_SHAPE_MISMATCH', `${what}: tensor has no data`);
  }
  if (!Array.isArray(dims) && !ArrayBuffer.isView(dims)) {
    throw new LayoutError('E_SHAPE_MISMATCH', `${what}: tensor dims must be an array`);
  }
  let n = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) {
      throw new LayoutError('E_SHAPE_MISMATCH', `${what}: invalid dimension ${d} in [${dims.join(', ')}]`, {
        details: { dims: [...dims] },
      });
    }
    n *= d;
  }
  if (n !== data.length) {
    throw new LayoutError(
      'E_SHAPE_MISMATCH',
      `${what}: dims [${dims.join(', ')}] need ${n} elements, data has ${data.length}`,
      { details: { dims: [...dims], length: data.length } },
    );
  }
  return n;
}

/**
 * For a [B, rows, cols] tensor (or [rows, cols] = one batch) whose rows/cols must equal `expected` (a value
 * ≤ 0 there means "any"), returns the resolved [rows, cols] and the offset of batch `batchIndex`.
 */
export function resolveBatch(
  view: TensorView,
  expected: readonly [rows: number, cols: number],
  batchIndex: number,
  what: string,
): { rows: number; cols: number; offset: number } {
  checkTensorView(view, what);
  const dims = view.dims;
  if (dims.length !== 3 && dims.length !== 2) {
    throw new LayoutError('E_SHAPE_MISMATCH', `${what}: expected a rank-3 tensor, got [${dims.join(', ')}]`, {
      details: { dims: [...dims] },
    });
  }
  const batches = dims.length === 3 ? dims[0] : 1;
  const rows = dims[dims.length - 2];
  const cols = dims[dims.length - 1];
  const [er, ec] = expected;
  if ((er > 0 && rows !== er) || (ec > 0 && cols !== ec)) {
    throw new LayoutError(
      'E_SHAPE_MISMATCH',
      `${what}: expected [B, ${er > 0 ? er : 'n'}, ${ec > 0 ? ec : 'n'}], got [${dims.join(', ')}]`,
      { details: { dims: [...dims], expected: [er, ec] } },
    );
  }
  if (!Number.isInteger(batchIndex) || batchIndex < 0 || batchIndex >= batches) {
    throw new LayoutError('E_SHAPE_MISMATCH', `${what}: batch index ${batchIndex} out of range [0, ${batches})`, {
      details: { batchIndex, batches },
    });
  }
  return { rows, cols, offset: batchIndex * rows * cols };
}
