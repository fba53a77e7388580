// The node:http2 ModelInfer path against real node:http2 servers that answer badly: every malformed or
// hostile answer must become a typed error (never a hang or a giant allocation).
import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { SightlineError } from '@sightline/core';
import { TritonGrpcClient } from '../src/grpc/index.js';
import { inferenceMethods } from '../src/grpc/inferenceService.js';

const servers: Http2Server[] = [];
const clients: TritonGrpcClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(answer: (stream: ServerHttp2Stream) => void, opts: { maxMessageBytes?: number; timeoutMs?: number; reuseOutputBuffers?: boolean } = {}): Promise<TritonGrpcClient> {
  const s = createServer();
  s.on('stream', (stream) => {
    stream.on('error', () => {});
    // Read the whole request first, like a real server.
    stream.resume();
    stream.on('end', () => answer(stream));
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  const c = new TritonGrpcClient({ url: `127.0.0.1:${port}`, timeoutMs: opts.timeoutMs ?? 5000, reuseOutputBuffers: opts.reuseOutputBuffers, ...(opts.maxMessageBytes ? { maxMessageBytes: opts.maxMessageBytes } : {}) });
  clients.push(c);
  return c;
}

const req = { inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [2], data: new Float32Array([1, 2]) }] };
const frame = (msg: Uint8Array, flag = 0) => {
  const h = Buffer.alloc(5);
  h[0] = flag;
  h.writeUInt32BE(msg.length, 1);
  return Buffer.concat([h, msg]);
};
const okMessage = () => inferenceMethods().ModelInfer.responseSerialize({
  model_name: 'm', model_version: '1', id: '', parameters: {},
  outputs: [{ name: 'y', datatype: 'FP32', shape: [2], parameters: {}, contents: null }],
  raw_output_contents: [Buffer.from(new Float32Array([3, 4]).buffer)],
});
const respond = (stream: ServerHttp2Stream, body: Buffer | undefined, status = '0', message?: string) => {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': status, ...(message ? { 'grpc-message': encodeURIComponent(message) } : {}) }));
  stream.end(body);
};

async function errorOf(p: Promise<unknown>): Promise<SightlineError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(SightlineError);
  return e as SightlineError;
}

describe('TritonGrpcClient ModelInfer over node:http2 against hostile servers', () => {
  it('decodes a well-formed answer split across many tiny DATA chunks', async () => {
    const c = await serve((stream) => {
      const f = frame(okMessage());
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      for (let i = 0; i < f.length; i += 3) stream.write(f.subarray(i, i + 3));
      stream.end();
    });
    const r = await c.infer('m', req);
    expect(Array.from(r.outputs[0].data as Float32Array)).toEqual([3, 4]);
    expect(r.bytesReceived).toBe(okMessage().length);
  });

  it('reuseOutputBuffers: a released message buffer receives the next answer; without release, a fresh one', async () => {
    let n = 0;
    const c = await serve((stream) => {
      n++;
      const y = Float32Array.from({ length: 4096 }, (_, i) => i * n);
      respond(stream, frame(inferenceMethods().ModelInfer.responseSerialize({
        model_name: 'm', model_version: '1', id: '', parameters: {},
        outputs: [{ name: 'y', datatype: 'FP32', shape: [4096], parameters: {}, contents: null }],
        raw_output_contents: [Buffer.from(y.buffer)],
      })));
    }, { reuseOutputBuffers: true });
    const r1 = await c.infer('m', req);
    const o1 = r1.outputs[0].data as Float32Array;
    expect(o1[5]).toBe(5);
    const r2 = await c.infer('m', req);
    expect((r2.outputs[0].data as Float32Array).buffer).not.toBe(o1.buffer);
    r1.release!();
    const o3 = (await c.infer('m', req)).outputs[0].data as Float32Array;
    expect(o3.buffer).toBe(o1.buffer); // a view of the recycled message, now holding answer 3
    expect(o3[5]).toBe(15);
    const plain = await serve((stream) => respond(stream, frame(okMessage())));
    expect((await plain.infer('m', req)).release).toBeUndefined();
  });

  it('maps grpc-status and its percent-encoded message (trailers-only too)', async () => {
    const c = await serve((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '3', 'grpc-message': encodeURIComponent('bad shape: [1, 2]') }, { endStream: true });
    });
    const e = await errorOf(c.infer('m', req));
    expect(e.code).toBe('E_REMOTE_HTTP');
    expect(e.details.status).toBe(400);
    expect(e.details.serverMessage).toBe('bad shape: [1, 2]');
  });

  it('refuses compressed, doubled, truncated, oversized and undecodable messages with typed errors', async () => {
    const cases: [string, (s: ServerHttp2Stream) => void, string, number?][] = [
      ['compressed', (s) => respond(s, frame(okMessage(), 1)), 'E_REMOTE_PROTOCOL'],
      ['two messages', (s) => respond(s, Buffer.concat([frame(okMessage()), frame(okMessage())])), 'E_REMOTE_PROTOCOL'],
      ['truncated', (s) => respond(s, frame(okMessage()).subarray(0, 12)), 'E_REMOTE_PROTOCOL'],
      ['no message', (s) => respond(s, undefined), 'E_REMOTE_PROTOCOL'],
      ['length prefix of 4 GiB', (s) => respond(s, Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 1, 2])), 'E_REMOTE_TOO_LARGE', 1 << 20],
      ['not protobuf', (s) => respond(s, frame(Buffer.from([0x0f, 0xff, 0xff]))), 'E_REMOTE_PROTOCOL'],
      ['HTTP 500 without grpc-status', (s) => s.respond({ ':status': 500 }, { endStream: true }), 'E_REMOTE_HTTP'],
      ['HTTP 503 without grpc-status', (s) => s.respond({ ':status': 503 }, { endStream: true }), 'E_REMOTE_UNAVAILABLE'],
      ['stream reset', (s) => s.close(2), 'E_REMOTE_NETWORK'],
    ];
    for (const [what, answer, code, max] of cases) {
      const c = await serve(answer, max ? { maxMessageBytes: max } : {});
      const e = await errorOf(c.infer('m', req));
      expect(e.code, what).toBe(code);
    }
  });

  it('a server that never answers hits the deadline (E_REMOTE_TIMEOUT) and abort works (E_ABORTED)', async () => {
    const c = await serve(() => {}, { timeoutMs: 100 });
    expect((await errorOf(c.infer('m', req))).code).toBe('E_REMOTE_TIMEOUT');
    const ac = new AbortController();
    const p = errorOf(c.infer('m', req, { signal: ac.signal, timeoutMs: 0 }));
    setTimeout(() => ac.abort(), 20);
    expect((await p).code).toBe('E_ABORTED');
  });
});
