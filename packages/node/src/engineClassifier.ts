/** Node image classifier: sharp decoding → core resize + center crop → runtime → core top-k. */
import { ClassifyPreprocessor, EngineError, LayoutError, OptionError, classifyTopK, SerialQueue, type ClassScore, type PixelBuffer } from '@sightline/core';
import { toPixels, type NodeImageInput } from './image/toPixels.js';
import { BatchRunner } from './runtime/batchRunner.js';
import { resultFields } from './runtime/resultFields.js';
import { createRuntime } from './runtime/createRuntime.js';
import type { NodeClassifierOptions, NodeClassifyOptions, NodeClassifyResult, NodeModelInfo } from './types.js';

export interface NodeClassifier {
  classify(image: NodeImageInput, opts?: NodeClassifyOptions): Promise<NodeClassifyResult>;
  classifyBatch(images: readonly NodeImageInput[], opts?: NodeClassifyOptions): Promise<NodeClassifyResult[]>;
  readonly info: NodeModelInfo;
  dispose(): Promise<void>;
}

function checkTopK(k: unknown): number {
  if (!Number.isInteger(k) || (k as number) < 1) throw new OptionError('E_INVALID_OPTION', `topK must be a positive integer, got ${String(k)}`);
  return k as number;
}

export async function createEngineClassifier(options: NodeClassifierOptions): Promise<NodeClassifier> {
  const defaultTopK = checkTopK(options.topK ?? 5);
  const { plan, engine, info } = await createRuntime('classify', options);
  if (plan.width !== plan.height) {
    await engine.dispose();
    throw new OptionError('E_INVALID_OPTION', `classifier input must be square, got ${plan.width}×${plan.height}`);
  }
  if (engine.inputDataType === 'uint8' || engine.inputLayout === 'nhwc') {
    // The mean/std normalisation happens here: a server model must take the normalised float tensor.
    await engine.dispose();
    throw new LayoutError('E_UNSUPPORTED_DTYPE', `a remote classifier must take a float [3,S,S] input; '${options.remote?.model}' takes ${engine.inputDataType} ${engine.inputLayout ?? 'nchw'}`);
  }
  const crop = new ClassifyPreprocessor();
  const runner = new BatchRunner(engine, plan.width, plan.height);
  const queue = new SerialQueue();
  let disposed = false;
  const check = (): void => {
    if (disposed) throw new EngineError('E_DISPOSED', 'classifier is disposed');
  };

  async function classifyBatch(images: readonly NodeImageInput[], opts: NodeClassifyOptions = {}): Promise<NodeClassifyResult[]> {
    check();
    const topK = checkTopK(opts.topK ?? defaultTopK);
    const decoded = await Promise.all(images.map((im) => toPixels(im, { maxPixels: options.maxPixels })));
    return queue.run(async () => {
      check();
      const pixels: PixelBuffer[] = decoded.map((d) => d.pixels);
      const staged = await runner.run<null, ClassScore[]>(
        pixels,
        (px, out) => {
          crop.run(px, { size: plan.width, variant: plan.classifyVariant, dtype: engine.inputDataType, out });
          return null;
        },
        (output, b) => {
          const activation = plan.layout.kind === 'classification' ? plan.layout.activation : 'auto';
          return classifyTopK(output, { topK, labels: plan.labels, activation, batchIndex: b });
        },
      );
      return staged.map((s, i) => ({ classes: s.value, ...resultFields(engine.backend, pixels[i], decoded[i].decodeMs, s) }));
    });
  }

  return {
    info,
    classifyBatch,
    async classify(image, opts) {
      const [r] = await classifyBatch([image], opts);
      return r;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await queue.run(() => engine.dispose());
    },
  };
}
