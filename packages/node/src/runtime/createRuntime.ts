/** Model plan + engine for one detector/classifier, shared by createDetector and createClassifier. */
import type { EngineModel, InferenceEngine } from '../engines/inferenceEngine.js';
import { selectEngine } from '../engines/selectEngine.js';
import { loadModelBytes } from '../model/loadModelBytes.js';
import { planModel, type ModelPlan } from '../model/modelPlan.js';
import type { NodeEngineOptions, NodeModelInfo } from '../types.js';

export interface Runtime {
  plan: ModelPlan;
  engine: InferenceEngine;
  info: NodeModelInfo;
}

export async function createRuntime(task: 'detect' | 'classify', o: NodeEngineOptions): Promise<Runtime> {
  const bytes = await loadModelBytes(o.model);
  const plan = planModel(bytes, task, { labels: o.labels, layout: o.layout, inputSize: o.inputSize });
  const model: EngineModel = { inputName: plan.inputName, outputName: plan.outputName, inputDataType: plan.inputDataType, maxBatch: plan.maxBatch, inputSize: [plan.height, plan.width], layout: plan.layout };
  const { engine, fallbacks } = await selectEngine(bytes, model, { backend: o.backend ?? 'auto', remote: o.remote, intraOpNumThreads: o.intraOpNumThreads });
  const info: NodeModelInfo = {
    backend: engine.backend,
    task,
    inputName: plan.inputName,
    outputName: plan.outputName,
    inputDataType: engine.inputDataType,
    inputSize: [plan.height, plan.width],
    layout: engine.outputLayout ?? plan.layout,
    labels: plan.labels,
    maxBatch: engine.maxBatch,
    modelBytes: plan.modelBytes,
    fallbacks,
  };
  return { plan, engine, info };
}
