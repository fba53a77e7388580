// Public API of @sightline/core. Platform-neutral: no DOM, no Node built-ins, no runtime dependencies.
export * from './errors.js';
export * from './types.js';
export * from './geometry/roundHalfEven.js';
export * from './geometry/letterbox.js';
export * from './decode/outputLayout.js';
export * from './routing/index.js';
export * from './eval/index.js';
export * from './tracking/iouTracker.js';
export * from './float16.js';
export * from './decode/candidateBuffer.js';
export * from './decode/decodeScratch.js';
export * from './decode/decodeYoloV8.js';
export * from './decode/decodeYoloV5.js';
export * from './decode/decodeEndToEnd.js';
export * from './decode/detectionDecoder.js';
export * from './nms/scoreSorter.js';
export * from './nms/nms.js';
