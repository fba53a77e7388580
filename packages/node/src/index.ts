// Public API of @sightline/node: the Node runtime (sharp decoding, onnxruntime-node / wasm / Triton) and
// the pieces the CLI is built from.
export * from './types.js';
export * from './createDetector.js';
export * from './createClassifier.js';
export { createEngineDetector } from './engineDetector.js';
export { createEngineClassifier } from './engineClassifier.js';
export * from './hybrid/hybridTask.js';
export * from './hybrid/createHybridDetector.js';
export * from './hybrid/createHybridClassifier.js';
export * from './image/decodeImage.js';
export * from './image/toPixels.js';
export type { InferenceEngine, EngineTensor, EngineRun, NodeBackendName, LocalBackendName } from './engines/inferenceEngine.js';
export type { NodeBackendChoice } from './engines/selectEngine.js';
export type { RemoteOptions } from './engines/tritonRemote.js';
export type { NodeModelSource } from './model/loadModelBytes.js';
export { main as runCli } from './cli/main.js';
