// TF.js engine (graph/layers models on tfjs WebGPU, sharing the context's GPUDevice; wasm/cpu fallback).
export * from './tfjsBackend.js';
export * from './tfjsEngine.js';
