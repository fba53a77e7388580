/// <reference types="node" />
// HTTP transport on node:http for Node: keep-alive sockets, the body written as corked pieces (no join),
// the response read into one buffer sized from Content-Length and placed so binary outputs are aligned
// (the parser then returns views). Measured ~2-5 ms per call cheaper than Node's fetch (undici) here.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';
import { OptionError, RemoteError } from '@sightline/core';
import { alignmentPad, INFER_HEADER_LENGTH, joinAligned, totalLength } from './bodyBuffer.js';
import type { HttpTransport, ResponseHeaders, TransportRequest, TransportResponse } from './httpTransport.js';

export interface NodeHttpTransportOptions {
  /** Most sockets per host (default 64: at least the concurrency callers use). */
  maxSockets?: number;
  /** Idle keep-alive sockets kept per host (default 64). */
  maxFreeSockets?: number;
  /** TLS options for https URLs (CA, client certificates…). */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean };
}

class NodeHeaders implements ResponseHeaders {
  constructor(private readonly h: IncomingMessage['headers']) {}
  get(name: string): string | null {
    const v = this.h[name.toLowerCase()];
    if (v === undefined) return null;
    return Array.isArray(v) ? v.join(', ') : v;
  }
}

export function nodeHttpTransport(options: NodeHttpTransportOptions = {}): HttpTransport {
  const maxSockets = options.maxSockets ?? 64;
  const maxFreeSockets = options.maxFreeSockets ?? 64;
  if (!(Number.isInteger(maxSockets) && maxSockets > 0) || !(Number.isInteger(maxFreeSockets) && maxFreeSockets >= 0)) {
    throw new OptionError('E_INVALID_OPTION', 'nodeHttpTransport: maxSockets must be a positive integer, maxFreeSockets a non-negative one');
  }
  // LIFO reuses the warmest socket; keep-alive avoids a TCP handshake per call.
  const common = { keepAlive: true, maxSockets, maxFreeSockets, scheduling: 'lifo' as const };
  const http = new HttpAgent(common);
  const https = new HttpsAgent({ ...common, ...options.tls });
  return {
    send: (r) => send(r, http, https),
    close() {
      http.destroy();
      https.destroy();
    },
  };
}

function send(r: TransportRequest, http: HttpAgent, https: HttpsAgent): Promise<TransportResponse> {
  return new Promise<TransportResponse>((resolve, reject) => {
    const tls = r.url.startsWith('https:');
    const length = totalLength(r.body);
    const headers: Record<string, string> = { ...r.headers };
    if (r.body) headers['Content-Length'] = String(length);
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      r.signal.removeEventListener('abort', onAbort);
      req.destroy();
      reject(e);
    };
    const onAbort = () => fail(r.signal.reason ?? new Error('aborted'));
    const req = (tls ? httpsRequest : httpRequest)(r.url, { method: r.method, headers, agent: tls ? https : http });
    req.on('error', fail);
    req.on('response', (res) => {
      // Callbacks, not a promise: the body's verdict (e.g. too large) must land before the socket error
      // that destroying the response triggers.
      readBody(res, r.maxResponseBytes, r.url, (body) => {
        if (settled) return;
        settled = true;
        r.signal.removeEventListener('abort', onAbort);
        resolve({ status: res.statusCode ?? 0, headers: new NodeHeaders(res.headers), body });
      }, fail);
    });
    if (r.signal.aborted) return onAbort();
    r.signal.addEventListener('abort', onAbort, { once: true });
    // One syscall batch for header + tensors; node:http writes each piece without joining them.
    req.cork();
    if (r.body) for (const c of r.body) if (c.byteLength > 0) req.write(c);
    req.end();
    req.uncork();
  });
}

function readBody(res: IncomingMessage, limit: number, url: string, resolve: (b: Uint8Array) => void, reject: (e: unknown) => void): void {
  const tooLarge = (n: number) => new RemoteError('E_REMOTE_TOO_LARGE', `response from ${url} exceeds ${limit} bytes`, { details: { bytes: n, limit } });
  const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const cl = res.headers['content-length'];
  const declared = cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : undefined;
  {
    let source: IncomingMessage | Gunzip | Inflate = res;
    if (encoding === 'gzip' || encoding === 'x-gzip') source = res.pipe(createGunzip());
    else if (encoding === 'deflate') source = res.pipe(createInflate());
    else if (encoding !== '' && encoding !== 'identity') {
      res.resume();
      reject(new RemoteError('E_REMOTE_PROTOCOL', `response from ${url} has unsupported Content-Encoding ${JSON.stringify(encoding)}`));
      return;
    }
    const plain = source === res;
    if (plain && declared !== undefined && declared > limit) {
      res.destroy();
      reject(tooLarge(declared));
      return;
    }
    // Trusted size (not compressed): one buffer, offset so the binary part after the JSON header is aligned.
    let buf: Uint8Array | undefined;
    if (plain && declared !== undefined) {
      const pad = alignmentPad(res.headers[INFER_HEADER_LENGTH] as string | undefined ?? null);
      // Not zero-filled: every byte is written before the body is handed out (a short body is an error).
      buf = new Uint8Array(Buffer.allocUnsafeSlow(declared + pad).buffer, pad, declared);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    let done = false;
    const stop = (e: unknown) => {
      if (done) return;
      done = true;
      reject(e);
      res.destroy();
      if (source !== res) (source as Gunzip).destroy();
    };
    source.on('data', (c: Buffer) => {
      if (total + c.byteLength > limit) return stop(tooLarge(total + c.byteLength));
      if (buf && total + c.byteLength <= buf.byteLength) buf.set(c, total);
      else {
        if (buf) {
          chunks.push(buf.subarray(0, total));
          buf = undefined;
        }
        chunks.push(c);
      }
      total += c.byteLength;
    });
    source.on('error', (e) => stop(e));
    res.on('aborted', () => stop(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
    source.on('end', () => {
      if (done) return;
      if (!res.complete) return stop(Object.assign(new Error('response ended early'), { code: 'ECONNRESET' }));
      done = true;
      if (buf) return resolve(total === buf.byteLength ? buf : buf.subarray(0, total));
      resolve(joinAligned(chunks, total, (res.headers[INFER_HEADER_LENGTH] as string | undefined) ?? null));
    });
  }
}
