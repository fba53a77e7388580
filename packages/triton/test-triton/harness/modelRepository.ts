// Writes a Triton model repository of python-backend models for the integration tests. The ONNX files are
// read from ../shared at run time (never copied into the repo); the model code lives next to this file.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath } from '@sightline/testkit';

const here = dirname(fileURLToPath(import.meta.url));

export type TestModelName = 'yolov8n' | 'yolov8n_uint8' | 'yolov8n_fp16' | 'yolov8n_e2e' | 'mobilenetv2' | 'echo';

export const ALL_TEST_MODELS: readonly TestModelName[] = ['yolov8n', 'yolov8n_uint8', 'yolov8n_fp16', 'yolov8n_e2e', 'mobilenetv2', 'echo'];

export interface ModelRepositoryOptions {
  models?: readonly TestModelName[];
  /** max_batch_size of the image models (default 8). */
  maxBatchSize?: number;
  /** instance_group count of the image models (default 1: CI has 2 cores). */
  instances?: number;
  /** onnxruntime intra-op threads per instance (default 2). */
  threads?: number;
}

const params = (p: Record<string, string>) =>
  `parameters [\n${Object.entries(p).map(([k, v]) => `  { key: "${k}" value: { string_value: "${v}" } }`).join(',\n')}\n]\n`;

function imageModel(o: { inType: string; outType: string; outDims: string; maxBatch: number; instances: number; p: Record<string, string>; input: string; output: string; inDims: string }): string {
  return `backend: "python"
max_batch_size: ${o.maxBatch}
input [ { name: "${o.input}" data_type: ${o.inType} dims: ${o.inDims} } ]
output [ { name: "${o.output}" data_type: ${o.outType} dims: ${o.outDims} } ]
dynamic_batching { max_queue_delay_microseconds: 2000 }
instance_group [ { count: ${o.instances} kind: KIND_CPU } ]
${params(o.p)}`;
}

const ECHO_TYPES: [string, string][] = [
  ['BYTES', 'TYPE_STRING'], ['FP32', 'TYPE_FP32'], ['FP16', 'TYPE_FP16'], ['FP64', 'TYPE_FP64'], ['UINT8', 'TYPE_UINT8'], ['INT8', 'TYPE_INT8'],
  ['INT16', 'TYPE_INT16'], ['UINT16', 'TYPE_UINT16'], ['INT32', 'TYPE_INT32'], ['UINT32', 'TYPE_UINT32'], ['INT64', 'TYPE_INT64'],
  ['UINT64', 'TYPE_UINT64'], ['BOOL', 'TYPE_BOOL'],
];

/** Echo model tensor names: IN_<DT> → OUT_<DT> for each KServe datatype it covers. */
export const ECHO_DATATYPES = ECHO_TYPES.map(([dt]) => dt);

function echoConfig(): string {
  const ins = ECHO_TYPES.map(([dt, t]) => `  { name: "IN_${dt}" data_type: ${t} dims: [ -1 ] optional: true }`).join(',\n');
  const outs = ECHO_TYPES.map(([dt, t]) => `  { name: "OUT_${dt}" data_type: ${t} dims: [ -1 ] }`).join(',\n');
  return `backend: "python"\nmax_batch_size: 0\ninput [\n${ins}\n]\noutput [\n${outs}\n]\ninstance_group [ { count: 1 kind: KIND_CPU } ]\n`;
}

/** Write the repository into `dir` (created). Returns the model names written. */
export function writeTestModelRepository(dir: string, options: ModelRepositoryOptions = {}): TestModelName[] {
  const models = [...(options.models ?? ALL_TEST_MODELS)];
  const maxBatch = options.maxBatchSize ?? 8;
  const instances = options.instances ?? 1;
  const threads = String(options.threads ?? 2);
  const yolo = () => sharedPath('models', 'yolov8n_dynamic_batch.onnx');
  for (const name of models) {
    const m = join(dir, name);
    mkdirSync(join(m, '1'), { recursive: true });
    let config: string;
    let code: string;
    const common = { maxBatch, instances, input: 'images', output: 'output0', inDims: '[ 3, 640, 640 ]' };
    switch (name) {
      case 'yolov8n':
        config = imageModel({ ...common, inType: 'TYPE_FP32', outType: 'TYPE_FP32', outDims: '[ 84, 8400 ]', p: { onnx_path: yolo(), threads } });
        code = 'yolo_model.py';
        break;
      case 'yolov8n_uint8':
        config = imageModel({ ...common, inType: 'TYPE_UINT8', outType: 'TYPE_FP32', outDims: '[ 84, 8400 ]', p: { onnx_path: yolo(), threads } });
        code = 'yolo_model.py';
        break;
      case 'yolov8n_fp16':
        config = imageModel({ ...common, inType: 'TYPE_FP16', outType: 'TYPE_FP16', outDims: '[ 84, 8400 ]', p: { onnx_path: yolo(), threads } });
        code = 'yolo_model.py';
        break;
      case 'yolov8n_e2e':
        config = imageModel({ ...common, inType: 'TYPE_UINT8', outType: 'TYPE_FP32', outDims: '[ 300, 6 ]', output: 'detections', p: { onnx_path: yolo(), threads, mode: 'e2e', conf: '0.25', iou: '0.7', max_det: '300' } });
        code = 'yolo_model.py';
        break;
      case 'mobilenetv2':
        config = imageModel({ ...common, input: 'input', output: 'output', inDims: '[ 3, 224, 224 ]', inType: 'TYPE_FP32', outType: 'TYPE_FP32', outDims: '[ 1000 ]', p: { onnx_path: sharedPath('models', 'mobilenetv2-12.onnx'), threads } });
        code = 'classify_model.py';
        break;
      case 'echo':
        config = echoConfig();
        code = 'echo_model.py';
        break;
    }
    writeFileSync(join(m, 'config.pbtxt'), `name: "${name}"\n${config}`);
    copyFileSync(join(here, 'models', code), join(m, '1', 'model.py'));
  }
  return models;
}
