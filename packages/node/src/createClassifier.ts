/** createClassifier: hybrid (local + Triton, routed per call) when `remote` is given without a backend. */
import { createEngineClassifier, type NodeClassifier } from './engineClassifier.js';
import { createHybridClassifier, type HybridClassifier, type HybridClassifierOptions } from './hybrid/createHybridClassifier.js';
import type { NodeClassifierOptions } from './types.js';

export type { NodeClassifier } from './engineClassifier.js';

export function createClassifier(options: HybridClassifierOptions & { backend?: 'auto' }): Promise<HybridClassifier>;
export function createClassifier(options: NodeClassifierOptions): Promise<NodeClassifier>;
export function createClassifier(options: NodeClassifierOptions | HybridClassifierOptions): Promise<NodeClassifier | HybridClassifier> {
  if (!!options.remote && (options.backend ?? 'auto') === 'auto') return createHybridClassifier(options as HybridClassifierOptions);
  return createEngineClassifier(options);
}
