// The generated nginx CORS proxy (real nginx) in front of the real tritonserver: preflight, CORS headers on
// every response (errors included), Inference-Header-Content-Length exposed, origin allow-lists, and binary
// inference through the proxy with the HTTP client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TritonHttpClient } from '../src/index.js';
import { startTritonServer, type TritonServerHandle } from './harness/index.js';
import { NGINX_PATH, startNginxProxy, type NginxProxyHandle } from './harness/nginx.js';
import { existsSync } from 'node:fs';

const ORIGIN = 'http://localhost:5173';

describe.skipIf(!existsSync(NGINX_PATH) && process.env.CI !== 'true')('nginx CORS proxy in front of tritonserver', () => {
  let server: TritonServerHandle;
  let proxy: NginxProxyHandle;
  beforeAll(async () => {
    server = await startTritonServer({ models: ['echo'] });
    proxy = await startNginxProxy({ upstream: server.httpUrl });
  });
  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
  });

  it('answers the preflight itself with the headers a binary-tensor request needs', async () => {
    const r = await fetch(`${proxy.url}/v2/models/echo/infer`, {
      method: 'OPTIONS',
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,inference-header-content-length,authorization' },
    });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-allow-methods')).toMatch(/POST/);
    const allowed = (r.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['content-type', 'inference-header-content-length', 'authorization']));
    expect(Number(r.headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  it('adds CORS and exposes Inference-Header-Content-Length on results and on errors', async () => {
    const ready = await fetch(`${proxy.url}/v2/health/ready`, { headers: { Origin: ORIGIN } });
    expect(ready.status).toBe(200);
    expect(ready.headers.get('access-control-allow-origin')).toBe('*');

    const header = JSON.stringify({ inputs: [{ name: 'IN_FP32', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } }], outputs: [{ name: 'OUT_FP32', parameters: { binary_data: true } }] });
    const body = new Uint8Array(header.length + 8);
    body.set(new TextEncoder().encode(header));
    new DataView(body.buffer).setFloat32(header.length, 1.5, true);
    new DataView(body.buffer).setFloat32(header.length + 4, -3, true);
    const r = await fetch(`${proxy.url}/v2/models/echo/infer`, {
      method: 'POST',
      headers: { Origin: ORIGIN, 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(header.length) },
      body,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect((r.headers.get('access-control-expose-headers') ?? '').toLowerCase()).toContain('inference-header-content-length');
    const jsonLen = Number(r.headers.get('inference-header-content-length'));
    const bytes = new Uint8Array(await r.arrayBuffer());
    expect(jsonLen).toBeGreaterThan(0);
    const out = new DataView(bytes.buffer, jsonLen);
    expect([out.getFloat32(0, true), out.getFloat32(4, true)]).toEqual([1.5, -3]);

    // Browsers always send Accept-Encoding: gzip; the proxy strips it so Triton does not gzip float tensors.
    const gz = await fetch(`${proxy.url}/v2/models/echo/infer`, {
      method: 'POST',
      headers: { Origin: ORIGIN, 'Accept-Encoding': 'gzip, deflate, br', 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(header.length) },
      body,
    });
    expect(gz.status).toBe(200);
    expect(gz.headers.get('content-encoding')).toBeNull();
    await gz.arrayBuffer();

    const missing = await fetch(`${proxy.url}/v2/models/nope/config`, { headers: { Origin: ORIGIN } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
    expect(await missing.json()).toHaveProperty('error');
  });

  it('carries large binary inferences through the proxy with the HTTP client', async () => {
    const client = new TritonHttpClient({ url: proxy.url });
    try {
      expect(await client.serverReady()).toBe(true);
      const n = 5 * 1024 * 1024; // 20 MiB each way
      const x = new Float32Array(n);
      for (let i = 0; i < n; i += 4099) x[i] = i;
      const res = await client.infer('echo', { inputs: [{ name: 'IN_FP32', datatype: 'FP32', shape: [n], data: x }] });
      const y = res.outputs.find((o) => o.name === 'OUT_FP32')!.data as Float32Array;
      expect(y.length).toBe(n);
      expect(y[4099 * 1000]).toBe(4099 * 1000);
      const e = await client.modelConfig('nope').catch((err: unknown) => err as { code: string; details: Record<string, unknown> });
      expect(e).toMatchObject({ code: 'E_REMOTE_HTTP', details: { status: 404 } });
    } finally {
      await client.close();
    }
  });

  it('echoes only allow-listed origins', async () => {
    const strict = await startNginxProxy({ upstream: server.httpUrl, allowOrigin: ['http://good.example', 'https://app.example:8443'] });
    try {
      const good = await fetch(`${strict.url}/v2/health/ready`, { headers: { Origin: 'https://app.example:8443' } });
      expect(good.headers.get('access-control-allow-origin')).toBe('https://app.example:8443');
      expect(good.headers.get('vary')).toMatch(/Origin/);
      const evil = await fetch(`${strict.url}/v2/health/ready`, { headers: { Origin: 'http://evil.example' } });
      expect(evil.status).toBe(200);
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();
      const pre = await fetch(`${strict.url}/v2/models/echo/infer`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await strict.stop();
    }
  });
});
