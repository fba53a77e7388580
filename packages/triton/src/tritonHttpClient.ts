// KServe v2 HTTP/REST client (NVIDIA Triton and compatible servers). Uses only fetch (or a given transport),
// AbortController, timers and CompressionStream, so the same code runs in browsers, workers, Node and Deno.
import { OptionError, RemoteError, SightlineError } from '@sightline/core';
import { backoffDelay, sleep, type BackoffOptions } from './backoff.js';
import { isKServeDataType } from './datatypes.js';
import { encodeInferRequestParts } from './inferRequestEncoder.js';
import { DEFAULT_MAX_RESPONSE_BYTES, parseHeaderLength, parseInferResponse } from './inferResponseParser.js';
import { summarizeModelConfig } from './modelConfigSummary.js';
import { TritonHttpError } from './tritonHttpError.js';
import { fetchTransport, type FetchLike } from './transport/fetchTransport.js';
import { totalLength } from './transport/bodyBuffer.js';
import type { HttpTransport, ResponseHeaders } from './transport/httpTransport.js';
import { ResponseBufferPool } from './transport/responseBufferPool.js';
import type {
  CallOptions, InferRequest, InferResponse, InferenceClient, ModelConfigSummary, ModelMetadata, ServerMetadata, TensorMetadata,
} from './types.js';

export interface TritonHttpClientOptions {
  /** Base URL, e.g. http://localhost:8000 (a path prefix behind a proxy is kept). */
  url: string;
  /** Sent with every request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Per attempt (default 30 s). */
  timeoutMs?: number;
  /** Extra attempts where a retry is safe (default 2). */
  retries?: number;
  backoff?: BackoffOptions;
  /** request: compress bodies; response: ask for compressed answers (fetch decompresses them). */
  compression?: { request?: 'gzip' | 'deflate'; response?: boolean };
  /** Largest response accepted (default 512 MiB). */
  maxResponseBytes?: number;
  /** Binary tensor extension for inputs (default true); false sends JSON `data` arrays. */
  binaryInputs?: boolean;
  /** Ask for binary outputs (default true). */
  binaryOutputs?: boolean;
  /** Retry an infer whose attempt timed out (default false: the server may still be running it). */
  retryInferOnTimeout?: boolean;
  fetch?: FetchLike;
  /**
   * Opt-in: responses get a `release()`; a released response's body buffer is reused for a later one
   * (no fresh multi-MB allocation and less GC per call). Default false: every response owns its memory.
   */
  reuseOutputBuffers?: boolean;
  /** How bytes move (default: `fetch`). In Node, `nodeHttpTransport()` from `@sightline/triton/node` is faster.
   * `close()` closes it too: give each client its own. */
  transport?: HttpTransport;
}

export interface HttpCallOptions extends CallOptions {
  /** Overrides the client's retry count for this call (e.g. 0 for health probes). */
  retries?: number;
}

type NetKind = 'refused' | 'reset' | 'other';

interface RawAnswer {
  status: number;
  headers: ResponseHeaders;
  body: Uint8Array;
  bytesSent: number;
}

const INFER_HEADER = 'Inference-Header-Content-Length';

export class TritonHttpClient implements InferenceClient {
  readonly protocol = 'http' as const;
  readonly url: string;
  private readonly opts: TritonHttpClientOptions;
  private readonly transport: HttpTransport;
  private readonly controllers = new Set<AbortController>();
  private readonly bufferPool: ResponseBufferPool | undefined;
  private closed = false;

  constructor(options: TritonHttpClientOptions) {
    if (!options || typeof options.url !== 'string' || !/^https?:\/\//i.test(options.url)) {
      throw new OptionError('E_INVALID_OPTION', `TritonHttpClient needs an http(s) url, got ${JSON.stringify(options?.url)}`);
    }
    for (const [k, v] of [['timeoutMs', options.timeoutMs], ['retries', options.retries], ['maxResponseBytes', options.maxResponseBytes]] as const) {
      if (v !== undefined && (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))) throw new OptionError('E_INVALID_OPTION', `${k} must be a non-negative number`);
    }
    this.url = options.url.replace(/\/+$/, '');
    this.opts = options;
    this.bufferPool = options.reuseOutputBuffers === true ? new ResponseBufferPool() : undefined;
    if (options.transport) this.transport = options.transport;
    else {
      const f = options.fetch ?? (globalThis.fetch as FetchLike | undefined);
      if (!f) throw new OptionError('E_INVALID_OPTION', 'no fetch implementation available');
      this.transport = fetchTransport(options.fetch);
    }
  }

  async serverLive(o: HttpCallOptions = {}): Promise<boolean> {
    return (await this.request('GET', '/v2/health/live', o, true)).status === 200;
  }

  async serverReady(o: HttpCallOptions = {}): Promise<boolean> {
    return (await this.request('GET', '/v2/health/ready', o, true)).status === 200;
  }

  async serverMetadata(o: HttpCallOptions = {}): Promise<ServerMetadata> {
    const j = await this.getJson('/v2', o);
    if (typeof j.name !== 'string') throw new RemoteError('E_REMOTE_PROTOCOL', 'server metadata has no name');
    return {
      name: j.name,
      version: typeof j.version === 'string' ? j.version : '',
      extensions: Array.isArray(j.extensions) ? j.extensions.filter((e): e is string => typeof e === 'string') : [],
    };
  }

  async modelReady(model: string, o: HttpCallOptions = {}): Promise<boolean> {
    return (await this.request('GET', `${this.modelPath(model, o.version)}/ready`, o, true)).status === 200;
  }

  async modelMetadata(model: string, o: HttpCallOptions = {}): Promise<ModelMetadata> {
    const j = await this.getJson(this.modelPath(model, o.version), o);
    if (typeof j.name !== 'string') throw new RemoteError('E_REMOTE_PROTOCOL', 'model metadata has no name');
    const tensors = (v: unknown, what: string): TensorMetadata[] => {
      if (v === undefined) return [];
      if (!Array.isArray(v)) throw new RemoteError('E_REMOTE_PROTOCOL', `model metadata ${what} is not an array`);
      return v.map((t: unknown) => {
        const r = t as Record<string, unknown> | null;
        if (!r || typeof r.name !== 'string' || !isKServeDataType(r.datatype) || !Array.isArray(r.shape) || !r.shape.every((d) => Number.isInteger(d))) {
          throw new RemoteError('E_REMOTE_PROTOCOL', `model metadata ${what} entry is malformed`);
        }
        return { name: r.name, datatype: r.datatype, shape: (r.shape as number[]).slice() };
      });
    };
    return {
      name: j.name,
      versions: Array.isArray(j.versions) ? j.versions.map(String) : [],
      platform: typeof j.platform === 'string' ? j.platform : '',
      inputs: tensors(j.inputs, 'inputs'),
      outputs: tensors(j.outputs, 'outputs'),
    };
  }

  async modelConfig(model: string, o: HttpCallOptions = {}): Promise<ModelConfigSummary> {
    return summarizeModelConfig(await this.getJson(`${this.modelPath(model, o.version)}/config`, o));
  }

  async infer(model: string, request: InferRequest, o: HttpCallOptions = {}): Promise<InferResponse> {
    const enc = encodeInferRequestParts(request, { binaryInputs: this.opts.binaryInputs, binaryOutputs: this.opts.binaryOutputs });
    const headers: Record<string, string> = { 'Content-Type': enc.contentType };
    if (enc.headerLength !== undefined) headers[INFER_HEADER] = String(enc.headerLength);
    const ans = await this.request('POST', `${this.modelPath(model, o.version)}/infer`, o, false, enc.chunks, headers, this.bufferPool);
    if (ans.status !== 200) throw this.httpError(ans, `${this.modelPath(model, o.version)}/infer`);
    const pool = this.bufferPool;
    let parsed;
    try {
      parsed = parseInferResponse(ans.body, parseHeaderLength(ans.headers.get(INFER_HEADER)), { maxResponseBytes: this.maxResponseBytes });
    } catch (e) {
      pool?.release(ans.body.buffer); // nothing refers to a body that failed to parse
      throw e;
    }
    const res: InferResponse = { ...parsed, bytesSent: ans.bytesSent, bytesReceived: ans.body.byteLength };
    if (pool) res.release = pool.releaser(ans.body.buffer);
    return res;
  }

  /** Aborts every call in flight; later calls fail with E_ABORTED. */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.controllers) c.abort(new RemoteError('E_ABORTED', 'client closed'));
    this.controllers.clear();
    this.transport.close?.();
    this.bufferPool?.clear();
  }

  private get maxResponseBytes(): number {
    return this.opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  private modelPath(model: string, version?: string): string {
    if (typeof model !== 'string' || model.length === 0) throw new OptionError('E_INVALID_OPTION', 'model name must be a non-empty string');
    const v = version === undefined || version === '' ? '' : `/versions/${encodeURIComponent(version)}`;
    return `/v2/models/${encodeURIComponent(model)}${v}`;
  }

  private async getJson(path: string, o: HttpCallOptions): Promise<Record<string, unknown>> {
    const ans = await this.request('GET', path, o, true);
    if (ans.status !== 200) throw this.httpError(ans, path);
    let j: unknown;
    try {
      j = JSON.parse(new TextDecoder().decode(ans.body));
    } catch {
      throw new RemoteError('E_REMOTE_PROTOCOL', `response of ${path} is not JSON`);
    }
    if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new RemoteError('E_REMOTE_PROTOCOL', `response of ${path} is not a JSON object`);
    return j as Record<string, unknown>;
  }

  private httpError(ans: RawAnswer, path: string): TritonHttpError {
    let msg = '';
    const text = new TextDecoder().decode(ans.body.subarray(0, 64 * 1024));
    try {
      const j = JSON.parse(text) as { error?: unknown };
      msg = typeof j?.error === 'string' ? j.error : text;
    } catch {
      msg = text;
    }
    return new TritonHttpError(ans.status, msg.slice(0, 4096), this.url + path);
  }

  /** One logical call: attempts with backoff where retrying is safe; returns any HTTP answer except a retried 503. */
  private async request(method: 'GET' | 'POST', path: string, o: HttpCallOptions, idempotent: boolean, body?: Uint8Array[], extra?: Record<string, string>, bufferPool?: ResponseBufferPool): Promise<RawAnswer> {
    const retries = o.retries ?? this.opts.retries ?? 2;
    let sendBody: Uint8Array[] | undefined = body;
    const headers: Record<string, string> = { ...(this.opts.headers ?? {}), ...(extra ?? {}), ...(o.headers ?? {}) };
    if (body && this.opts.compression?.request) {
      sendBody = [await compress(body, this.opts.compression.request)];
      headers['Content-Encoding'] = this.opts.compression.request;
    }
    // fetch asks for gzip by default (Node, Deno, Bun) and Triton complies: YOLOv8n's 2.8 MB output then costs
    // the server 30-175 ms of CPU per image (a call took 340 ms instead of 106 on the CPU server here). So ask
    // for identity unless compression was wanted. Browsers drop this header (forbidden); the generated nginx
    // proxy strips theirs instead.
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'accept-encoding')) headers['Accept-Encoding'] = this.opts.compression?.response ? 'gzip, deflate' : 'identity';
    for (let attempt = 0; ; attempt++) {
      let retryable = false;
      let err: SightlineError;
      try {
        const ans = await this.attempt(method, path, o, headers, sendBody, bufferPool);
        if (ans.status !== 503) return ans;
        err = this.httpError(ans, path);
        retryable = true;
        if (attempt >= retries) return ans;
      } catch (e) {
        if (!(e instanceof SightlineError)) throw e;
        err = e;
        if (e.code === 'E_REMOTE_NETWORK') retryable = true;
        else if (e.code === 'E_REMOTE_TIMEOUT') retryable = idempotent || this.opts.retryInferOnTimeout === true;
        if (!retryable || attempt >= retries) throw e;
      }
      void err;
      await sleep(backoffDelay(attempt, this.opts.backoff), o.signal);
    }
  }

  private async attempt(method: 'GET' | 'POST', path: string, o: HttpCallOptions, headers: Record<string, string>, body?: Uint8Array[], bufferPool?: ResponseBufferPool): Promise<RawAnswer> {
    if (this.closed) throw new RemoteError('E_ABORTED', 'client closed');
    if (o.signal?.aborted) throw new RemoteError('E_ABORTED', 'aborted', { cause: o.signal.reason });
    const ctl = new AbortController();
    this.controllers.add(ctl);
    let timedOut = false;
    const timeoutMs = o.timeoutMs ?? this.opts.timeoutMs ?? 30_000;
    const timer = timeoutMs > 0 ? setTimeout(() => { timedOut = true; ctl.abort(); }, timeoutMs) : undefined;
    const onAbort = () => ctl.abort(o.signal?.reason);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const url = this.url + path;
    try {
      try {
        const res = await this.transport.send({ method, url, headers, body, signal: ctl.signal, maxResponseBytes: this.maxResponseBytes, bufferPool });
        return { status: res.status, headers: res.headers, body: res.body, bytesSent: totalLength(body) };
      } catch (e) {
        throw this.classify(e, timedOut, o.signal, url);
      }
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      this.controllers.delete(ctl);
    }
  }

  private classify(e: unknown, timedOut: boolean, signal: AbortSignal | undefined, url: string): SightlineError {
    if (e instanceof SightlineError) return e;
    if (timedOut) return new RemoteError('E_REMOTE_TIMEOUT', `request to ${url} timed out`, { cause: e });
    if (signal?.aborted || this.closed) return new RemoteError('E_ABORTED', `request to ${url} was aborted`, { cause: e });
    const kind = networkKind(e);
    return new RemoteError('E_REMOTE_NETWORK', `network error calling ${url} (${kind})`, { cause: e, details: { kind } });
  }
}

/** Node's fetch puts the socket error code in `cause`; browsers only say "Failed to fetch". */
function networkKind(e: unknown): NetKind {
  let c: unknown = e;
  for (let i = 0; i < 4 && c; i++) {
    const code = (c as { code?: unknown }).code;
    if (code === 'ECONNREFUSED') return 'refused';
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return 'reset';
    c = (c as { cause?: unknown }).cause;
  }
  return 'other';
}

async function compress(data: Uint8Array[], format: 'gzip' | 'deflate'): Promise<Uint8Array> {
  const stream = new Blob(data as BlobPart[]).stream().pipeThrough(new CompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
