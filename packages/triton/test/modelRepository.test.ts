// The model-repository generator: configs parsed back from the generated text, trtexec profile, ensembles,
// compose + nginx, and the writer on real ONNX files from ../shared.
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readModelDescriptor, SightlineError } from '@sightline/core';
import { requireShared, sharedPath } from '@sightline/testkit';
import {
  generateModelRepository,
  generateNginxConf,
  parsePbtxt,
  pbEnum,
  toPbtxt,
  writeModelRepository,
  type PbParsed,
  type RepositoryModelInfo,
} from '../src/modelRepository/index.js';

const yolo: RepositoryModelInfo = {
  inputs: [{ name: 'images', dataType: 'float32', shape: ['batch', 3, 640, 640] }],
  outputs: [{ name: 'output0', dataType: 'float32', shape: ['batch', 84, 8400] }],
};

const msg = (p: PbParsed, k: string, i = 0) => p[k][i] as PbParsed;
const one = (p: PbParsed, k: string) => p[k]?.[0];

function config(files: Record<string, string>, model: string): PbParsed {
  const text = files[`models/${model}/config.pbtxt`];
  expect(text, `config for ${model}`).toBeTypeOf('string');
  return parsePbtxt(text);
}

describe('pbtxt', () => {
  it('writes and reads back scalars, enums, lists and nested messages', () => {
    const text = toPbtxt({ name: 'm', max_batch_size: 8, flag: false, input: [{ name: 'x', data_type: pbEnum('TYPE_FP16'), dims: [3, -1] }], db: { max_queue_delay_microseconds: 100 } });
    const p = parsePbtxt(text);
    expect(p.name).toEqual(['m']);
    expect(p.max_batch_size).toEqual([8]);
    expect(p.flag).toEqual(['false']);
    expect(msg(p, 'input')).toEqual({ name: ['x'], data_type: ['TYPE_FP16'], dims: [3, -1] });
    expect(msg(p, 'db')).toEqual({ max_queue_delay_microseconds: [100] });
  });
  it('parses the hand-written Triton style and rejects garbage', () => {
    const p = parsePbtxt('name: "a" # c\ninput { name: "x" dims: [ 1 ] }\ninput { name: "y" }\nparameters: < key: "k" value: { string_value: "v" } >');
    expect(p.input.length).toBe(2);
    expect(one(msg(p, 'parameters'), 'key')).toBe('k');
    expect(() => parsePbtxt('name: "a" input {')).toThrow(SightlineError);
    expect(() => parsePbtxt('name: @')).toThrow(SightlineError);
  });
});

describe('generateModelRepository', () => {
  it('writes a TensorRT FP16 config with the dynamic batch profile', () => {
    const r = generateModelRepository(yolo, { name: 'yolov8n' });
    expect(r.models).toEqual(['yolov8n', 'yolov8n_preprocess', 'yolov8n_uint8']);
    const c = config(r.files, 'yolov8n');
    expect(c.platform).toEqual(['tensorrt_plan']);
    expect(c.max_batch_size).toEqual([16]);
    expect(msg(c, 'input')).toEqual({ name: ['images'], data_type: ['TYPE_FP16'], dims: [3, 640, 640] });
    expect(msg(c, 'output')).toEqual({ name: ['output0'], data_type: ['TYPE_FP16'], dims: [84, 8400] });
    expect(msg(c, 'dynamic_batching')).toEqual({ preferred_batch_size: [4, 8, 16], max_queue_delay_microseconds: [2000] });
    expect(msg(c, 'instance_group')).toEqual({ kind: ['KIND_GPU'], count: [1] });
    expect(r.onnxCopies).toEqual(['onnx/yolov8n.onnx']);
    const sh = r.files['build-engine.sh'];
    expect(sh).toContain('--minShapes=images:1x3x640x640');
    expect(sh).toContain('--optShapes=images:16x3x640x640');
    expect(sh).toContain('--maxShapes=images:16x3x640x640');
    expect(sh).toContain('--fp16');
    expect(sh).toContain('--inputIOFormats=fp16:chw');
    expect(sh).toContain('--saveEngine=models/yolov8n/1/model.plan');
    expect(sh).toContain('nvcr.io/nvidia/tensorrt:24.08-py3');
    expect(r.files['README.md']).toContain('trtexec --onnx=onnx/yolov8n.onnx');
  });

  it('honours batch options and FP32 when fp16 is off', () => {
    const r = generateModelRepository(yolo, { name: 'det', maxBatchSize: 8, preferredBatchSizes: [2, 32, 8, 2], maxQueueDelayUs: 500, instances: 3, fp16: false, ensembleUint8: false });
    expect(r.models).toEqual(['det']);
    const c = config(r.files, 'det');
    expect(c.max_batch_size).toEqual([8]);
    expect(msg(c, 'dynamic_batching')).toEqual({ preferred_batch_size: [2, 8], max_queue_delay_microseconds: [500] });
    expect(one(msg(c, 'instance_group'), 'count')).toBe(3);
    expect(one(msg(c, 'input'), 'data_type')).toBe('TYPE_FP32');
    expect(r.files['build-engine.sh']).not.toContain('--fp16');
    expect(r.files['build-engine.sh']).toContain('--optShapes=images:8x3x640x640');
  });

  it('writes the UINT8 ensemble: HWC UINT8 in, preprocess, then the model', () => {
    const r = generateModelRepository(yolo, { name: 'y', imgsz: 640 });
    const pre = config(r.files, 'y_preprocess');
    expect(pre.backend).toEqual(['python']);
    expect(msg(pre, 'input')).toEqual({ name: ['images_uint8'], data_type: ['TYPE_UINT8'], dims: [640, 640, 3] });
    expect(msg(pre, 'output')).toEqual({ name: ['images'], data_type: ['TYPE_FP16'], dims: [3, 640, 640] });
    expect(r.files['models/y_preprocess/1/model.py']).toContain('transpose(0, 3, 1, 2)');
    const ens = config(r.files, 'y_uint8');
    expect(ens.platform).toEqual(['ensemble']);
    expect(one(msg(ens, 'input'), 'data_type')).toBe('TYPE_UINT8');
    const steps = msg(ens, 'ensemble_scheduling').step as PbParsed[];
    expect(steps.map((s) => s.model_name[0])).toEqual(['y_preprocess', 'y']);
    // The tensor produced by step 1 is the one consumed by step 2.
    expect(one(msg(steps[0], 'output_map'), 'value')).toBe(one(msg(steps[1], 'input_map'), 'value'));
  });

  it('writes the end-to-end ensemble with server-side NMS settings', () => {
    const r = generateModelRepository(yolo, { name: 'y', end2end: true, conf: 0.3, iou: 0.5, maxDetections: 50 });
    expect(r.models).toEqual(['y', 'y_preprocess', 'y_uint8', 'y_nms', 'y_e2e']);
    const nms = config(r.files, 'y_nms');
    expect(msg(nms, 'input')).toEqual({ name: ['raw'], data_type: ['TYPE_FP16'], dims: [84, 8400] });
    expect(nms.output.map((o) => (o as PbParsed).dims)).toEqual([[50, 6], [1]]);
    const p = Object.fromEntries((nms.parameters as PbParsed[]).map((e) => [e.key[0], one(msg(e, 'value'), 'string_value')]));
    expect(p).toEqual({ layout: 'v8', conf: '0.3', iou: '0.5', max_det: '50' });
    const e2e = config(r.files, 'y_e2e');
    expect((msg(e2e, 'ensemble_scheduling').step as PbParsed[]).map((s) => s.model_name[0])).toEqual(['y_preprocess', 'y', 'y_nms']);
    expect(msg(e2e, 'input')).toEqual({ name: ['images'], data_type: ['TYPE_UINT8'], dims: [640, 640, 3] });
  });

  it('writes onnxruntime and python variants with the ONNX file in the version directory', () => {
    const ort = generateModelRepository(yolo, { name: 'y', backend: 'onnxruntime', ensembleUint8: false });
    const c = config(ort.files, 'y');
    expect(c.platform).toEqual(['onnxruntime_onnx']);
    expect(one(msg(c, 'input'), 'data_type')).toBe('TYPE_FP32');
    expect(ort.onnxCopies).toEqual(['models/y/1/model.onnx']);
    expect(ort.files['build-engine.sh']).toBeUndefined();
    const py = generateModelRepository(yolo, { name: 'y', backend: 'python', device: 'cpu' });
    expect(config(py.files, 'y').backend).toEqual(['python']);
    expect(one(msg(config(py.files, 'y'), 'instance_group'), 'kind')).toBe('KIND_CPU');
    expect(py.files['models/y/1/model.py']).toContain('onnxruntime');
    expect(py.files['compose.yaml']).toContain('pip install --no-cache-dir onnxruntime');
    expect(py.files['compose.yaml']).not.toContain('capabilities: [gpu]');
  });

  it('writes compose with GPUs and nginx with CORS', () => {
    const r = generateModelRepository(yolo, { name: 'y', tritonVersion: '25.01', allowOrigin: ['https://app.example.com', 'http://localhost:5173'] });
    const compose = r.files['compose.yaml'];
    expect(compose).toContain('image: nvcr.io/nvidia/tritonserver:25.01-py3');
    expect(compose).toMatch(/deploy:\n\s+resources:\n\s+reservations:\n\s+devices:\n\s+- driver: nvidia/);
    expect(compose).toContain('./nginx.conf:/etc/nginx/nginx.conf:ro');
    const nginx = r.files['nginx.conf'];
    expect(nginx).toContain('server triton:8000;');
    expect(nginx).toContain('"https://app.example.com" "https://app.example.com";');
    expect(nginx).toContain('Access-Control-Expose-Headers "Inference-Header-Content-Length');
    expect(nginx).toContain('Access-Control-Allow-Headers "Content-Type, Inference-Header-Content-Length, Authorization');
    expect(nginx).toContain('add_header Vary Origin always;');
    expect(nginx).toMatch(/client_max_body_size 1g;/);
    expect(generateNginxConf()).toContain('default "*";');
    // Browsers always ask for gzip: stripped unless compressed responses are wanted.
    expect(generateNginxConf()).toContain('proxy_set_header Accept-Encoding "";');
    expect(generateNginxConf({ compressResponses: true })).not.toContain('Accept-Encoding "";');
  });

  it('rejects bad options and unsupported models with typed errors', () => {
    const bad = (m: RepositoryModelInfo, o: Parameters<typeof generateModelRepository>[1]) => {
      try {
        generateModelRepository(m, o);
      } catch (e) {
        return (e as SightlineError).code;
      }
      return 'no error';
    };
    expect(bad(yolo, { name: 'has space' })).toBe('E_INVALID_OPTION');
    expect(bad(yolo, { name: 'y', maxBatchSize: 0 })).toBe('E_INVALID_OPTION');
    expect(bad(yolo, { name: 'y', backend: 'tensorrt', device: 'cpu' })).toBe('E_INVALID_OPTION');
    expect(bad(yolo, { name: 'y', imgsz: 320 })).toBe('E_INVALID_OPTION');
    expect(bad(yolo, { name: 'y', allowOrigin: 'evil"; return 200;' })).toBe('E_INVALID_OPTION');
    expect(bad({ inputs: [], outputs: yolo.outputs }, { name: 'y' })).toBe('E_INVALID_OPTION');
    const cls: RepositoryModelInfo = { inputs: [{ name: 'input', dataType: 'float32', shape: ['N', 3, 224, 224] }], outputs: [{ name: 'output', dataType: 'float32', shape: ['N', 1000] }] };
    expect(bad(cls, { name: 'c', end2end: true })).toBe('E_INVALID_OPTION');
    expect(bad(cls, { name: 'c' })).toBe('no error');
  });
});

const haveModels = requireShared(['models', 'yolov8n.onnx'], ['models', 'yolov8n_dynamic_batch.onnx'], ['models', 'mobilenetv2-12.onnx'], ['models', 'yolov5n.onnx']);

describe.skipIf(!haveModels)('generateModelRepository on real ONNX files', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const describeFile = (f: string) => readModelDescriptor(readFileSync(sharedPath('models', f)));

  it('caps max_batch_size at a fixed batch dim and says so', () => {
    const r = generateModelRepository(describeFile('yolov8n.onnx'), { name: 'y' });
    expect(config(r.files, 'y').max_batch_size).toEqual([1]);
    expect(r.warnings.join(' ')).toMatch(/fixed batch of 1/);
    expect(r.files['build-engine.sh']).not.toContain('--minShapes');
  });

  it('detects the YOLOv5 layout and MobileNetV2 classification dims', () => {
    const v5 = generateModelRepository(describeFile('yolov5n.onnx'), { name: 'v5', end2end: true });
    expect(config(v5.files, 'v5_nms').parameters.some((e) => one(e as PbParsed, 'key') === 'layout' && one(msg(e as PbParsed, 'value'), 'string_value') === 'v5')).toBe(true);
    const mb = generateModelRepository(describeFile('mobilenetv2-12.onnx'), { name: 'mb', ensembleUint8: false });
    const c = config(mb.files, 'mb');
    expect(msg(c, 'input')).toEqual({ name: ['input'], data_type: ['TYPE_FP16'], dims: [3, 224, 224] });
    expect(msg(c, 'output')).toEqual({ name: ['output'], data_type: ['TYPE_FP16'], dims: [1000] });
  });

  it('writes the repository to disk and refuses to overwrite it', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sightline-repo-'));
    dirs.push(out);
    const onnx = sharedPath('models', 'yolov8n_dynamic_batch.onnx');
    const r = await writeModelRepository({ onnx, outDir: out, name: 'yolov8n', end2end: true });
    expect(r.files).toContain(join(out, 'models', 'yolov8n', 'config.pbtxt'));
    expect(r.files).toContain(join(out, 'onnx', 'yolov8n.onnx'));
    expect(statSync(join(out, 'onnx', 'yolov8n.onnx')).size).toBe(statSync(onnx).size);
    expect(statSync(join(out, 'build-engine.sh')).mode & 0o111).not.toBe(0);
    expect(existsSync(join(out, 'models', 'yolov8n', '1'))).toBe(true);
    expect(existsSync(join(out, 'models', 'yolov8n_e2e', '1'))).toBe(true);
    await expect(writeModelRepository({ onnx, outDir: out, name: 'yolov8n' })).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
    const again = await writeModelRepository({ onnx, outDir: out, name: 'yolov8n', overwrite: true });
    expect(again.files.length).toBeGreaterThan(5);
    await expect(writeModelRepository({ onnx: join(out, 'missing.onnx'), outDir: out, name: 'x' })).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
  });

  it('accepts the model as bytes (the CLI passes what it read) and rejects non-ONNX bytes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sightline-repo-'));
    dirs.push(out);
    const bytes = readFileSync(sharedPath('models', 'mobilenetv2-12.onnx'));
    const r = await writeModelRepository({ model: new Uint8Array(bytes), outDir: out, name: 'mb', backend: 'onnxruntime', ensembleUint8: false });
    expect(r.models).toEqual(['mb']);
    expect(statSync(join(out, 'models', 'mb', '1', 'model.onnx')).size).toBe(bytes.length);
    await expect(writeModelRepository({ onnx: new TextEncoder().encode('not a model'), outDir: join(out, 'x'), name: 'x' })).rejects.toMatchObject({ code: 'E_NOT_ONNX' });
    await expect(writeModelRepository({ outDir: out, name: 'x' })).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
  });
});
