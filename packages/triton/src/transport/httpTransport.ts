// The byte-moving part of TritonHttpClient, swappable per platform: `fetch` everywhere, `node:http` in Node
// (fetch/undici costs several ms per call more there). The client keeps every rule (timeouts, abort,
// retries, compression, error mapping); a transport only sends one attempt and buffers the answer.
import type { ResponseBufferPool } from './responseBufferPool.js';

/** Case-insensitive header lookup (the subset of `Headers` the client reads). */
export interface ResponseHeaders {
  get(name: string): string | null;
}

export interface TransportRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** Body in pieces (JSON header, then each tensor's bytes) so a transport can write them without joining. */
  body?: readonly Uint8Array[];
  /** Aborted by the client on timeout, caller abort or close; the transport must then reject promptly. */
  signal: AbortSignal;
  /** Largest (decoded) body to buffer; beyond it reject with RemoteError E_REMOTE_TOO_LARGE. */
  maxResponseBytes: number;
  /** When set, a body of known length is placed in a buffer from this pool (the client's `reuseOutputBuffers`). */
  bufferPool?: ResponseBufferPool;
}

export interface TransportResponse {
  status: number;
  headers: ResponseHeaders;
  /** The whole decoded body. When `Inference-Header-Content-Length` is known, transports place the body so
   * the binary part after the JSON header starts 8-byte aligned: output tensors become views, not copies. */
  body: Uint8Array;
}

/**
 * Sends one HTTP attempt. Rejections other than SightlineErrors are network failures: the client maps them
 * (timeout / abort / refused / reset) from the error's `code` chain (`ECONNREFUSED`, `ECONNRESET`…).
 */
export interface HttpTransport {
  send(request: TransportRequest): Promise<TransportResponse>;
  /** Releases pooled connections. */
  close?(): void;
}
