// Exponential backoff with jitter for safe retries, plus an abortable sleep (timers only: runs anywhere).
import { RemoteError } from '@sightline/core';

export interface BackoffOptions {
  /** First delay (default 100 ms). */
  baseMs?: number;
  /** Ceiling (default 2000 ms). */
  maxMs?: number;
  /** Fraction of the delay randomised away, 0..1 (default 0.5): spreads retries of many clients. */
  jitter?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { baseMs: 100, maxMs: 2000, jitter: 0.5 };

/** Delay before retry number `attempt` (0-based). `random` is injectable for deterministic tests. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { baseMs, maxMs, jitter } = { ...DEFAULT_BACKOFF, ...options };
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  const j = Math.min(1, Math.max(0, jitter));
  return Math.max(0, exp * (1 - j * random()));
}

/** Sleep that rejects with E_ABORTED as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new RemoteError('E_ABORTED', 'aborted', { cause: signal.reason }));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new RemoteError('E_ABORTED', 'aborted', { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
