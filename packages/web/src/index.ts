// Public API of @sightline/web: detection and classification in a Web Worker on WebGPU (WASM fallback).
export { createDetector, isItemError, type Detector, type HybridDetector } from './detector.js';
export { createClassifier, type Classifier, type HybridClassifier } from './classifier.js';
export { createWorker } from './workerClient.js';
export { DEFAULT_CACHE_NAME } from './modelLoader.js';
export { evictModel, clearModelCache } from './modelCache.js';
export type * from './types.js';
export { watch, type FrameDetector, type WatchHandle, type WatchOptions, type WatchResult } from './video/watch.js';
export type { WatchStats } from './video/watchStats.js';
export { drawDetections, type DrawOptions, type Context2D } from './overlay/drawDetections.js';
export { createOverlay, type Overlay, type OverlayOptions, type OverlayTarget } from './overlay/overlayCanvas.js';
export { fitRect, mapBox, lineWidthFor, isObjectFit, type FittedRect, type ObjectFit } from './overlay/fitRect.js';
export { classColor, textColorOn } from './overlay/palette.js';
export type { GpuBufferStats } from './gpu/bufferStats.js';
