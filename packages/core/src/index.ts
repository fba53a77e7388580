// Public API of @sightline/core. Platform-neutral: no DOM, no Node built-ins, no runtime dependencies.
export * from './errors.js';
export * from './types.js';
export * from './geometry/roundHalfEven.js';
export * from './geometry/letterbox.js';
export * from './decode/outputLayout.js';
export * from './routing/index.js';
export * from './eval/index.js';
export * from './tracking/iouTracker.js';
