// The gRPC client against a real tritonserver (python-backend models on CPU): same contract as HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteError, SightlineError } from '@sightline/core';
import { requireShared } from '@sightline/testkit';
import { TritonGrpcClient, TritonGrpcError } from '../src/grpc/index.js';
import { TritonHttpClient } from '../src/index.js';
import { freePort, startTritonServer, type TritonServerHandle } from './harness/index.js';

const ok = requireShared(['models', 'yolov8n_dynamic_batch.onnx']);

function pseudoImage(seed: number, n: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = (s >>> 24) / 255;
  }
  return a;
}

async function codeOf(p: Promise<unknown>): Promise<SightlineError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SightlineError);
    return e as SightlineError;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!ok)('TritonGrpcClient against tritonserver', () => {
  let server: TritonServerHandle;
  let client: TritonGrpcClient;
  beforeAll(async () => {
    server = await startTritonServer({ models: ['yolov8n', 'echo'] });
    client = new TritonGrpcClient({ url: server.grpcUrl });
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  it('reports health, server and model metadata', async () => {
    expect(client.protocol).toBe('grpc');
    expect(await client.serverLive()).toBe(true);
    expect(await client.serverReady()).toBe(true);
    const md = await client.serverMetadata();
    expect(md.name).toBe('triton');
    expect(md.extensions).toContain('model_configuration');
    expect(await client.modelReady('yolov8n')).toBe(true);
    expect(await client.modelReady('no_such_model')).toBe(false);
    const mm = await client.modelMetadata('yolov8n');
    expect(mm.inputs).toEqual([{ name: 'images', datatype: 'FP32', shape: [-1, 3, 640, 640] }]);
    expect(mm.outputs).toEqual([{ name: 'output0', datatype: 'FP32', shape: [-1, 84, 8400] }]);
    expect(mm.versions).toEqual(['1']);
  });

  it('reads the model config like the HTTP client does', async () => {
    const cfg = await client.modelConfig('yolov8n');
    expect(cfg.name).toBe('yolov8n');
    expect(cfg.backend).toBe('python');
    expect(cfg.maxBatchSize).toBe(8);
    expect(cfg.inputs).toEqual([{ name: 'images', datatype: 'FP32', dims: [3, 640, 640] }]);
    expect(cfg.outputs).toEqual([{ name: 'output0', datatype: 'FP32', dims: [84, 8400] }]);
    // Triton fills preferred_batch_size with max_batch_size when the config leaves it out.
    expect(cfg.dynamicBatching).toEqual({ preferredBatchSize: [8], maxQueueDelayMicroseconds: 2000 });
    expect(cfg.instanceCount).toBe(1);
    const http = new TritonHttpClient({ url: server.httpUrl });
    try {
      const h = await http.modelConfig('yolov8n');
      expect({ ...cfg, raw: null }).toEqual({ ...h, raw: null });
      const echo = await client.modelConfig('echo', { version: '1' });
      expect(echo.maxBatchSize).toBe(0);
      expect(echo.dynamicBatching).toBeNull();
      expect(echo.inputs.find((i) => i.name === 'IN_BYTES')?.datatype).toBe('BYTES');
    } finally {
      await http.close();
    }
  });

  it('round-trips FP32, FP16, UINT8, INT64, BOOL and BYTES through raw contents', async () => {
    const f32 = new Float32Array([1.5, -2, 3.25, 0]);
    const f16 = new Uint16Array([0x3c00, 0xc000, 0x7bff]); // 1, -2, 65504
    const u8 = new Uint8Array([0, 1, 254, 255, 7]);
    const i64 = new BigInt64Array([-1n, 2n ** 40n]);
    const res = await client.infer('echo', {
      id: 'req-7',
      inputs: [
        { name: 'IN_FP32', datatype: 'FP32', shape: [4], data: f32 },
        { name: 'IN_FP16', datatype: 'FP16', shape: [3], data: f16 },
        { name: 'IN_UINT8', datatype: 'UINT8', shape: [5], data: u8 },
        { name: 'IN_INT64', datatype: 'INT64', shape: [2], data: i64 },
        { name: 'IN_BOOL', datatype: 'BOOL', shape: [3], data: [true, false, true] },
        { name: 'IN_BYTES', datatype: 'BYTES', shape: [3], data: ['héllo', '', 'x'.repeat(300)] },
      ],
    });
    expect(res.modelName).toBe('echo');
    expect(res.id).toBe('req-7');
    const out = Object.fromEntries(res.outputs.map((o) => [o.name, o]));
    expect(Array.from(out.OUT_FP32.data as Float32Array)).toEqual([1.5, -2, 3.25, 0]);
    expect(out.OUT_FP16.datatype).toBe('FP16');
    expect(Array.from(out.OUT_FP16.data as Uint16Array)).toEqual([0x3c00, 0xc000, 0x7bff]);
    expect(Array.from(out.OUT_UINT8.data as Uint8Array)).toEqual([0, 1, 254, 255, 7]);
    expect(Array.from(out.OUT_INT64.data as BigInt64Array)).toEqual([-1n, 2n ** 40n]);
    expect(out.OUT_BOOL.data).toEqual([true, false, true]);
    const dec = new TextDecoder();
    expect((out.OUT_BYTES.data as Uint8Array[]).map((b) => dec.decode(b))).toEqual(['héllo', '', 'x'.repeat(300)]);
    expect(out.OUT_BYTES.shape).toEqual([3]);
    expect(res.bytesSent).toBeGreaterThan(16 + 6 + 5 + 16 + 3 + 300);
    expect(res.bytesReceived).toBeGreaterThan(300);
  });

  it('runs YOLOv8n and matches the HTTP client bit for bit', async () => {
    const x = pseudoImage(3, 2 * 3 * 640 * 640);
    const req = { inputs: [{ name: 'images', datatype: 'FP32' as const, shape: [2, 3, 640, 640], data: x }], outputs: [{ name: 'output0' }] };
    const g = await client.infer('yolov8n', req);
    expect(g.outputs[0].shape).toEqual([2, 84, 8400]);
    expect(g.bytesSent).toBeGreaterThan(x.byteLength);
    expect(g.bytesReceived).toBeGreaterThan(2 * 84 * 8400 * 4);
    const http = new TritonHttpClient({ url: server.httpUrl });
    try {
      const h = await http.infer('yolov8n', req);
      expect(Buffer.from((g.outputs[0].data as Float32Array).buffer, (g.outputs[0].data as Float32Array).byteOffset, 2 * 84 * 8400 * 4).equals(
        Buffer.from((h.outputs[0].data as Float32Array).buffer, (h.outputs[0].data as Float32Array).byteOffset, 2 * 84 * 8400 * 4),
      )).toBe(true);
    } finally {
      await http.close();
    }
  });

  it('carries messages larger than gRPC’s 4 MiB default both ways', async () => {
    const n = 3 * 1024 * 1024; // 12 MiB of FP32
    const x = pseudoImage(11, n);
    const res = await client.infer('echo', { inputs: [{ name: 'IN_FP32', datatype: 'FP32', shape: [n], data: x }] });
    const y = res.outputs[0].data as Float32Array;
    expect(y.length).toBe(n);
    expect(y[n - 1]).toBe(x[n - 1]);
    expect(y[12345]).toBe(x[12345]);
    expect(res.bytesReceived).toBeGreaterThan(n * 4);
    // Received aligned: the output is a view of the response message (a copy would own just its 12 MiB).
    expect(y.buffer.byteLength).toBeGreaterThan(y.byteLength);
  });

  it('refuses a message above maxMessageBytes with E_REMOTE_TOO_LARGE', async () => {
    const small = new TritonGrpcClient({ url: server.grpcUrl, maxMessageBytes: 1024 * 1024 });
    try {
      const n = 512 * 1024; // 2 MiB
      const e = await codeOf(small.infer('echo', { inputs: [{ name: 'IN_FP32', datatype: 'FP32', shape: [n], data: new Float32Array(n) }] }));
      expect(e.code).toBe('E_REMOTE_TOO_LARGE');
    } finally {
      await small.close();
    }
  });

  it('maps server errors: unknown model (404) and bad shapes (400, Triton’s message kept)', async () => {
    const e1 = await codeOf(client.infer('no_such_model', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: new Float32Array(1) }] }));
    expect(e1).toBeInstanceOf(TritonGrpcError);
    expect(e1.code).toBe('E_REMOTE_HTTP');
    expect(e1.details.status).toBe(404);
    expect(e1.details.grpcStatus).toBe('NOT_FOUND');
    expect(String(e1.details.serverMessage)).toMatch(/no_such_model/);

    const e2 = await codeOf(client.infer('yolov8n', { inputs: [{ name: 'images', datatype: 'FP32', shape: [9, 3, 640, 640], data: new Float32Array(9 * 3 * 640 * 640) }] }));
    expect(e2.code).toBe('E_REMOTE_HTTP');
    expect(e2.details.status).toBe(400);
    expect(String(e2.details.serverMessage)).toMatch(/batch-size must be <= 8/);

    const e3 = await codeOf(client.infer('yolov8n', { inputs: [{ name: 'images', datatype: 'FP32', shape: [1, 3, 320, 320], data: new Float32Array(3 * 320 * 320) }] }));
    expect(e3.details.status).toBe(400);

    const e4 = await codeOf(client.modelConfig('no_such_model'));
    expect(e4.details.status).toBe(404);
  });

  it('rejects inconsistent requests locally with a typed error', async () => {
    const e = await codeOf(client.infer('echo', { inputs: [{ name: 'IN_FP32', datatype: 'FP32', shape: [5], data: new Float32Array(4) }] }));
    expect(e.code).toBe('E_INVALID_OPTION');
    const e2 = await codeOf(client.infer('echo', { inputs: [{ name: 'IN_FP32', datatype: 'FP32', shape: [4], data: new Uint8Array(4) }] }));
    expect(e2.code).toBe('E_INVALID_OPTION');
  });

  it('times out (E_REMOTE_TIMEOUT) and aborts (E_ABORTED)', async () => {
    const x = pseudoImage(5, 8 * 3 * 640 * 640);
    const req = { inputs: [{ name: 'images', datatype: 'FP32' as const, shape: [8, 3, 640, 640], data: x }] };
    const t = await codeOf(client.infer('yolov8n', req, { timeoutMs: 5 }));
    expect(t.code).toBe('E_REMOTE_TIMEOUT');

    const ac = new AbortController();
    const p = client.infer('yolov8n', req, { signal: ac.signal });
    setTimeout(() => ac.abort(), 5);
    expect((await codeOf(p)).code).toBe('E_ABORTED');

    const pre = new AbortController();
    pre.abort();
    expect((await codeOf(client.serverLive({ signal: pre.signal }))).code).toBe('E_ABORTED');
    // The channel is still usable afterwards.
    expect(await client.serverReady()).toBe(true);
  });

  it('sends metadata headers and reports a dead endpoint as E_REMOTE_NETWORK', async () => {
    const withAuth = new TritonGrpcClient({ url: `grpc://${server.grpcUrl}`, headers: { Authorization: 'Bearer t0ken' } });
    try {
      expect(await withAuth.serverLive({ headers: { 'x-request-id': 'abc' } })).toBe(true);
      await expect(withAuth.serverLive({ headers: { 'bad header': 'x' } })).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
    } finally {
      await withAuth.close();
    }
    const dead = new TritonGrpcClient({ url: `127.0.0.1:${await freePort()}`, timeoutMs: 5000 });
    try {
      const e = await codeOf(dead.serverLive());
      expect(e).toBeInstanceOf(RemoteError);
      expect(['E_REMOTE_NETWORK', 'E_REMOTE_TIMEOUT']).toContain(e.code);
      // ModelInfer travels on its own node:http2 connections: same verdict.
      const ei = await codeOf(dead.infer('echo', { inputs: [{ name: 'IN_INT32', datatype: 'INT32', shape: [1], data: new Int32Array(1) }] }));
      expect(ei.code).toBe('E_REMOTE_NETWORK');
    } finally {
      await dead.close();
    }
    await expect(dead.serverLive()).rejects.toMatchObject({ code: 'E_DISPOSED' });
  });

  it('gives the same answers and errors through the grpc-js infer path (inferTransport: grpc-js)', async () => {
    const slow = new TritonGrpcClient({ url: server.grpcUrl, inferTransport: 'grpc-js' });
    try {
      const x = pseudoImage(3, 1000);
      const req = { inputs: [{ name: 'IN_FP32', datatype: 'FP32' as const, shape: [1000], data: x }] };
      const [a, b] = await Promise.all([slow.infer('echo', req), client.infer('echo', req)]);
      expect(Array.from(a.outputs[0].data as Float32Array)).toEqual(Array.from(x));
      expect(Array.from(b.outputs[0].data as Float32Array)).toEqual(Array.from(x));
      expect(a.bytesSent).toBe(b.bytesSent);
      expect(a.bytesReceived).toBe(b.bytesReceived);
      const e = await codeOf(slow.infer('no_such_model', req));
      expect(e.details.status).toBe(404);
    } finally {
      await slow.close();
    }
    expect(() => new TritonGrpcClient({ url: server.grpcUrl, inferConnections: 0 })).toThrow(/inferConnections/);
  });

  // Last: it restarts the shared server.
  it('fails fast with a typed error when the server dies mid-call, then reconnects after a restart', async () => {
    const x = pseudoImage(9, 8 * 3 * 640 * 640);
    // Handled from the start: the call may fail while stop() is still awaited.
    const pending = codeOf(client.infer('yolov8n', { inputs: [{ name: 'images', datatype: 'FP32', shape: [8, 3, 640, 640], data: x }] }, { timeoutMs: 60_000 }));
    await new Promise((r) => setTimeout(r, 150));
    await server.stop({ kill: true });
    const e = await pending;
    expect(e).toBeInstanceOf(RemoteError);
    expect(['E_REMOTE_NETWORK', 'E_REMOTE_UNAVAILABLE']).toContain(e.code);
    await server.restart();
    expect(await client.serverReady()).toBe(true);
    const res = await client.infer('echo', { inputs: [{ name: 'IN_INT32', datatype: 'INT32', shape: [2], data: new Int32Array([7, -7]) }] });
    expect(Array.from(res.outputs[0].data as Int32Array)).toEqual([7, -7]);
  });
});
