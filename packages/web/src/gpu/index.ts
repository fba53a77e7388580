// WebGPU pre/post-processing passes and the shared device (used by the WebGPU engine and the TF.js engine).
export * from './sharedDevice.js';
export * from './sourceUpload.js';
export * from './resizeTables.js';
export * from './letterboxPass.js';
export * from './classifyCropPass.js';
export * from './candidatePass.js';
export * from './gpuDetectPath.js';
export * from './bufferStats.js';
export { sharedGpuBufferStats } from './sharedDevice.js';
