export * from './shared.js';
export * from './referenceMatch.js';
export * from './onnxWriter.js';
export * from './tinyModels.js';
export * from './pycocotools.js';
export * from './nodePipeline.js';
