/** createClassifier: the public image classification API. */
import { EngineClient } from './engineClient.js';
import type { ClassifierOptions, ClassifyOptions, ClassifyResult, ImageSource, ModelInfo } from './types.js';

export interface Classifier {
  readonly info: ModelInfo;
  classify(source: ImageSource, opts?: ClassifyOptions): Promise<ClassifyResult>;
  classifyBatch(sources: ImageSource[], opts?: ClassifyOptions): Promise<ClassifyResult[]>;
  dispose(): Promise<void>;
}

export async function createClassifier(options: ClassifierOptions): Promise<Classifier> {
  const c = await EngineClient.create('classify', options);
  return {
    get info() {
      return c.info;
    },
    classify: async (source, opts) => (await c.send<ClassifyResult>('classify', [source], { topK: opts?.topK }, opts?.keepSource ?? false))[0],
    classifyBatch: (sources, opts) => c.send<ClassifyResult>('classify', sources, { topK: opts?.topK }, opts?.keepSource ?? false),
    dispose: () => c.dispose(),
  };
}
