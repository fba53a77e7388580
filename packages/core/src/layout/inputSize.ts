import type { TensorInfo } from '../onnx/modelDescriptor.js';

/**
 * [h, w] from a declared image input: NCHW [B, C, H, W] (C ∈ 1, 3, 4) or NHWC [B, H, W, C]; null when the
 * spatial dims are symbolic or the input is not 4-D.
 */
export function staticInputSize(input: TensorInfo | undefined): [number, number] | null {
  const s = input?.shape;
  if (!s || s.length !== 4) return null;
  const isCh = (d: unknown) => d === 1 || d === 3 || d === 4;
  const num = (d: unknown): d is number => typeof d === 'number' && d > 0;
  if (isCh(s[1]) && num(s[2]) && num(s[3])) return [s[2], s[3]];
  if (isCh(s[3]) && num(s[1]) && num(s[2])) return [s[1], s[2]];
  return null;
}

/** The image input: the first 4-D input, else the first input. */
export function pickImageInput(inputs: readonly TensorInfo[]): TensorInfo | undefined {
  return inputs.find((i) => i.shape?.length === 4) ?? inputs[0];
}
