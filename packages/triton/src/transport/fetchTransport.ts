// Default transport: WHATWG fetch (browsers, workers, Deno, Node). fetch decompresses gzip/deflate itself.
import { RemoteError } from '@sightline/core';
import { alignmentPad, INFER_HEADER_LENGTH, joinAligned, totalLength } from './bodyBuffer.js';
import type { HttpTransport, TransportRequest, TransportResponse } from './httpTransport.js';
import type { ResponseBufferPool } from './responseBufferPool.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export function fetchTransport(fetchImpl?: FetchLike): HttpTransport {
  const f: FetchLike = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  return {
    async send(r: TransportRequest): Promise<TransportResponse> {
      const res = await f(r.url, { method: r.method, headers: r.headers, body: joinChunks(r.body) as BodyInit | undefined, signal: r.signal });
      const body = await readLimited(res, r.maxResponseBytes, r.url, r.bufferPool);
      return { status: res.status, headers: res.headers, body };
    },
  };
}

/** fetch takes one body: join the pieces once (a single piece is passed as is). */
function joinChunks(chunks: readonly Uint8Array[] | undefined): Uint8Array | undefined {
  if (!chunks || chunks.length === 0) return undefined;
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(totalLength(chunks));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

/** Reads a body, refusing to buffer more than `limit` bytes. */
async function readLimited(res: Response, limit: number, url: string, pool: ResponseBufferPool | undefined): Promise<Uint8Array> {
  const tooLarge = (n: number) =>
    new RemoteError('E_REMOTE_TOO_LARGE', `response from ${url} exceeds ${limit} bytes`, { details: { bytes: n, limit } });
  const encoded = res.headers.get('content-encoding');
  const cl = res.headers.get('content-length');
  const declared = cl !== null && !encoded && /^\d+$/.test(cl) ? Number(cl) : undefined;
  if (declared !== undefined && declared > limit) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge(declared);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  // With a trusted Content-Length, fill one buffer (binary part aligned); otherwise collect chunks.
  let buf: Uint8Array | undefined;
  if (declared !== undefined) {
    const pad = alignmentPad(res.headers.get(INFER_HEADER_LENGTH));
    buf = new Uint8Array(pool ? pool.acquire(declared + pad, (n) => new ArrayBuffer(n)) : new ArrayBuffer(declared + pad), pad, declared);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.byteLength > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(total + value.byteLength);
    }
    if (buf && total + value.byteLength <= buf.byteLength) buf.set(value, total);
    else {
      if (buf) {
        chunks.push(buf.subarray(0, total));
        buf = undefined;
      }
      chunks.push(value);
    }
    total += value.byteLength;
  }
  if (buf) return total === buf.byteLength ? buf : buf.subarray(0, total);
  return joinAligned(chunks, total, res.headers.get(INFER_HEADER_LENGTH));
}
