/**
 * Pre-process → model run → post-process for a list of images, in chunks the engine accepts: a model with
 * a dynamic batch runs a chunk as one batch, a batch-1 model runs image by image. The input buffer is reused
 * across calls and grows only when a larger chunk arrives.
 */
import type { PixelBuffer, PreprocessOut } from '@sightline/core';
import type { EngineInputData, EngineTensor, InferenceEngine } from '../engines/inferenceEngine.js';

/** Dynamic-batch chunks stay below ~80 MB of float32 input at 640×640. */
export const MAX_CHUNK = 16;

const INPUT_ARRAYS = { float32: Float32Array, float16: Uint16Array, uint8: Uint8Array } as const;

export interface StageResult<R> {
  value: R;
  preprocessMs: number;
  inferenceMs: number;
  postprocessMs: number;
  bytes?: { up: number; down: number };
}

export class BatchRunner {
  private buffer: EngineInputData = new Float32Array(0);

  constructor(
    private readonly engine: InferenceEngine,
    private readonly width: number,
    private readonly height: number,
  ) {}

  private input(images: number): EngineInputData {
    const need = images * 3 * this.width * this.height;
    const Type = INPUT_ARRAYS[this.engine.inputDataType];
    if (this.buffer.length < need || !(this.buffer instanceof Type)) this.buffer = new Type(need);
    return need === this.buffer.length ? this.buffer : this.buffer.subarray(0, need);
  }

  async run<G, R>(
    pixels: readonly PixelBuffer[],
    preprocess: (px: PixelBuffer, out: PreprocessOut) => G,
    postprocess: (output: EngineTensor, batchIndex: number, geometry: G) => R,
  ): Promise<StageResult<R>[]> {
    const results: StageResult<R>[] = [];
    const chunk = Math.max(1, Math.min(this.engine.maxBatch, MAX_CHUNK));
    for (let start = 0; start < pixels.length; start += chunk) {
      const n = Math.min(chunk, pixels.length - start);
      const data = this.input(n);
      const geometries: G[] = [];
      const pre: number[] = [];
      for (let b = 0; b < n; b++) {
        const t = performance.now();
        geometries.push(preprocess(pixels[start + b], { data, batchIndex: b }));
        pre.push(performance.now() - t);
      }
      const t0 = performance.now();
      const dims = this.engine.inputLayout === 'nhwc' ? [n, this.height, this.width, 3] : [n, 3, this.height, this.width];
      const { output, bytes } = await this.engine.run({ data, dims });
      const inferenceMs = (performance.now() - t0) / n;
      for (let b = 0; b < n; b++) {
        const t = performance.now();
        const value = postprocess(output, b, geometries[b]);
        results.push({
          value,
          preprocessMs: pre[b],
          inferenceMs,
          postprocessMs: performance.now() - t,
          ...(bytes ? { bytes: { up: bytes.up / n, down: bytes.down / n } } : {}),
        });
      }
    }
    return results;
  }
}
