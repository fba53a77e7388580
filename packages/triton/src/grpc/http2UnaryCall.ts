/// <reference types="node" />
// A unary gRPC call straight on node:http2, used for ModelInfer (the only multi-MB RPC). grpc-js copies a
// request twice (serialize, then framing) and re-joins the response from 16 KiB chunks; here the frame
// prefix, protobuf header and tensor views are written as pieces (no tensor copy) and the response is
// read into one buffer sized from its gRPC length prefix. Failures are reported as grpc-js-style
// ServiceErrors so `fromGrpcError` maps them exactly like the grpc-js path.
import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { connect, constants as h2, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import type { ResponseBufferPool } from '../transport/responseBufferPool.js';

/** A dedicated ArrayBuffer, not zero-filled: a message is handed out only once every byte has arrived. */
const allocUnzeroed = (n: number): ArrayBuffer => Buffer.allocUnsafeSlow(n).buffer as ArrayBuffer;

export interface Http2UnaryOptions {
  /** `http://host:port` or `https://host:port`. */
  origin: string;
  maxMessageBytes: number;
  /** HTTP/2 receive window (stream and connection), bytes. */
  windowBytes: number;
  /** Connections to spread calls over (least busy first). */
  connections: number;
}

interface Slot {
  session: ClientHttp2Session | undefined;
  active: number;
}

export function serviceError(code: number, details: string, metadata = new Metadata()): ServiceError {
  const e = new Error(`${code} ${GrpcStatus[code] ?? code}: ${details}`) as ServiceError;
  return Object.assign(e, { code, details, metadata });
}

/** grpc-timeout header value (at most 8 digits, per the gRPC HTTP/2 spec). */
function grpcTimeout(ms: number): string {
  const t = Math.max(1, Math.ceil(ms));
  return t < 1e8 ? `${t}m` : `${Math.min(99_999_999, Math.ceil(t / 1000))}S`;
}

export class Http2UnaryChannel {
  private readonly slots: Slot[];
  private closed = false;

  constructor(private readonly o: Http2UnaryOptions) {
    this.slots = Array.from({ length: Math.max(1, o.connections) }, () => ({ session: undefined, active: 0 }));
  }

  /** The least busy connection; a slot opens its connection on first use. */
  private pick(): Slot {
    let best = this.slots[0];
    for (const s of this.slots) {
      if (s.active < best.active) best = s;
      if (best.active === 0 && best.session) break;
    }
    return best;
  }

  private getSession(slot: Slot): ClientHttp2Session {
    const s = slot.session;
    if (s && !s.closed && !s.destroyed) return s;
    const url = new URL(this.o.origin);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const session = connect(this.o.origin, {
      // Nagle off, as grpc-js does: otherwise the tail of a request can wait for the server's delayed ACK.
      createConnection: () => url.protocol === 'https:'
        ? tlsConnect({ socket: netConnect({ host, port, noDelay: true }), ...(isIP(host) ? {} : { servername: host }), ALPNProtocols: ['h2'] })
        : netConnect({ host, port, noDelay: true }),
      settings: { initialWindowSize: this.o.windowBytes, enablePush: false },
      // No cap (node counts MiB, default 10): outgoing data is bounded by our own calls, as in grpc-js.
      maxSessionMemory: Number.MAX_SAFE_INTEGER,
    });
    // Connection-level window too, or the 64 KiB default throttles multi-MB responses.
    session.once('connect', () => { try { session.setLocalWindowSize(this.o.windowBytes); } catch { /* closing */ } });
    const drop = () => { if (slot.session === session) slot.session = undefined; };
    session.on('error', drop);
    session.on('goaway', drop);
    session.on('close', drop);
    slot.session = session;
    return session;
  }

  /**
   * Send one framed message (pieces concatenated = the protobuf bytes, `length` long) and resolve with the
   * response message. `deadline` is an absolute Date.now() ms or undefined. `alignField`: a bytes field
   * number whose first occurrence should start 8-byte aligned in the returned buffer (so typed views of it
   * need no copy); located in the first chunk, best effort. `pool`: where the response buffer comes from.
   */
  call(path: string, pieces: readonly Uint8Array[], length: number, metadata: Metadata, deadline: number | undefined, signal?: AbortSignal, alignField?: number, pool?: ResponseBufferPool): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      if (this.closed) return reject(serviceError(GrpcStatus.UNAVAILABLE, 'Channel has been shut down'));
      if (length > this.o.maxMessageBytes) {
        return reject(serviceError(GrpcStatus.RESOURCE_EXHAUSTED, `Sent message larger than max (${length} vs. ${this.o.maxMessageBytes})`));
      }
      const headers: OutgoingHttpHeaders = {
        ...(metadata.toHttp2Headers() as OutgoingHttpHeaders),
        [h2.HTTP2_HEADER_METHOD]: 'POST',
        [h2.HTTP2_HEADER_PATH]: path,
        [h2.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        [h2.HTTP2_HEADER_TE]: 'trailers',
      };
      if (deadline !== undefined) headers['grpc-timeout'] = grpcTimeout(deadline - Date.now());
      let stream: ClientHttp2Stream;
      const slot = this.pick();
      const session = this.getSession(slot);
      try {
        stream = session.request(headers);
      } catch (e) {
        return reject(serviceError(GrpcStatus.UNAVAILABLE, `Connection dropped: ${e instanceof Error ? e.message : String(e)}`));
      }
      if (slot.active++ === 0) session.ref();
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (err: ServiceError | undefined, value?: Buffer) => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (--slot.active === 0 && !session.destroyed) session.unref();
        if (err) {
          if (!stream.closed) stream.close(h2.NGHTTP2_CANCEL);
          reject(err);
        } else resolve(value!);
      };
      const onAbort = () => finish(serviceError(GrpcStatus.CANCELLED, 'Cancelled on client'));
      if (signal) {
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }
      if (deadline !== undefined) timer = setTimeout(() => finish(serviceError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded')), Math.max(0, deadline - Date.now()));

      // Response: a 5-byte prefix (compressed flag, big-endian length), then the message into one buffer.
      let status: number | undefined;
      let message = '';
      let trailerMd: IncomingHttpHeaders = {};
      const prefix = Buffer.alloc(5);
      let prefixHave = 0;
      let body: Buffer | undefined;
      let have = 0;
      let messages = 0;
      const takeStatus = (h: IncomingHttpHeaders) => {
        const s = h['grpc-status'];
        if (s === undefined) return;
        status = Number(s);
        const m = h['grpc-message'];
        message = typeof m === 'string' ? safeDecode(m) : '';
        trailerMd = h;
      };
      stream.on('response', (h) => {
        const httpStatus = Number(h[h2.HTTP2_HEADER_STATUS]);
        if (httpStatus !== 200 && h['grpc-status'] === undefined) {
          finish(serviceError(httpStatus === 503 ? GrpcStatus.UNAVAILABLE : GrpcStatus.UNKNOWN, `Received HTTP status code ${httpStatus}`));
          return;
        }
        takeStatus(h);
      });
      stream.on('trailers', takeStatus);
      stream.on('data', (chunk: Buffer) => {
        if (done) return;
        let off = 0;
        while (off < chunk.length) {
          if (body === undefined) {
            const n = Math.min(5 - prefixHave, chunk.length - off);
            chunk.copy(prefix, prefixHave, off, off + n);
            prefixHave += n;
            off += n;
            if (prefixHave < 5) return;
            // Protocol violations read as INTERNAL "parsing error" (→ E_REMOTE_PROTOCOL), as grpc-js reports undecodable answers.
            if (prefix[0] !== 0) return finish(serviceError(GrpcStatus.INTERNAL, 'Response message parsing error: compressed message, none was asked for'));
            if (++messages > 1) return finish(serviceError(GrpcStatus.INTERNAL, 'Response message parsing error: more than one message for a unary call'));
            const size = prefix.readUInt32BE(1);
            if (size > this.o.maxMessageBytes) return finish(serviceError(GrpcStatus.RESOURCE_EXHAUSTED, `Received message larger than max (${size} vs. ${this.o.maxMessageBytes})`));
            const at = alignField === undefined ? -1 : fieldDataOffset(chunk, off, chunk.length, alignField);
            const pad = at < 0 ? 0 : (8 - (at % 8)) % 8;
            body = Buffer.from(pool ? pool.acquire(size + pad, allocUnzeroed) : allocUnzeroed(size + pad), pad, size);
            have = 0;
          }
          const n = Math.min(body.length - have, chunk.length - off);
          chunk.copy(body, have, off, off + n);
          have += n;
          off += n;
          if (off < chunk.length) return finish(serviceError(GrpcStatus.INTERNAL, 'Response message parsing error: more than one message for a unary call'));
        }
      });
      stream.on('error', (e: Error & { code?: string }) => {
        finish(serviceError(GrpcStatus.UNAVAILABLE, `Connection dropped: ${e.code ?? ''} ${e.message}`.trim()));
      });
      stream.on('close', () => {
        if (done) return;
        if (status === undefined) {
          const rst = stream.rstCode;
          return finish(serviceError(GrpcStatus.UNAVAILABLE, `Connection dropped (stream closed without status${rst ? `, RST ${rst}` : ''})`));
        }
        if (status !== GrpcStatus.OK) return finish(serviceError(status, message, Metadata.fromHttp2Headers(trailerMd)));
        if (!body || have !== body.length) return finish(serviceError(GrpcStatus.INTERNAL, 'Response message parsing error: incomplete or missing message'));
        finish(undefined, body);
      });

      // Request: frame prefix + pieces, corked into as few DATA frames as flow control allows.
      const head = Buffer.allocUnsafe(5);
      head[0] = 0;
      head.writeUInt32BE(length, 1);
      stream.cork();
      stream.write(head);
      for (const p of pieces) if (p.byteLength > 0) stream.write(p);
      stream.end();
      stream.uncork();
    });
  }

  close(): void {
    this.closed = true;
    for (const s of this.slots) {
      s.session?.close();
      s.session = undefined;
    }
  }
}

/** Offset (from `start`) of the data of the first top-level length-delimited `field` within [start, end);
 * -1 when not found there or the bytes are not protobuf-shaped. Only used to pick an alignment. */
export function fieldDataOffset(b: Uint8Array, start: number, end: number, field: number): number {
  let p = start;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (p >= end) return -1;
      const x = b[p++];
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
    }
    return -1;
  };
  while (p < end) {
    const tag = varint();
    if (tag < 0) return -1;
    const wire = tag % 8;
    if (wire === 2) {
      const len = varint();
      if (len < 0) return -1;
      if (Math.floor(tag / 8) === field) return p - start;
      p += len;
    } else if (wire === 0) {
      if (varint() < 0) return -1;
    } else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else return -1;
  }
  return -1;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
