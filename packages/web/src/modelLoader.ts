/**
 * Model bytes from a URL or memory: streamed fetch with progress, Cache API caching (keyed by URL; the
 * content hash is stored beside it so a cached copy is verified like a fresh one), optional SHA-256 integrity
 * and a size limit. Runs in the worker, so downloads never touch the main thread.
 */
import { EngineError, ModelFormatError, OptionError } from '@sightline/core';
import type { ProgressEvent } from './types.js';

export const DEFAULT_CACHE_NAME = 'sightline-models';
export const DEFAULT_MAX_MODEL_BYTES = 512 * 1024 * 1024;
const HASH_HEADER = 'x-sightline-sha256';

export interface LoadModelOptions {
  cacheName: string | null;
  integrity?: string;
  maxModelBytes: number;
  onProgress?: (e: ProgressEvent) => void;
  fetchImpl?: typeof fetch;
}

export interface LoadedModel {
  bytes: Uint8Array;
  /** base64 SHA-256 of the bytes. */
  sha256: string;
  fromCache: boolean;
}

function toBase64(buf: ArrayBuffer): string {
  let s = '';
  const b = new Uint8Array(buf);
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return btoa(s);
}

export async function sha256Base64(bytes: Uint8Array): Promise<string> {
  return toBase64(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

function parseIntegrity(integrity: string | undefined): string | null {
  if (integrity === undefined) return null;
  const m = /^sha256-([A-Za-z0-9+/]+={0,2})$/.exec(integrity.trim());
  if (!m) throw new OptionError('E_INVALID_OPTION', `integrity must look like 'sha256-<base64>', got ${JSON.stringify(integrity)}`);
  return m[1];
}

function checkSize(n: number, max: number, url?: string): void {
  if (n > max) {
    throw new ModelFormatError('E_MODEL_TOO_LARGE', `model is ${n} bytes, more than maxModelBytes ${max}`, { details: { bytes: n, maxModelBytes: max, url } });
  }
}

async function openCache(name: string | null): Promise<Cache | null> {
  if (!name || typeof caches === 'undefined') return null;
  try {
    return await caches.open(name);
  } catch {
    // Opaque origins and some private modes refuse the Cache API; caching is an optimisation, not a must.
    return null;
  }
}

async function readWithProgress(res: Response, url: string, max: number, onProgress?: (e: ProgressEvent) => void): Promise<Uint8Array> {
  const lenHeader = res.headers.get('content-length');
  const total = lenHeader !== null && /^\d+$/.test(lenHeader) ? Number(lenHeader) : undefined;
  if (total !== undefined) checkSize(total, max, url);
  if (!res.body) {
    const b = new Uint8Array(await res.arrayBuffer());
    checkSize(b.byteLength, max, url);
    onProgress?.({ stage: 'model', url, loaded: b.byteLength, total: b.byteLength });
    return b;
  }
  // One allocation when the size is known; otherwise collect chunks and join once.
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const out = total !== undefined ? new Uint8Array(total) : null;
  onProgress?.({ stage: 'model', url, loaded: 0, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.byteLength > max) {
      await reader.cancel();
      checkSize(loaded + value.byteLength, max, url);
    }
    if (out && loaded + value.byteLength <= out.length) out.set(value, loaded);
    else chunks.push(value);
    loaded += value.byteLength;
    onProgress?.({ stage: 'model', url, loaded, total });
  }
  if (out && loaded === out.length && chunks.length === 0) return out;
  // Content-Length lied (compression, proxies): fall back to joining what arrived.
  const joined = new Uint8Array(loaded);
  let o = 0;
  if (out) {
    const first = Math.min(out.length, loaded);
    joined.set(out.subarray(0, first), 0);
    o = first;
  }
  for (const c of chunks) {
    joined.set(c, o);
    o += c.byteLength;
  }
  return joined;
}

/** Fetch (or read from cache) the model at `url`. */
export async function loadModelFromUrl(url: string, opts: LoadModelOptions): Promise<LoadedModel> {
  const want = parseIntegrity(opts.integrity);
  const cache = await openCache(opts.cacheName);
  if (cache) {
    const hit = await cache.match(url);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      const sha256 = await sha256Base64(bytes);
      // A cached copy whose stored hash disagrees is corrupt, and one that fails integrity is stale: refetch.
      if (hit.headers.get(HASH_HEADER) === sha256 && (!want || want === sha256) && bytes.byteLength <= opts.maxModelBytes) {
        opts.onProgress?.({ stage: 'model', url, loaded: bytes.byteLength, total: bytes.byteLength, fromCache: true });
        return { bytes, sha256, fromCache: true };
      }
      await cache.delete(url);
    }
  }
  let res: Response;
  try {
    res = await (opts.fetchImpl ?? fetch)(url);
  } catch (e) {
    throw new EngineError('E_FETCH', `could not fetch model ${url}: ${(e as Error).message}`, { cause: e, details: { url } });
  }
  if (!res.ok) throw new EngineError('E_FETCH', `fetching model ${url} failed: HTTP ${res.status}`, { details: { url, status: res.status } });
  const bytes = await readWithProgress(res, url, opts.maxModelBytes, opts.onProgress);
  const sha256 = await sha256Base64(bytes);
  if (want && want !== sha256) {
    throw new ModelFormatError('E_MODEL_INTEGRITY', `model ${url} does not match its integrity hash`, { details: { url, expected: want, actual: sha256 } });
  }
  if (cache) {
    const headers = new Headers({ 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength), [HASH_HEADER]: sha256 });
    await cache.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers })).catch(() => {
      /* quota exceeded: the model still runs, just uncached */
    });
  }
  return { bytes, sha256, fromCache: false };
}

/** Model bytes handed over directly (ArrayBuffer / Uint8Array / Blob already read). */
export async function loadModelFromBytes(buf: ArrayBuffer, opts: Pick<LoadModelOptions, 'integrity' | 'maxModelBytes'>): Promise<LoadedModel> {
  const want = parseIntegrity(opts.integrity);
  const bytes = new Uint8Array(buf);
  checkSize(bytes.byteLength, opts.maxModelBytes);
  const sha256 = await sha256Base64(bytes);
  if (want && want !== sha256) {
    throw new ModelFormatError('E_MODEL_INTEGRITY', 'model bytes do not match their integrity hash', { details: { expected: want, actual: sha256 } });
  }
  return { bytes, sha256, fromCache: false };
}

export async function evictModel(url: string, cacheName = DEFAULT_CACHE_NAME): Promise<boolean> {
  const cache = await openCache(cacheName);
  return cache ? cache.delete(url) : false;
}

export async function clearModelCache(cacheName = DEFAULT_CACHE_NAME): Promise<boolean> {
  return typeof caches === 'undefined' ? false : caches.delete(cacheName);
}
