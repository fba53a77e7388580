// Heavy batches: split N items into chunks of at most the model's max_batch_size, keep several chunks in
// flight, and hand back one result per item in input order. A chunk that still fails after its retries
// fails only its own items.
import { OptionError, RemoteError, SightlineError } from '@sightline/core';
import { backoffDelay, sleep, type BackoffOptions } from './backoff.js';
import { ModelConfigCache } from './modelConfigCache.js';
import { splitOutputs, stackInputs } from './tensorBatching.js';
import type { CallOptions, InferenceClient, InferInput, InferOutput, ParameterMap, RequestedOutput } from './types.js';

export interface BatchInferOptions extends CallOptions {
  /** Chunk size limit; default: the model's max_batch_size from /config. */
  maxBatchSize?: number;
  /** Chunks in flight; default: max(2, instance count × 2). */
  concurrency?: number;
  outputs?: RequestedOutput[];
  parameters?: ParameterMap;
  /** Extra attempts of a chunk after a network/unavailable/timeout error (default 1). */
  chunkRetries?: number;
  backoff?: BackoffOptions;
  /** Share config reads across calls. */
  configCache?: ModelConfigCache;
}

export type BatchItemResult =
  | { ok: true; outputs: InferOutput[]; bytesSent: number; bytesReceived: number }
  | { ok: false; error: SightlineError };

const RETRYABLE = new Set(['E_REMOTE_NETWORK', 'E_REMOTE_UNAVAILABLE', 'E_REMOTE_TIMEOUT']);

function asSightline(e: unknown): SightlineError {
  return e instanceof SightlineError ? e : new RemoteError('E_REMOTE_PROTOCOL', e instanceof Error ? e.message : String(e), { cause: e });
}

/**
 * Run `items` (each: the inputs of ONE item, shapes without the batch dimension) through `model`.
 * Always resolves with exactly one result per item, in order.
 */
export async function batchInfer(client: InferenceClient, model: string, items: readonly (readonly InferInput[])[], options: BatchInferOptions = {}): Promise<BatchItemResult[]> {
  if (!Array.isArray(items)) throw new OptionError('E_INVALID_OPTION', 'batchInfer expects an array of items');
  if (items.length === 0) return [];
  let maxBatch = options.maxBatchSize;
  let concurrency = options.concurrency;
  if (maxBatch === undefined || concurrency === undefined) {
    const cfg = await (options.configCache ?? new ModelConfigCache(client)).get(model, options.version ? { version: options.version } : {});
    maxBatch ??= cfg.maxBatchSize;
    concurrency ??= Math.max(2, cfg.instanceCount * 2);
  }
  if (!Number.isInteger(maxBatch) || maxBatch < 0) throw new OptionError('E_INVALID_OPTION', `maxBatchSize must be a non-negative integer, got ${maxBatch}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new OptionError('E_INVALID_OPTION', `concurrency must be a positive integer, got ${concurrency}`);
  // max_batch_size 0: the model takes no batch dimension, so items go one by one as they are.
  const batched = maxBatch > 0;
  const size = batched ? maxBatch : 1;
  const chunks: [number, number][] = [];
  for (let s = 0; s < items.length; s += size) chunks.push([s, Math.min(items.length, s + size)]);

  const results: BatchItemResult[] = new Array(items.length);
  const retries = options.chunkRetries ?? 1;
  const call: CallOptions = {};
  if (options.signal) call.signal = options.signal;
  if (options.timeoutMs !== undefined) call.timeoutMs = options.timeoutMs;
  if (options.headers) call.headers = options.headers;
  if (options.version) call.version = options.version;

  const runChunk = async ([s, e]: [number, number]): Promise<void> => {
    const n = e - s;
    let inputs: InferInput[];
    try {
      inputs = batched ? stackInputs(items.slice(s, e)) : items[s].slice();
    } catch (err) {
      for (let i = s; i < e; i++) results[i] = { ok: false, error: asSightline(err) };
      return;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await client.infer(model, { inputs, ...(options.outputs ? { outputs: options.outputs } : {}), ...(options.parameters ? { parameters: options.parameters } : {}) }, call);
        const per = batched ? splitOutputs(r.outputs, n) : [r.outputs];
        for (let i = 0; i < n; i++) results[s + i] = { ok: true, outputs: per[i], bytesSent: r.bytesSent / n, bytesReceived: r.bytesReceived / n };
        return;
      } catch (err) {
        const se = asSightline(err);
        const canRetry = RETRYABLE.has(se.code) && attempt < retries && !options.signal?.aborted;
        if (!canRetry) {
          for (let i = s; i < e; i++) results[i] = { ok: false, error: se };
          return;
        }
        try {
          await sleep(backoffDelay(attempt, options.backoff), options.signal);
        } catch (abort) {
          for (let i = s; i < e; i++) results[i] = { ok: false, error: asSightline(abort) };
          return;
        }
      }
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) await runChunk(chunks[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  return results;
}
