/** createClassifier: the public image classification API (hybrid with `remote`, like createDetector). */
import { EngineClient } from './engineClient.js';
import type { ClassifierOptions, ClassifyOptions, ClassifyResult, ImageSource, ItemError, ModelInfo, RemoteTarget } from './types.js';

export interface Classifier {
  readonly info: ModelInfo;
  classify(source: ImageSource, opts?: ClassifyOptions): Promise<ClassifyResult>;
  classifyBatch(sources: ImageSource[], opts?: ClassifyOptions): Promise<ClassifyResult[]>;
  dispose(): Promise<void>;
}

export interface HybridClassifier extends Omit<Classifier, 'classifyBatch'> {
  classifyBatch(sources: ImageSource[], opts?: ClassifyOptions): Promise<Array<ClassifyResult | ItemError>>;
}

export function createClassifier(options: ClassifierOptions & { remote: RemoteTarget }): Promise<HybridClassifier>;
export function createClassifier(options: ClassifierOptions): Promise<Classifier>;
export async function createClassifier(options: ClassifierOptions): Promise<Classifier | HybridClassifier> {
  const c = await EngineClient.create('classify', options);
  const keep = (o?: ClassifyOptions) => o?.keepSource ?? false;
  if (options.remote) {
    return {
      get info() {
        return c.info;
      },
      async classify(source, opts) {
        const [o] = await c.sendSettled<ClassifyResult>('classify', [source], { topK: opts?.topK }, keep(opts));
        if ('error' in o) throw o.error;
        return o;
      },
      classifyBatch: (sources, opts) => c.sendSettled<ClassifyResult>('classify', sources, { topK: opts?.topK }, keep(opts)),
      dispose: () => c.dispose(),
    } satisfies HybridClassifier;
  }
  return {
    get info() {
      return c.info;
    },
    classify: async (source, opts) => (await c.send<ClassifyResult>('classify', [source], { topK: opts?.topK }, keep(opts)))[0],
    classifyBatch: (sources, opts) => c.send<ClassifyResult>('classify', sources, { topK: opts?.topK }, keep(opts)),
    dispose: () => c.dispose(),
  };
}
