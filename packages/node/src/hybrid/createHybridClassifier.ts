/** The classifier twin of createHybridDetector: same routing, same per-item outcomes and provenance. */
import type { HybridRouter } from '@sightline/core';
import { createEngineClassifier } from '../engineClassifier.js';
import type { NodeImageInput } from '../image/toPixels.js';
import type { RemoteOptions } from '../engines/tritonRemote.js';
import type { NodeClassifierOptions, NodeClassifyOptions, NodeClassifyResult, NodeModelInfo } from '../types.js';
import { createHybridTaskFor, isItemError, type HybridItem, type HybridItemError, type HybridOptions, type RouteProvenance } from './hybridTask.js';

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
  const task = await createHybridTaskFor<NodeClassifierOptions, NodeClassifyOptions, NodeClassifyResult>(options, async (base, backend) => {
    const c = await createEngineClassifier({ ...base, backend });
    return { runBatch: (px, o) => c.classifyBatch(px, o), dispose: () => c.dispose(), info: c.info };
  });
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
