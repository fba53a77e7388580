/**
 * Node object detector: sharp decoding → core letterbox → onnxruntime-node (or wasm, or Triton) → core
 * decode + NMS. Same API shape as @sightline/web's createDetector.
 */
import { DetectionDecoder, EngineError, LetterboxPreprocessor, resolveDetectOptions, SerialQueue, type Detection, type LetterboxGeometry, type PixelBuffer } from '@sightline/core';
import { toPixels, type NodeImageInput } from './image/toPixels.js';
import { BatchRunner } from './runtime/batchRunner.js';
import { resultFields } from './runtime/resultFields.js';
import { createRuntime } from './runtime/createRuntime.js';
import type { NodeDetectOptions, NodeDetectorOptions, NodeDetectResult, NodeModelInfo } from './types.js';

export interface NodeDetector {
  detect(image: NodeImageInput, opts?: NodeDetectOptions): Promise<NodeDetectResult>;
  /** One result per image, in order; dynamic-batch models run the images as batches. */
  detectBatch(images: readonly NodeImageInput[], opts?: NodeDetectOptions): Promise<NodeDetectResult[]>;
  readonly info: NodeModelInfo;
  dispose(): Promise<void>;
}

export async function createEngineDetector(options: NodeDetectorOptions): Promise<NodeDetector> {
  // Validate the defaults now, so a bad option fails at creation rather than at the first frame.
  const defaults = resolveDetectOptions({ conf: options.conf, iou: options.iou, maxDet: options.maxDet });
  const { plan, engine, info } = await createRuntime('detect', options);
  const letterbox = new LetterboxPreprocessor();
  const decoder = new DetectionDecoder({ labels: plan.labels });
  const runner = new BatchRunner(engine, plan.width, plan.height);
  const queue = new SerialQueue();
  const decodeOpts = { maxPixels: options.maxPixels };
  let disposed = false;

  const check = (): void => {
    if (disposed) throw new EngineError('E_DISPOSED', 'detector is disposed');
  };

  async function detectBatch(images: readonly NodeImageInput[], opts: NodeDetectOptions = {}): Promise<NodeDetectResult[]> {
    check();
    const o = { conf: opts.conf ?? defaults.conf, iou: opts.iou ?? defaults.iou, maxDet: opts.maxDet ?? defaults.maxDet, classes: opts.classes };
    resolveDetectOptions(o);
    const decoded = await Promise.all(images.map((im) => toPixels(im, decodeOpts)));
    return queue.run(async () => {
      check();
      const pixels: PixelBuffer[] = decoded.map((d) => d.pixels);
      const staged = await runner.run<LetterboxGeometry, Detection[]>(
        pixels,
        (px, out) => letterbox.run(px, { width: plan.width, height: plan.height, dtype: engine.inputDataType, layout: engine.inputLayout ?? 'nchw', out }).geometry,
        (output, b, geometry) => decoder.decode(output, info.layout, geometry, o, b),
      );
      return staged.map((s, i) => ({ detections: s.value, ...resultFields(engine.backend, pixels[i], decoded[i].decodeMs, s) }));
    });
  }

  return {
    info,
    detectBatch,
    async detect(image, opts) {
      const [r] = await detectBatch([image], opts);
      return r;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await queue.run(() => engine.dispose());
    },
  };
}
