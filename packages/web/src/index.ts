// Public API of @sightline/web: detection and classification in a Web Worker on WebGPU (WASM fallback).
export { createDetector, type Detector } from './detector.js';
export { createClassifier, type Classifier } from './classifier.js';
export { createWorker } from './workerClient.js';
export { DEFAULT_CACHE_NAME } from './modelLoader.js';
export { evictModel, clearModelCache } from './modelCache.js';
export type * from './types.js';
