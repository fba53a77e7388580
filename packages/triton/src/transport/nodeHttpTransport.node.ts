/// <reference types="node" />
// HTTP transport for Node. Plain http: raw keep-alive HTTP/1.1 connections (http1Connection.node.ts): the
// request head and tensor pieces go out in one corked writev, the response is read straight into one
// buffer sized from Content-Length and placed so binary outputs are aligned views. https: node:https with
// the same buffering rules. Both measured several ms per call cheaper than Node's fetch (undici) here.
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createGunzip, createInflate, gunzip, inflate, type Gunzip, type Inflate } from 'node:zlib';
import { OptionError, RemoteError } from '@sightline/core';
import { alignmentPad, INFER_HEADER_LENGTH, joinAligned, totalLength } from './bodyBuffer.js';
import { allocUnzeroed } from './http1Connection.node.js';
import { Http1Pool } from './http1Pool.node.js';
import type { ResponseBufferPool } from './responseBufferPool.js';
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
  const https = new HttpsAgent({ ...common, ...options.tls });
  const pools = new Map<string, Http1Pool>();
  let closed = false;
  const pool = (u: URL): Http1Pool => {
    let p = pools.get(u.host);
    if (!p) {
      p = new Http1Pool(u.hostname.replace(/^\[|\]$/g, ''), Number(u.port || 80), maxSockets, maxFreeSockets);
      pools.set(u.host, p);
    }
    return p;
  };
  return {
    send(r) {
      if (!r.url.startsWith('http:')) return send(r, https);
      if (closed) return Promise.reject(new RemoteError('E_ABORTED', 'transport closed'));
      return sendPlain(r, pool(new URL(r.url)));
    },
    close() {
      closed = true;
      for (const p of pools.values()) p.close();
      pools.clear();
      https.destroy();
    },
  };
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Request head bytes; header names and values are checked so nothing can be injected into the stream. */
function requestHead(r: TransportRequest, u: URL, length: number): Buffer {
  let head = `${r.method} ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n`;
  let hasLength = false;
  for (const [k, v] of Object.entries(r.headers)) {
    if (!TOKEN.test(k) || BAD_VALUE.test(v)) throw new OptionError('E_INVALID_OPTION', `invalid HTTP header ${JSON.stringify(k)}`);
    const lk = k.toLowerCase();
    if (lk === 'host' || lk === 'transfer-encoding' || lk === 'connection') continue; // framing is ours
    if (lk === 'content-length') hasLength = true;
    head += `${k}: ${v}\r\n`;
  }
  if (r.body && !hasLength) head += `Content-Length: ${length}\r\n`;
  return Buffer.from(head + '\r\n', 'latin1');
}

async function sendPlain(r: TransportRequest, pool: Http1Pool): Promise<TransportResponse> {
  const u = new URL(r.url);
  const head = requestHead(r, u, totalLength(r.body));
  const conn = await pool.acquire(r.signal);
  const onAbort = () => conn.abort(r.signal.reason ?? new Error('aborted'));
  r.signal.addEventListener('abort', onAbort, { once: true });
  let res;
  try {
    if (r.signal.aborted) throw r.signal.reason ?? new Error('aborted');
    res = await conn.exchange(head, r.body, r.url, r.maxResponseBytes, false, r.bufferPool);
  } catch (e) {
    pool.release(conn, false);
    throw e;
  } finally {
    r.signal.removeEventListener('abort', onAbort);
  }
  pool.release(conn, res.keepAlive);
  const encoding = (res.headers.get('content-encoding') ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return { status: res.status, headers: res.headers, body: res.body };
  const body = await decompress(res.body, encoding, r.maxResponseBytes, r.url);
  return { status: res.status, headers: res.headers, body: joinAligned([body], body.byteLength, res.headers.get(INFER_HEADER_LENGTH)) };
}

function decompress(raw: Uint8Array, encoding: string, limit: number, url: string): Promise<Uint8Array> {
  const fn = encoding === 'gzip' || encoding === 'x-gzip' ? gunzip : encoding === 'deflate' ? inflate : undefined;
  if (!fn) return Promise.reject(new RemoteError('E_REMOTE_PROTOCOL', `response from ${url} has unsupported Content-Encoding ${JSON.stringify(encoding)}`));
  return new Promise((resolve, reject) => {
    fn(raw, { maxOutputLength: Math.max(1, limit) }, (err, out) => {
      if (!err) return resolve(out);
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        reject(new RemoteError('E_REMOTE_TOO_LARGE', `response from ${url} exceeds ${limit} bytes`, { details: { limit } }));
      } else reject(new RemoteError('E_REMOTE_PROTOCOL', `response from ${url} is not valid ${encoding}: ${err.message}`, { cause: err }));
    });
  });
}

function send(r: TransportRequest, https: HttpsAgent): Promise<TransportResponse> {
  return new Promise<TransportResponse>((resolve, reject) => {
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
    const req = httpsRequest(r.url, { method: r.method, headers, agent: https });
    req.on('error', fail);
    req.on('response', (res) => {
      // Callbacks, not a promise: the body's verdict (e.g. too large) must land before the socket error
      // that destroying the response triggers.
      readBody(res, r.maxResponseBytes, r.url, r.bufferPool, (body) => {
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

function readBody(res: IncomingMessage, limit: number, url: string, pool: ResponseBufferPool | undefined, resolve: (b: Uint8Array) => void, reject: (e: unknown) => void): void {
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
      buf = new Uint8Array(pool ? pool.acquire(declared + pad, allocUnzeroed) : allocUnzeroed(declared + pad), pad, declared);
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
