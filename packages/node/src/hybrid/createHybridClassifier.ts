/** The classifier twin of createHybridDetector: same routing, same per-item outcomes and provenance. */
import type { HybridRouter } from '@sightline/core';
import { createEngineClassifier } from '../engineClassifier.js';
import type { NodeImageInput } from '../image/toPixels.js';
import type { RemoteOptions } from '../engines/tritonRemote.js';
import type { NodeClassifierOptions, NodeClassifyOptions, NodeClassifyResult, NodeModelInfo } from '../types.js';
import { createHybridTask, isItemError, type HybridItem, type HybridItemError, type HybridOptions, type RouteProvenance } from './hybridTask.js';

export type HybridClassifierOptions = NodeClassifierOptions & HybridOptions & { remote: RemoteOptions };
export type HybridClassifyResult = NodeClassifyResult & { route: RouteProvenance };
export type HybridClassifyOutcome = HybridClassifyResult | HybridItemError;

export interface HybridClassifier {
  classify(image: NodeImageInput, opts?: NodeClassifyOptions): Promise<HybridClassifyResult>;
  classifyBatch(images: readonly NodeImageInput[], opts?: NodeClassifyOptions): Promise<HybridClassifyOutcome[]>;
  readonly info: { local: NodeModelInfo; remote: NodeModelInfo | null };
  readonly router: HybridRouter<HybridItem<NodeClassifyOptions>, NodeClassifyResult>;
  dispose(): Promise<void>;
}

export async function createHybridClassifier(options: HybridClassifierOptions): Promise<HybridClassifier> {
  const { policy, breaker, contention, onRoute, remoteRetryMs, localBackend = 'auto', localPrior, remotePrior, probe, ...base } = options;
  const engine = async (backend: 'auto' | 'cpu' | 'webgpu' | 'wasm' | 'remote') => {
    const c = await createEngineClassifier({ ...base, backend });
    return { runBatch: (px: Parameters<typeof c.classifyBatch>[0], o: NodeClassifyOptions) => c.classifyBatch(px, o), dispose: () => c.dispose(), info: c.info };
  };
  const task = await createHybridTask<NodeClassifyOptions, NodeClassifyResult>(
    { policy, breaker, contention, onRoute, remoteRetryMs, localBackend, localPrior, remotePrior, probe, probeOptions: {}, remote: options.remote, maxPixels: options.maxPixels },
    () => engine(localBackend),
    () => engine('remote'),
  );
  return {
    get info() {
      return task.info;
    },
    router: task.router,
    classifyBatch: (images, opts = {}) => task.run(images, opts),
    async classify(image, opts = {}) {
      const [o] = await task.run([image], opts);
      if (isItemError(o)) throw o.error;
      return o;
    },
    dispose: () => task.dispose(),
  };
}
