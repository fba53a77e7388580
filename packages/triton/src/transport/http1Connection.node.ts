/// <reference types="node" />
// One keep-alive HTTP/1.1 connection on a raw node:net socket, for plain-http calls from Node. Why not
// node:http: it hands every 64 KiB socket read to JS as a fresh ArrayBuffer that is then copied into the
// response buffer, so a 2.8 MB output tensor costs ~45 external allocations per call, and V8 answers that
// external-memory churn with a mark-compact every few calls (~4 ms/call measured at concurrency 1). Here
// the socket reads (`onread` with a buffer generator) go straight into the response buffer once the head
// is parsed: no per-read allocation and no copy for Content-Length bodies, the common Triton case.
import { connect, type Socket } from 'node:net';
import { RemoteError } from '@sightline/core';
import { alignmentPad, INFER_HEADER_LENGTH, joinAligned } from './bodyBuffer.js';
import { findHeadEnd, parseHttp1Head, type Http1Head, type Http1Headers } from './http1Head.js';
import type { ResponseBufferPool } from './responseBufferPool.js';

/** A dedicated (never a shared slab) ArrayBuffer, not zero-filled: bodies are handed out only once full. */
export const allocUnzeroed = (n: number): ArrayBuffer => Buffer.allocUnsafeSlow(n).buffer as ArrayBuffer;

/** Reads land here until the head is parsed, and for chunked / close-delimited bodies. */
const SCRATCH_BYTES = 64 * 1024;
/** Longest chunk-size or trailer line accepted. */
const MAX_LINE = 4096;

export interface Http1Result {
  status: number;
  headers: Http1Headers;
  /** The raw (possibly compressed) body; for identity bodies the binary part after the JSON header is aligned. */
  body: Uint8Array;
  /** The connection can be reused. */
  keepAlive: boolean;
}

interface Pending {
  url: string;
  limit: number;
  noBody: boolean;
  pool: ResponseBufferPool | undefined;
  resolve(r: Http1Result): void;
  reject(e: unknown): void;
}

type State = 'idle' | 'head' | 'length' | 'chunked' | 'close';

function reset(msg: string): Error {
  return Object.assign(new Error(msg), { code: 'ECONNRESET' });
}

export class Http1Connection {
  readonly socket: Socket;
  /** Closed or failed: never reuse. */
  dead = false;
  private readonly scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  private have = 0;
  private searchFrom = 0;
  private state: State = 'idle';
  private pending: Pending | undefined;
  private head: Http1Head | undefined;
  private body: Uint8Array | undefined;
  private bodyHave = 0;
  private readonly parts: Uint8Array[] = [];
  private partsTotal = 0;
  /** Chunked decoding: data bytes left in the current chunk, or -1 size line, -2 CRLF after data, -3 trailers. */
  private chunkLeft = -1;

  constructor(host: string, port: number, onClose: (c: Http1Connection) => void) {
    this.socket = connect({
      host,
      port,
      // Nagle off: the last segment of a request must not wait for the server's delayed ACK.
      noDelay: true,
      onread: { buffer: () => this.nextTarget(), callback: (n: number) => this.onRead(n) },
    });
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => {
      this.dead = true;
      this.fail(reset('connection closed'));
      onClose(this);
    });
  }

  /** Writes one request (head + body pieces, corked into one writev) and resolves with its response. */
  exchange(head: Uint8Array, body: readonly Uint8Array[] | undefined, url: string, limit: number, noBody: boolean, pool?: ResponseBufferPool): Promise<Http1Result> {
    return new Promise<Http1Result>((resolve, reject) => {
      if (this.dead || this.pending) return reject(reset('connection not usable'));
      this.pending = { url, limit, noBody, pool, resolve, reject };
      this.state = 'head';
      this.have = 0;
      this.searchFrom = 0;
      const s = this.socket;
      s.cork();
      s.write(head);
      if (body) for (const c of body) if (c.byteLength > 0) s.write(c);
      s.uncork();
    });
  }

  /** Fails the call in flight (if any) with `reason` and closes the connection. */
  abort(reason: unknown): void {
    this.fail(reason);
  }

  destroy(): void {
    this.dead = true;
    this.socket.destroy();
  }

  private nextTarget(): Uint8Array {
    if (this.state === 'length' && this.body) return this.body.subarray(this.bodyHave);
    return this.scratch.subarray(this.have);
  }

  private onRead(n: number): boolean {
    if (this.state === 'idle') {
      // Bytes nobody asked for: the connection is out of step.
      this.destroy();
      return false;
    }
    if (this.state === 'length') {
      this.bodyHave += n;
      if (this.bodyHave === this.body!.byteLength) this.complete(this.body!);
      return true;
    }
    this.have += n;
    try {
      this.process();
    } catch (e) {
      this.fail(e);
    }
    return true;
  }

  private process(): void {
    const p = this.pending!;
    for (;;) {
      if (this.state === 'head') {
        const end = findHeadEnd(this.scratch, this.searchFrom, this.have);
        if (end < 0) {
          if (this.have === this.scratch.byteLength) throw new RemoteError('E_REMOTE_PROTOCOL', `HTTP response head from ${p.url} exceeds ${SCRATCH_BYTES} bytes`);
          this.searchFrom = Math.max(0, this.have - 3);
          return;
        }
        const head = parseHttp1Head(this.scratch.toString('latin1', 0, end - 4), p.url, p.noBody);
        if (head.status >= 100 && head.status < 200) {
          if (head.status === 101) throw new RemoteError('E_REMOTE_PROTOCOL', `unexpected protocol switch from ${p.url}`);
          this.consume(end); // interim response (100 Continue…): the real one follows
          continue;
        }
        this.head = head;
        this.startBody(end);
        if ((this.state as State) !== 'chunked') return;
      } else if (this.state === 'chunked') {
        this.chunked();
        return;
      } else if (this.state === 'close') {
        this.collect(0, this.have);
        this.have = 0;
        return;
      } else return;
    }
  }

  private startBody(end: number): void {
    const head = this.head!;
    const p = this.pending!;
    const f = head.framing;
    const extra = this.have - end;
    if (f.kind === 'none') {
      if (extra > 0) head.keepAlive = false;
      this.complete(new Uint8Array(0));
    } else if (f.kind === 'length') {
      if (f.length > p.limit) throw tooLarge(p.url, f.length, p.limit);
      // Identity bodies are placed so the binary section after the JSON header starts 8-byte aligned.
      const identity = (head.headers.get('content-encoding') ?? 'identity').trim().toLowerCase() === 'identity';
      const pad = identity ? alignmentPad(head.headers.get(INFER_HEADER_LENGTH)) : 0;
      const bytes = f.length + pad;
      const body = new Uint8Array(p.pool ? p.pool.acquire(bytes, allocUnzeroed) : allocUnzeroed(bytes), pad, f.length);
      const take = Math.min(extra, f.length);
      if (extra > f.length) head.keepAlive = false; // bytes beyond the body: never reuse this connection
      body.set(this.scratch.subarray(end, end + take));
      this.have = 0;
      this.body = body;
      this.bodyHave = take;
      this.state = 'length';
      if (take === f.length) this.complete(body);
    } else {
      this.consume(end);
      this.state = f.kind;
      this.chunkLeft = -1;
      if (f.kind === 'close') {
        this.collect(0, this.have);
        this.have = 0;
      }
    }
  }

  private chunked(): void {
    const p = this.pending!;
    const b = this.scratch;
    let at = 0;
    while (this.state === 'chunked') {
      if (this.chunkLeft > 0) {
        const take = Math.min(this.chunkLeft, this.have - at);
        if (take === 0) break;
        this.collect(at, at + take);
        at += take;
        this.chunkLeft -= take;
        if (this.chunkLeft === 0) this.chunkLeft = -2;
        continue;
      }
      if (this.chunkLeft === -2) {
        if (this.have - at < 2) break;
        if (b[at] !== 13 || b[at + 1] !== 10) throw new RemoteError('E_REMOTE_PROTOCOL', `malformed chunked body from ${p.url}`);
        at += 2;
        this.chunkLeft = -1;
        continue;
      }
      const eol = b.indexOf('\r\n', at, 'latin1');
      if (eol < 0 || eol >= this.have) {
        if (this.have - at > MAX_LINE) throw new RemoteError('E_REMOTE_PROTOCOL', `chunk line from ${p.url} is too long`);
        break;
      }
      const line = b.toString('latin1', at, eol);
      at = eol + 2;
      if (this.chunkLeft === -3) {
        if (line.length === 0) {
          // Bytes after the last chunk would be an unasked-for response: do not reuse the connection.
          if (this.have > at) this.head!.keepAlive = false;
          this.complete(joinAligned(this.parts, this.partsTotal, this.identityHeaderLength()));
        }
        continue; // a trailer field: ignored
      }
      const m = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
      if (!m) throw new RemoteError('E_REMOTE_PROTOCOL', `bad chunk size line from ${p.url}`);
      const size = parseInt(m[1], 16);
      if (this.partsTotal + size > p.limit) throw tooLarge(p.url, this.partsTotal + size, p.limit);
      this.chunkLeft = size === 0 ? -3 : size;
    }
    if (this.state === 'chunked') this.consume(at);
  }

  private identityHeaderLength(): string | null {
    const h = this.head!.headers;
    return (h.get('content-encoding') ?? 'identity').trim().toLowerCase() === 'identity' ? h.get(INFER_HEADER_LENGTH) : null;
  }

  /** Copies scratch[from, to) out as a body part (chunked and close-delimited bodies only). */
  private collect(from: number, to: number): void {
    if (to <= from) return;
    const p = this.pending!;
    if (this.partsTotal + (to - from) > p.limit) throw tooLarge(p.url, this.partsTotal + (to - from), p.limit);
    this.parts.push(new Uint8Array(this.scratch.subarray(from, to))); // a copy: Buffer#slice would share scratch
    this.partsTotal += to - from;
  }

  /** Drops the first `n` scratch bytes. */
  private consume(n: number): void {
    this.scratch.copyWithin(0, n, this.have);
    this.have -= n;
    this.searchFrom = 0;
  }

  private onEnd(): void {
    if (this.state === 'close' && this.pending) {
      this.head!.keepAlive = false;
      this.complete(joinAligned(this.parts, this.partsTotal, this.identityHeaderLength()));
    } else this.fail(reset(this.pending ? 'response ended early' : 'connection closed by the server'));
    this.destroy();
  }

  private complete(body: Uint8Array): void {
    const p = this.pending!;
    const head = this.head!;
    this.clear();
    p.resolve({ status: head.status, headers: head.headers, body, keepAlive: head.keepAlive && !this.dead });
  }

  private fail(e: unknown): void {
    const p = this.pending;
    this.clear();
    if (!this.dead) this.destroy();
    p?.reject(e);
  }

  private clear(): void {
    this.pending = undefined;
    this.state = 'idle';
    this.head = undefined;
    this.body = undefined;
    this.bodyHave = 0;
    this.parts.length = 0;
    this.partsTotal = 0;
    this.have = 0;
  }
}

function tooLarge(url: string, n: number, limit: number): RemoteError {
  return new RemoteError('E_REMOTE_TOO_LARGE', `response from ${url} exceeds ${limit} bytes`, { details: { bytes: n, limit } });
}
