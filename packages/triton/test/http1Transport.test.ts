// The raw-socket HTTP/1.1 path of nodeHttpTransport against real node:net servers that write exact bytes:
// framing (Content-Length, chunked, close-delimited, interim 1xx), keep-alive reuse and limits, hostile
// heads and lengths, zero-copy aligned outputs, aborts, gzip.
import { createServer, type Server, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { OptionError } from '@sightline/core';
import { TritonHttpClient } from '../src/index.js';
import { nodeHttpTransport } from '../src/node.js';
import { parseHttp1Head } from '../src/transport/http1Head.js';
import { ResponseBufferPool } from '../src/transport/responseBufferPool.js';

interface RawServer {
  url: string;
  connections: number;
  requests: { head: string; body: Buffer }[];
  close(): Promise<void>;
}

/** A TCP server that reads each HTTP request (head + Content-Length body) and lets `reply` write raw bytes. */
async function rawServer(reply: (s: Socket, n: number, req: { head: string; body: Buffer }) => void): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const state: RawServer = { url: '', connections: 0, requests: [], close: async () => {} };
  const server: Server = createServer((s) => {
    state.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let buf = Buffer.alloc(0);
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        const req = { head, body: Buffer.from(buf.subarray(end + 4, end + 4 + len)) };
        buf = buf.subarray(end + 4 + len);
        state.requests.push(req);
        reply(s, state.requests.length, req);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  state.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  state.close = () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); });
  return state;
}

const servers: RawServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(reply: Parameters<typeof rawServer>[0]): Promise<RawServer> {
  const s = await rawServer(reply);
  servers.push(s);
  return s;
}

const req = { inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [2], data: new Float32Array([1, 2]) }] };

/** A Triton-style binary response: JSON header (padded by `pad` spaces) + one FP32 output. */
function inferBody(values: Float32Array, pad = 0): { json: Buffer; body: Buffer } {
  const json = Buffer.from(JSON.stringify({ model_name: 'm', outputs: [{ name: 'y', datatype: 'FP32', shape: [values.length], parameters: { binary_data_size: values.byteLength } }] }) + ' '.repeat(pad));
  return { json, body: Buffer.concat([json, Buffer.from(values.buffer, values.byteOffset, values.byteLength)]) };
}
const okHead = (len: number, json: number, extra = '') => `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nInference-Header-Content-Length: ${json}\r\nContent-Length: ${len}\r\n${extra}\r\n`;

/** Writes `bytes` in pieces of `step` bytes, each in its own tick, so the client sees many short reads. */
function dribble(s: Socket, bytes: Buffer, step: number): void {
  let at = 0;
  const next = () => {
    if (at >= bytes.length || s.destroyed) return;
    s.write(bytes.subarray(at, at + step));
    at += step;
    setImmediate(next);
  };
  next();
}

describe('nodeHttpTransport raw HTTP/1.1 path', () => {
  it('reads a Content-Length body arriving in many reads straight into one aligned buffer (outputs are views)', async () => {
    const y = Float32Array.from({ length: 50_000 }, (_, i) => i * 0.5);
    for (const pad of [0, 1, 3, 5]) {
      const { json, body } = inferBody(y, pad);
      const s = await serve((sock) => dribble(sock, Buffer.concat([Buffer.from(okHead(body.length, json.length)), body]), 7919));
      const c = new TritonHttpClient({ url: s.url, transport: nodeHttpTransport() });
      const r = await c.infer('m', req);
      const out = r.outputs[0].data as Float32Array;
      expect(out).toEqual(y);
      expect(out.byteOffset % 8).toBe(0);
      // A view of the whole body (JSON header included), not a copy of the tensor bytes.
      expect(out.buffer.byteLength).toBeGreaterThanOrEqual(body.length);
      expect(r.bytesReceived).toBe(body.length);
      await c.close();
    }
  });

  it('writes a well-formed request: method, path, Host, custom headers, Content-Length, body pieces in order', async () => {
    const y = new Float32Array([3, 4]);
    const { json, body } = inferBody(y);
    const s = await serve((sock) => sock.write(okHead(body.length, json.length) + body.toString('latin1'), 'latin1'));
    const c = new TritonHttpClient({ url: s.url + '/prefix', transport: nodeHttpTransport(), headers: { Authorization: 'Bearer t' } });
    await c.infer('m', req, { headers: { 'x-trace': 'a b' } });
    const { head, body: sent } = s.requests[0];
    expect(head.split('\r\n')[0]).toBe('POST /prefix/v2/models/m/infer HTTP/1.1');
    expect(head).toContain(`\r\nHost: ${s.url.slice('http://'.length)}\r\n`);
    expect(head).toContain('\r\nAuthorization: Bearer t\r\n');
    expect(head).toContain('\r\nx-trace: a b\r\n');
    const hl = Number(/Inference-Header-Content-Length: (\d+)/.exec(head)![1]);
    expect(JSON.parse(sent.subarray(0, hl).toString()).inputs[0].name).toBe('x');
    expect(new Float32Array(sent.subarray(hl).buffer.slice(sent.byteOffset + hl, sent.byteOffset + hl + 8))).toEqual(new Float32Array([1, 2]));
    await c.close();
  });

  it('decodes chunked bodies (extensions, trailers, one byte per read) and close-delimited bodies', async () => {
    const y = new Float32Array([1.5, -2, 3, 4]);
    const { json, body } = inferBody(y, 2);
    const chunked = `HTTP/1.1 200 OK\r\nInference-Header-Content-Length: ${json.length}\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `a;ext=1\r\n${body.subarray(0, 10).toString('latin1')}\r\n${(body.length - 10).toString(16)}\r\n${body.subarray(10).toString('latin1')}\r\n0\r\nX-Trailer: 1\r\n\r\n`;
    const s = await serve((sock, n) => {
      if (n <= 2) dribble(sock, Buffer.from(chunked, 'latin1'), 1);
      else sock.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nInference-Header-Content-Length: ${json.length}\r\n\r\n`), body]));
    });
    const c = new TritonHttpClient({ url: s.url, transport: nodeHttpTransport() });
    for (let i = 0; i < 3; i++) {
      const out = (await c.infer('m', req)).outputs[0].data as Float32Array;
      expect(Array.from(out)).toEqual([1.5, -2, 3, 4]);
      expect(out.byteOffset % 4).toBe(0);
    }
    // Chunked keeps the connection; the close-delimited third answer needed no new one before it.
    expect(s.connections).toBe(1);
    await c.close();
  });

  it('skips interim 1xx responses', async () => {
    const s = await serve((sock) => sock.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n{"name":"triton"}'));
    const c = new TritonHttpClient({ url: s.url, transport: nodeHttpTransport() });
    expect((await c.serverMetadata()).name).toBe('triton');
    await c.close();
  });

  it('reuses one keep-alive connection for sequential calls and opens a new one after Connection: close', async () => {
    const ok = '{"name":"t"}';
    const s = await serve((sock, n) => sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${ok.length}\r\n${n === 3 ? 'Connection: close\r\n' : ''}\r\n${ok}`));
    const c = new TritonHttpClient({ url: s.url, transport: nodeHttpTransport() });
    for (let i = 0; i < 5; i++) await c.serverMetadata();
    expect(s.requests).toHaveLength(5);
    expect(s.connections).toBe(2);
    await c.close();
  });

  it('keeps at most maxSockets connections and queues the other callers, answering all of them', async () => {
    const s = await serve((sock, n) => setTimeout(() => { const j = `{"name":"${n}"}`; sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${j.length}\r\n\r\n${j}`); }, 5));
    const c = new TritonHttpClient({ url: s.url, transport: nodeHttpTransport({ maxSockets: 2 }) });
    const names = await Promise.all(Array.from({ length: 9 }, () => c.serverMetadata().then((m) => Number(m.name))));
    expect(names.slice().sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(s.connections).toBe(2);
    await c.close();
  });

  it('turns hostile heads and framing into typed errors', async () => {
    const cases: [string, string][] = [
      ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!', 'E_REMOTE_PROTOCOL'],
      ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', 'E_REMOTE_PROTOCOL'],
      ['HTTP/1.1 200 OK\r\n folded: x\r\nContent-Length: 0\r\n\r\n', 'E_REMOTE_PROTOCOL'],
      ['HTTP/2 200\r\n\r\n', 'E_REMOTE_PROTOCOL'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'E_REMOTE_PROTOCOL'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n', 'E_REMOTE_TOO_LARGE'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\n', 'E_REMOTE_TOO_LARGE'],
      [`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`, 'E_REMOTE_PROTOCOL'],
      // Body shorter than its Content-Length, then the server closes: a reset, not a truncated tensor.
      ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort', 'E_REMOTE_NETWORK'],
    ];
    for (const [raw, code] of cases) {
      const s = await serve((sock) => sock.end(raw, 'latin1'));
      const c = new TritonHttpClient({ url: s.url, transport: nodeHttpTransport(), retries: 0, maxResponseBytes: 1 << 20 });
      await expect(c.serverMetadata(), raw.slice(0, 60)).rejects.toMatchObject({ code });
      await c.close();
    }
  });

  it('rejects an Inference-Header-Content-Length beyond the body and a binary size beyond Content-Length', async () => {
    const y = new Float32Array([1, 2]);
    const { json, body } = inferBody(y);
    const s = await serve((sock, n) => {
      if (n === 1) sock.write(okHead(body.length, body.length + 8) + body.toString('latin1'), 'latin1');
      else sock.write(okHead(body.length - 4, json.length) + body.subarray(0, body.length - 4).toString('latin1'), 'latin1');
    });
    const c = new TritonHttpClient({ url: s.url, transport: nodeHttpTransport(), retries: 0 });
    await expect(c.infer('m', req)).rejects.toMatchObject({ code: 'E_REMOTE_PROTOCOL' });
    await expect(c.infer('m', req)).rejects.toMatchObject({ code: 'E_REMOTE_PROTOCOL' });
    await c.close();
  });

  it('aborts a call in flight promptly and the next call gets a fresh connection', async () => {
    const s = await serve((sock, n) => { if (n > 1) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n{"name":"t"}'); });
    const c = new TritonHttpClient({ url: s.url, transport: nodeHttpTransport(), retries: 0 });
    const ac = new AbortController();
    const p = c.serverMetadata({ signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect((await c.serverMetadata()).name).toBe('t');
    expect(s.connections).toBe(2);
    await c.close();
  });

  it('decompresses gzip answers within the limit, and refuses a gzip bomb past it', async () => {
    const y = Float32Array.from({ length: 1000 }, (_, i) => i);
    const { json, body } = inferBody(y, 1);
    const z = gzipSync(body);
    const bomb = gzipSync(Buffer.alloc(5_000_000));
    const s = await serve((sock, n) => {
      const b = n === 1 ? z : bomb;
      sock.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nInference-Header-Content-Length: ${json.length}\r\nContent-Length: ${b.length}\r\n\r\n`), b]));
    });
    const c = new TritonHttpClient({ url: s.url, transport: nodeHttpTransport(), compression: { response: true }, retries: 0, maxResponseBytes: 1 << 20 });
    const out = (await c.infer('m', req)).outputs[0].data as Float32Array;
    expect(out).toEqual(y);
    expect(s.requests[0].head).toMatch(/\r\nAccept-Encoding: gzip, deflate/);
    await expect(c.infer('m', req)).rejects.toMatchObject({ code: 'E_REMOTE_TOO_LARGE' });
    await c.close();
  });

  it('refuses header names or values that would inject into the request', async () => {
    const s = await serve(() => {});
    const c = new TritonHttpClient({ url: s.url, transport: nodeHttpTransport(), retries: 0 });
    await expect(c.serverLive({ headers: { 'x-a': 'v\r\nInjected: 1' } })).rejects.toBeInstanceOf(OptionError);
    await expect(c.serverLive({ headers: { 'bad name': 'v' } })).rejects.toBeInstanceOf(OptionError);
    expect(s.requests).toHaveLength(0);
    await c.close();
  });

  it('fails calls after close with E_ABORTED', async () => {
    const s = await serve((sock) => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n{"name":"t"}'));
    const t = nodeHttpTransport();
    const c = new TritonHttpClient({ url: s.url, transport: t });
    await c.serverMetadata();
    await c.close();
    await expect(t.send({ method: 'GET', url: s.url + '/v2', headers: {}, signal: new AbortController().signal, maxResponseBytes: 100 })).rejects.toMatchObject({ code: 'E_ABORTED' });
  });
});

describe('reuseOutputBuffers', () => {
  it('HTTP: a released response\'s buffer carries a later response; unreleased ones and repeat releases are not reused', async () => {
    const bodies = [1, 2, 3, 4].map((k) => inferBody(Float32Array.from({ length: 1000 }, (_, i) => i * k)));
    const s = await serve((sock, n) => {
      const { json, body } = bodies[(n - 1) % bodies.length];
      sock.write(Buffer.concat([Buffer.from(okHead(body.length, json.length)), body]));
    });
    const plain = new TritonHttpClient({ url: s.url, transport: nodeHttpTransport() });
    expect((await plain.infer('m', req)).release).toBeUndefined();
    await plain.close();
    const c = new TritonHttpClient({ url: s.url, transport: nodeHttpTransport(), reuseOutputBuffers: true });
    const r2 = await c.infer('m', req);
    const b2 = (r2.outputs[0].data as Float32Array).buffer;
    expect((r2.outputs[0].data as Float32Array)[3]).toBe(6);
    const r3 = await c.infer('m', req); // r2 not released yet: a fresh buffer
    expect((r3.outputs[0].data as Float32Array).buffer).not.toBe(b2);
    r2.release!();
    r2.release!(); // ignored: the buffer must not be handed out twice
    const r4 = await c.infer('m', req);
    const o4 = r4.outputs[0].data as Float32Array;
    expect(o4.buffer).toBe(b2);
    expect(o4[3]).toBe(12);
    expect(o4.byteOffset % 8).toBe(0);
    const r1 = await c.infer('m', req); // the only free buffer went to r4: fresh again
    expect((r1.outputs[0].data as Float32Array).buffer).not.toBe(b2);
    expect((r1.outputs[0].data as Float32Array)[3]).toBe(3);
    await c.close();
  });
});

describe('ResponseBufferPool', () => {
  it('hands out the smallest fitting free buffer, never one far too big, and takes back only its own, once', () => {
    const pool = new ResponseBufferPool({ maxBuffers: 2 });
    const alloc = (n: number) => new ArrayBuffer(n);
    const a = pool.acquire(100_000, alloc), b = pool.acquire(1_000_000, alloc), c = pool.acquire(3_000_000, alloc);
    pool.release(b);
    pool.release(a);
    pool.release(a); // repeat: ignored
    pool.release(c); // over maxBuffers: dropped
    pool.release(new ArrayBuffer(100_000)); // not from the pool: ignored
    expect(pool.acquire(90_000, alloc)).toBe(a);
    const fresh = pool.acquire(90_000, alloc); // only b is free, and it is more than twice too big
    expect(fresh).not.toBe(b);
    expect(fresh.byteLength).toBe(90_000);
    expect(pool.acquire(600_000, alloc)).toBe(b);
    expect(pool.acquire(2_000_000, alloc)).not.toBe(c);
  });
});

describe('parseHttp1Head', () => {
  it('reads status, joins repeated fields, and derives framing and keep-alive', () => {
    const h = parseHttp1Head('HTTP/1.1 200 OK\r\nA: 1\r\na: 2\r\nContent-Length: 5, 5', 'u');
    expect(h.status).toBe(200);
    expect(h.headers.get('A')).toBe('1, 2');
    expect(h.framing).toEqual({ kind: 'length', length: 5 });
    expect(h.keepAlive).toBe(true);
    expect(parseHttp1Head('HTTP/1.0 200 OK\r\nContent-Length: 1', 'u').keepAlive).toBe(false);
    expect(parseHttp1Head('HTTP/1.1 204 No Content', 'u').framing).toEqual({ kind: 'none' });
    expect(parseHttp1Head('HTTP/1.1 200 OK', 'u')).toMatchObject({ framing: { kind: 'close' }, keepAlive: false });
    // Transfer-Encoding wins over Content-Length, and such a connection is not reused.
    expect(parseHttp1Head('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked', 'u')).toMatchObject({ framing: { kind: 'chunked' }, keepAlive: false });
    expect(() => parseHttp1Head('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked', 'u')).toThrow(/Transfer-Encoding/);
  });
});
