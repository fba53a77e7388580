/**
 * Cache eviction from the main thread. The Cache API is per origin, shared by the page and its workers,
 * so no worker round trip is needed.
 */
import { DEFAULT_CACHE_NAME, clearModelCache as clear, evictModel as evict } from './modelLoader.js';

/** Remove one cached model (its absolute or page-relative URL). Resolves true when something was removed. */
export function evictModel(url: string | URL, cacheName = DEFAULT_CACHE_NAME): Promise<boolean> {
  const base = typeof location !== 'undefined' ? location.href : undefined;
  return evict(new URL(String(url), base).href, cacheName);
}

/** Drop the whole model cache. */
export function clearModelCache(cacheName = DEFAULT_CACHE_NAME): Promise<boolean> {
  return clear(cacheName);
}
