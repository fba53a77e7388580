/**
 * createDetector: with `remote` and no explicit backend, a hybrid detector that routes each call between the
 * local engine and Triton (issue: one API, three paths); otherwise a single-engine detector.
 */
import type { RemoteOptions } from './engines/tritonRemote.js';
import { createEngineDetector, type NodeDetector } from './engineDetector.js';
import { createHybridDetector, type HybridDetector, type HybridDetectorOptions } from './hybrid/createHybridDetector.js';
import type { NodeDetectorOptions } from './types.js';

export type { NodeDetector } from './engineDetector.js';

export function createDetector(options: HybridDetectorOptions & { backend?: 'auto' }): Promise<HybridDetector>;
export function createDetector(options: NodeDetectorOptions): Promise<NodeDetector>;
export function createDetector(options: NodeDetectorOptions | HybridDetectorOptions): Promise<NodeDetector | HybridDetector> {
  if (isHybrid(options)) return createHybridDetector(options);
  return createEngineDetector(options);
}

function isHybrid(o: NodeDetectorOptions): o is HybridDetectorOptions {
  return !!o.remote && (o.backend ?? 'auto') === 'auto';
}
export type { RemoteOptions };
