// Backoff maths and the HTTP client's retry/timeout/limit rules against real node:http servers.
import { afterEach, describe, expect, it } from 'vitest';
import { RemoteError } from '@sightline/core';
import { TritonHttpClient, TritonHttpError, backoffDelay, sleep, type HttpTransport } from '../src/index.js';
import { nodeHttpTransport } from '../src/node.js';
import { binaryResponse, startHttpServer, type TestServer } from './helpers/httpTestServer.js';
import { freePortForTest } from './helpers/freePort.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const fast = { baseMs: 1, maxMs: 5, jitter: 0 };
const req = { inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [2], data: new Float32Array([1, 2]) }] };
const okBody = () => binaryResponse({ model_name: 'm', outputs: [{ name: 'y', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } }] }, [new Uint8Array(new Float32Array([3, 4]).buffer)]);

describe('backoff', () => {
  it('grows exponentially to the cap and jitters down only', () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, { baseMs: 100, maxMs: 500, jitter: 0 }))).toEqual([100, 200, 400, 500, 500]);
    expect(backoffDelay(2, { baseMs: 100, maxMs: 1000, jitter: 0.5 }, () => 1)).toBe(200);
    expect(backoffDelay(2, { baseMs: 100, maxMs: 1000, jitter: 0.5 }, () => 0)).toBe(400);
  });
  it('sleep rejects with E_ABORTED when aborted', async () => {
    const ac = new AbortController();
    const p = sleep(10_000, ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'E_ABORTED' });
  });
});

// Every rule must hold the same with the default fetch transport and the node:http one.
const transports: [string, () => HttpTransport | undefined][] = [['fetch', () => undefined], ['node:http', () => nodeHttpTransport()]];

describe.each(transports)('TritonHttpClient retry and limit rules (%s)', (_name, transport) => {
  it('retries 503 with backoff, then succeeds; sends custom headers and the binary header length', async () => {
    const s = await startHttpServer((_q, _b, res, n) => {
      if (n < 3) { res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"not ready"}'); return; }
      const { body, headerLength } = okBody();
      res.writeHead(200, { 'Inference-Header-Content-Length': String(headerLength) }).end(body);
    });
    servers.push(s);
    const c = new TritonHttpClient({ transport: transport(), url: s.url + '/', headers: { Authorization: 'Bearer t' }, backoff: fast });
    const r = await c.infer('m', req, { headers: { 'x-trace': '1' } });
    expect(Array.from(r.outputs[0].data as Float32Array)).toEqual([3, 4]);
    expect(s.requests).toHaveLength(3);
    expect(s.requests[2].url).toBe('/v2/models/m/infer');
    expect(s.requests[2].headers.authorization).toBe('Bearer t');
    expect(s.requests[2].headers['x-trace']).toBe('1');
    expect(Number(s.requests[2].headers['inference-header-content-length'])).toBe(s.requests[2].body.length - 8);
  });

  it('gives up after the retries with E_REMOTE_UNAVAILABLE and the server message', async () => {
    const s = await startHttpServer((_q, _b, res) => void res.writeHead(503).end('{"error":"overloaded"}'));
    servers.push(s);
    const e = await new TritonHttpClient({ transport: transport(), url: s.url, retries: 1, backoff: fast }).infer('m', req).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TritonHttpError);
    expect((e as TritonHttpError).code).toBe('E_REMOTE_UNAVAILABLE');
    expect((e as TritonHttpError).serverMessage).toBe('overloaded');
    expect(s.requests).toHaveLength(2);
  });

  it('never retries 400 or 500', async () => {
    for (const status of [400, 500]) {
      const s = await startHttpServer((_q, _b, res) => void res.writeHead(status).end('{"error":"bad"}'));
      servers.push(s);
      const e = await new TritonHttpClient({ transport: transport(), url: s.url, backoff: fast }).infer('m', req).catch((x: unknown) => x);
      expect((e as TritonHttpError).status).toBe(status);
      expect((e as TritonHttpError).code).toBe('E_REMOTE_HTTP');
      expect(s.requests).toHaveLength(1);
    }
  });

  it('does not retry a timed-out infer, but retries a timed-out GET', async () => {
    const s = await startHttpServer(async (_q, _b, res) => {
      await new Promise((r) => setTimeout(r, 300));
      res.writeHead(200).end('{}');
    });
    servers.push(s);
    const c = new TritonHttpClient({ transport: transport(), url: s.url, timeoutMs: 50, retries: 2, backoff: fast });
    await expect(c.infer('m', req)).rejects.toMatchObject({ code: 'E_REMOTE_TIMEOUT' });
    expect(s.requests).toHaveLength(1);
    await expect(c.serverMetadata()).rejects.toMatchObject({ code: 'E_REMOTE_TIMEOUT' });
    await new Promise((r) => setTimeout(r, 50));
    expect(s.requests).toHaveLength(4);
  });

  it('reports a refused connection as E_REMOTE_NETWORK (kind refused) after retrying', async () => {
    const port = await freePortForTest();
    const e = await new TritonHttpClient({ transport: transport(), url: `http://127.0.0.1:${port}`, retries: 2, backoff: fast }).infer('m', req).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteError);
    expect((e as RemoteError).code).toBe('E_REMOTE_NETWORK');
    expect((e as RemoteError).details.kind).toBe('refused');
  });

  it('refuses oversized responses (declared and streamed) with E_REMOTE_TOO_LARGE', async () => {
    const s = await startHttpServer((q, _b, res) => {
      if (q.url?.includes('chunked')) {
        res.writeHead(200);
        for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000));
        res.end();
      } else res.writeHead(200, { 'content-length': '5000' }).end(Buffer.alloc(5000));
    });
    servers.push(s);
    const c = new TritonHttpClient({ transport: transport(), url: s.url, maxResponseBytes: 2000 });
    await expect(c.infer('m', req)).rejects.toMatchObject({ code: 'E_REMOTE_TOO_LARGE' });
    await expect(c.infer('chunked', req)).rejects.toMatchObject({ code: 'E_REMOTE_TOO_LARGE' });
  });

  it('turns a hostile infer body into E_REMOTE_PROTOCOL and a non-JSON metadata into E_REMOTE_PROTOCOL', async () => {
    const s = await startHttpServer((q, _b, res) => {
      if (q.method === 'GET') res.writeHead(200).end('<html>');
      else res.writeHead(200, { 'Inference-Header-Content-Length': '99999' }).end('{"model_name":"m"}');
    });
    servers.push(s);
    const c = new TritonHttpClient({ transport: transport(), url: s.url });
    await expect(c.infer('m', req)).rejects.toMatchObject({ code: 'E_REMOTE_PROTOCOL' });
    await expect(c.serverMetadata()).rejects.toMatchObject({ code: 'E_REMOTE_PROTOCOL' });
  });

  it('returns binary outputs as aligned views of the response body, not copies, whatever the JSON header length', async () => {
    for (const pad of ['', ' ', '  ', '   ']) {
      const y = new Float32Array([1.5, -2, 3, 4]);
      const json = Buffer.from(JSON.stringify({ model_name: 'm', outputs: [{ name: 'y', datatype: 'FP32', shape: [4], parameters: { binary_data_size: 16 } }] }) + pad);
      const s = await startHttpServer((_q, _b, res) => void res.writeHead(200, { 'Inference-Header-Content-Length': String(json.length) }).end(Buffer.concat([json, Buffer.from(y.buffer)])));
      servers.push(s);
      const out = (await new TritonHttpClient({ transport: transport(), url: s.url }).infer('m', req)).outputs[0].data as Float32Array;
      expect(Array.from(out)).toEqual([1.5, -2, 3, 4]);
      expect(out.byteOffset % 8).toBe(0);
      // A view: its buffer holds the JSON header too (a copy would hold just the 16 tensor bytes).
      expect(out.buffer.byteLength).toBeGreaterThanOrEqual(json.length + 16);
    }
  });

  it('rejects bad options and an already-aborted signal', async () => {
    expect(() => new TritonHttpClient({ transport: transport(), url: 'ftp://x' })).toThrow(/http/);
    expect(() => new TritonHttpClient({ transport: transport(), url: 'http://x', timeoutMs: -1 })).toThrow(/timeoutMs/);
    const ac = new AbortController();
    ac.abort();
    await expect(new TritonHttpClient({ transport: transport(), url: 'http://127.0.0.1:9' }).serverLive({ signal: ac.signal })).rejects.toMatchObject({ code: 'E_ABORTED' });
  });
});
