/**
 * One detector over a local engine and a Triton server, routed per call (see hybridTask.ts). detectBatch
 * returns exactly one outcome per image, in order: a result with `route` provenance, or `{ error, route }`.
 */
import type { HybridRouter } from '@sightline/core';
import { createEngineDetector } from '../engineDetector.js';
import type { NodeImageInput } from '../image/toPixels.js';
import type { RemoteOptions } from '../engines/tritonRemote.js';
import type { NodeDetectOptions, NodeDetectResult, NodeDetectorOptions, NodeModelInfo } from '../types.js';
import { createHybridTaskFor, isItemError, type HybridItem, type HybridItemError, type HybridOptions, type RouteProvenance } from './hybridTask.js';

export type HybridDetectorOptions = NodeDetectorOptions & HybridOptions & { remote: RemoteOptions };
export type HybridDetectResult = NodeDetectResult & { route: RouteProvenance };
export type HybridDetectOutcome = HybridDetectResult | HybridItemError;

export interface HybridDetector {
  detect(image: NodeImageInput, opts?: NodeDetectOptions): Promise<HybridDetectResult>;
  /** Exactly one outcome per image, in order; one bad image never fails the others. */
  detectBatch(images: readonly NodeImageInput[], opts?: NodeDetectOptions): Promise<HybridDetectOutcome[]>;
  readonly info: { local: NodeModelInfo; remote: NodeModelInfo | null };
  readonly router: HybridRouter<HybridItem<NodeDetectOptions>, NodeDetectResult>;
  dispose(): Promise<void>;
}

export async function createHybridDetector(options: HybridDetectorOptions): Promise<HybridDetector> {
  const task = await createHybridTaskFor<NodeDetectorOptions, NodeDetectOptions, NodeDetectResult>(options, async (base, backend) => {
    const d = await createEngineDetector({ ...base, backend });
    return { runBatch: (px, o) => d.detectBatch(px, o), dispose: () => d.dispose(), info: d.info };
  });
  return {
    get info() {
      return task.info;
    },
    router: task.router,
    detectBatch: (images, opts = {}) => task.run(images, opts),
    async detect(image, opts = {}) {
      const [o] = await task.run([image], opts);
      if (isItemError(o)) throw o.error;
      return o;
    },
    dispose: () => task.dispose(),
  };
}
