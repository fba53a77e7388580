// The HTTP client against a real tritonserver (python-backend models on CPU).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteError } from '@sightline/core';
import { requireShared } from '@sightline/testkit';
import { TritonHttpClient, TritonHttpError, bytesToStrings, float16ToFloat32, float32ToFloat16, type HttpTransport } from '../src/index.js';
import { nodeHttpTransport } from '../src/node.js';
import { startTritonServer, type TritonServerHandle } from './harness/index.js';

const ok = requireShared(['models', 'yolov8n_dynamic_batch.onnx'], ['models', 'mobilenetv2-12.onnx']);

function image(seed: number, n = 3 * 640 * 640): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = (s >>> 24) / 255;
  }
  return a;
}

// One server; every test runs with the default fetch transport and with the node:http one.
const transports: [string, () => HttpTransport | undefined][] = [['fetch', () => undefined], ['node:http', () => nodeHttpTransport()]];

describe.skipIf(!ok)('TritonHttpClient against tritonserver', () => {
  let server: TritonServerHandle;
  beforeAll(async () => {
    server = await startTritonServer({ models: ['yolov8n', 'yolov8n_uint8', 'yolov8n_fp16', 'mobilenetv2', 'echo'] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe.each(transports)('transport %s', (_name, transport) => {
  let client: TritonHttpClient;
  beforeAll(() => {
    client = new TritonHttpClient({ url: server.httpUrl, transport: transport() });
  });
  afterAll(async () => {
    await client?.close();
  });

  it('reports health and server metadata', async () => {
    expect(await client.serverLive()).toBe(true);
    expect(await client.serverReady()).toBe(true);
    const md = await client.serverMetadata();
    expect(md.name).toBe('triton');
    expect(md.extensions).toContain('binary_tensor_data');
    expect(await client.modelReady('yolov8n')).toBe(true);
    expect(await client.modelReady('no_such_model')).toBe(false);
  });

  it('reads model metadata and config', async () => {
    const md = await client.modelMetadata('yolov8n');
    expect(md.inputs).toEqual([{ name: 'images', datatype: 'FP32', shape: [-1, 3, 640, 640] }]);
    expect(md.outputs).toEqual([{ name: 'output0', datatype: 'FP32', shape: [-1, 84, 8400] }]);
    const cfg = await client.modelConfig('yolov8n_uint8');
    expect(cfg.maxBatchSize).toBe(8);
    expect(cfg.inputs[0]).toEqual({ name: 'images', datatype: 'UINT8', dims: [3, 640, 640] });
    expect(cfg.backend).toBe('python');
    expect(cfg.dynamicBatching?.maxQueueDelayMicroseconds).toBe(2000);
    expect(cfg.instanceCount).toBe(1);
    const v = await client.modelConfig('yolov8n', { version: '1' });
    expect(v.name).toBe('yolov8n');
  });

  it('runs FP32, UINT8 and FP16 inputs to the same detections tensor', async () => {
    const x = image(7);
    const u8 = new Uint8Array(x.length);
    for (let i = 0; i < x.length; i++) u8[i] = Math.round(x[i] * 255);
    const f32 = await client.infer('yolov8n', { inputs: [{ name: 'images', datatype: 'FP32', shape: [1, 3, 640, 640], data: x }] });
    expect(f32.outputs[0].shape).toEqual([1, 84, 8400]);
    expect(f32.outputs[0].datatype).toBe('FP32');
    expect(f32.bytesSent).toBeGreaterThan(x.byteLength);
    expect(f32.bytesReceived).toBeGreaterThan(84 * 8400 * 4);
    const a = f32.outputs[0].data as Float32Array;
    const q = await client.infer('yolov8n_uint8', { inputs: [{ name: 'images', datatype: 'UINT8', shape: [1, 3, 640, 640], data: u8 }] });
    expect(q.bytesSent).toBeLessThan(f32.bytesSent / 3.9);
    const b = q.outputs[0].data as Float32Array;
    const h = await client.infer('yolov8n_fp16', { inputs: [{ name: 'images', datatype: 'FP16', shape: [1, 3, 640, 640], data: float32ToFloat16(x) }] });
    expect(h.outputs[0].datatype).toBe('FP16');
    const c = float16ToFloat32(h.outputs[0].data as Uint16Array);
    let maxAB = 0;
    let maxAC = 0;
    for (let i = 0; i < 4 * 8400; i++) {
      maxAB = Math.max(maxAB, Math.abs(a[i] - b[i]));
      maxAC = Math.max(maxAC, Math.abs(a[i] - c[i]));
    }
    expect(maxAB).toBeLessThan(1e-2);
    expect(maxAC).toBeLessThan(1);
  });

  it('round-trips every datatype through the echo model, binary and JSON', async () => {
    const inputs = [
      { name: 'IN_BYTES', datatype: 'BYTES' as const, shape: [3], data: ['héllo', '', 'x'.repeat(300)] },
      { name: 'IN_FP32', datatype: 'FP32' as const, shape: [3], data: new Float32Array([1.5, -2, 3e30]) },
      { name: 'IN_FP64', datatype: 'FP64' as const, shape: [2], data: new Float64Array([Math.PI, -1e300]) },
      { name: 'IN_UINT8', datatype: 'UINT8' as const, shape: [2], data: new Uint8Array([0, 255]) },
      { name: 'IN_INT8', datatype: 'INT8' as const, shape: [2], data: new Int8Array([-128, 127]) },
      { name: 'IN_INT16', datatype: 'INT16' as const, shape: [2], data: new Int16Array([-32768, 7]) },
      { name: 'IN_UINT16', datatype: 'UINT16' as const, shape: [1], data: new Uint16Array([65535]) },
      { name: 'IN_INT32', datatype: 'INT32' as const, shape: [2], data: new Int32Array([-5, 2 ** 31 - 1]) },
      { name: 'IN_UINT32', datatype: 'UINT32' as const, shape: [1], data: new Uint32Array([2 ** 32 - 1]) },
      { name: 'IN_INT64', datatype: 'INT64' as const, shape: [2], data: new BigInt64Array([-(2n ** 40n), 42n]) },
      { name: 'IN_UINT64', datatype: 'UINT64' as const, shape: [1], data: new BigUint64Array([2n ** 50n]) },
      { name: 'IN_BOOL', datatype: 'BOOL' as const, shape: [3], data: [true, false, true] },
    ];
    const r = await client.infer('echo', { inputs });
    const by = new Map(r.outputs.map((o) => [o.name, o]));
    expect(bytesToStrings(by.get('OUT_BYTES')!.data)).toEqual(['héllo', '', 'x'.repeat(300)]);
    for (const i of inputs.slice(1)) {
      const o = by.get(i.name.replace('IN_', 'OUT_'))!;
      expect(o.datatype).toBe(i.datatype);
      expect(o.shape).toEqual(i.shape);
      expect(Array.from(o.data as ArrayLike<unknown>)).toEqual(Array.from(i.data as ArrayLike<unknown>));
    }
    const json = new TritonHttpClient({ transport: transport(), url: server.httpUrl, binaryInputs: false, binaryOutputs: false });
    const jr = await json.infer('echo', { inputs: inputs.filter((i) => i.name !== 'IN_UINT64') });
    expect(jr.bytesSent).toBeLessThan(2000);
    const jb = new Map(jr.outputs.map((o) => [o.name, o]));
    expect(bytesToStrings(jb.get('OUT_BYTES')!.data)).toEqual(['héllo', '', 'x'.repeat(300)]);
    expect(Array.from(jb.get('OUT_INT64')!.data as BigInt64Array)).toEqual([-(2n ** 40n), 42n]);
    expect(jb.get('OUT_BOOL')!.data).toEqual([true, false, true]);
    expect(Array.from(jb.get('OUT_FP32')!.data as Float32Array)).toEqual([1.5, -2, Math.fround(3e30)]);
  });

  it('asks for specific outputs and mixes binary and JSON outputs', async () => {
    const r = await client.infer('echo', {
      inputs: [
        { name: 'IN_INT32', datatype: 'INT32', shape: [2], data: new Int32Array([1, 2]) },
        { name: 'IN_FP32', datatype: 'FP32', shape: [1], data: new Float32Array([0.25]) },
      ],
      outputs: [{ name: 'OUT_INT32', binary: false }, { name: 'OUT_FP32' }],
      id: 'req-1',
      parameters: { priority: 0 },
    });
    expect(r.id).toBe('req-1');
    expect(r.outputs.map((o) => o.name).sort()).toEqual(['OUT_FP32', 'OUT_INT32']);
    expect(Array.from(r.outputs.find((o) => o.name === 'OUT_INT32')!.data as Int32Array)).toEqual([1, 2]);
  });

  it('compresses requests and accepts compressed responses', async () => {
    const c = new TritonHttpClient({ transport: transport(), url: server.httpUrl, compression: { request: 'gzip', response: true } });
    const data = new Float32Array(10_000); // zeros compress well
    const r = await c.infer('echo', { inputs: [{ name: 'IN_FP32', datatype: 'FP32', shape: [data.length], data }] });
    expect(r.bytesSent).toBeLessThan(2000);
    expect((r.outputs[0].data as Float32Array).length).toBe(10_000);
    const d = new TritonHttpClient({ transport: transport(), url: server.httpUrl, compression: { request: 'deflate' } });
    const r2 = await d.infer('echo', { inputs: [{ name: 'IN_FP32', datatype: 'FP32', shape: [3], data: new Float32Array([1, 2, 3]) }] });
    expect(Array.from(r2.outputs[0].data as Float32Array)).toEqual([1, 2, 3]);
  });

  it.runIf(_name === 'fetch')('asks for an uncompressed response unless compression is wanted (fetch would ask for gzip)', async () => {
    const seen: (string | null)[] = [];
    const recording = (compression?: { response: boolean }) =>
      new TritonHttpClient({ url: server.httpUrl, compression, fetch: async (input, init) => {
        const r = await fetch(input, init);
        seen.push(r.headers.get('content-encoding'));
        return r;
      } });
    const data = new Float32Array(10_000);
    const input = { inputs: [{ name: 'IN_FP32', datatype: 'FP32' as const, shape: [data.length], data }] };
    const plain = await recording().infer('echo', input);
    const gz = await recording({ response: true }).infer('echo', input);
    expect(seen).toEqual([null, 'gzip']);
    expect((plain.outputs[0].data as Float32Array).length).toBe(10_000);
    expect((gz.outputs[0].data as Float32Array).length).toBe(10_000);
  });

  it('classifies with mobilenetv2 (batch of 2)', async () => {
    const x = image(3, 2 * 3 * 224 * 224);
    const r = await client.infer('mobilenetv2', { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 3, 224, 224], data: x }] });
    expect(r.outputs[0].shape).toEqual([2, 1000]);
  });

  it('maps an unknown model to a typed HTTP error with the server message', async () => {
    const e = await client.infer('no_such_model', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: new Float32Array(1) }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TritonHttpError);
    const he = e as TritonHttpError;
    expect(he.code).toBe('E_REMOTE_HTTP');
    expect([400, 404]).toContain(he.status);
    expect(he.serverMessage).toMatch(/no_such_model/);
    const m = await client.modelMetadata('no_such_model').catch((x: unknown) => x);
    expect(m).toBeInstanceOf(TritonHttpError);
  });

  it('reports a bad shape as 400 with Triton\'s message', async () => {
    const e = await client.infer('yolov8n', { inputs: [{ name: 'images', datatype: 'FP32', shape: [1, 3, 32, 32], data: new Float32Array(3 * 32 * 32) }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TritonHttpError);
    expect((e as TritonHttpError).status).toBe(400);
    expect((e as TritonHttpError).serverMessage).toMatch(/shape|dims/i);
  });

  it('reports "batch-size must be <= 8" for a batch above max_batch_size', async () => {
    const e = await client.infer('mobilenetv2', { inputs: [{ name: 'input', datatype: 'FP32', shape: [9, 3, 224, 224], data: new Float32Array(9 * 3 * 224 * 224) }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TritonHttpError);
    expect((e as TritonHttpError).status).toBe(400);
    expect((e as TritonHttpError).serverMessage).toMatch(/batch-size must be <= 8/);
  });

  it('times out and aborts with typed errors', async () => {
    const x = image(1);
    const req = { inputs: [{ name: 'images', datatype: 'FP32' as const, shape: [1, 3, 640, 640], data: x }] };
    const t = await client.infer('yolov8n', req, { timeoutMs: 5 }).catch((e: unknown) => e);
    expect(t).toBeInstanceOf(RemoteError);
    expect((t as RemoteError).code).toBe('E_REMOTE_TIMEOUT');
    const ac = new AbortController();
    const p = client.infer('yolov8n', req, { signal: ac.signal }).catch((e: unknown) => e);
    setTimeout(() => ac.abort(), 5);
    const a = await p;
    expect((a as RemoteError).code).toBe('E_ABORTED');
    // The server is still healthy afterwards.
    expect(await client.serverReady()).toBe(true);
  });
  });
});
