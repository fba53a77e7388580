// Heavy batches and replicas against real tritonservers: chunking beyond max_batch_size, bounded
// concurrency, order, a server killed mid-batch, and least-outstanding balancing with ejection/re-admission.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireShared } from '@sightline/testkit';
import {
  EndpointPool, ModelConfigCache, TritonHttpClient, batchInfer,
  type CallOptions, type InferenceClient, type InferInput, type InferRequest, type InferResponse,
} from '../src/index.js';
import { startTritonServer, type TritonServerHandle } from './harness/index.js';

const ok = requireShared(['models', 'mobilenetv2-12.onnx']);

/** A real client wrapped to observe what the scheduler sends (shapes, concurrency). */
class ObservedClient implements InferenceClient {
  readonly protocol = 'http' as const;
  readonly batches: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  onDone: ((n: number) => void) | undefined;
  constructor(private readonly inner: TritonHttpClient) {}
  get url() { return this.inner.url; }
  serverLive(o?: CallOptions) { return this.inner.serverLive(o); }
  serverReady(o?: CallOptions) { return this.inner.serverReady(o); }
  serverMetadata(o?: CallOptions) { return this.inner.serverMetadata(o); }
  modelReady(m: string, o?: CallOptions) { return this.inner.modelReady(m, o); }
  modelMetadata(m: string, o?: CallOptions) { return this.inner.modelMetadata(m, o); }
  modelConfig(m: string, o?: CallOptions) { return this.inner.modelConfig(m, o); }
  async infer(m: string, r: InferRequest, o?: CallOptions): Promise<InferResponse> {
    this.batches.push(r.inputs[0].shape[0]);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      return await this.inner.infer(m, r, o);
    } finally {
      this.inFlight--;
      this.onDone?.(this.batches.length);
    }
  }
  close() { return this.inner.close(); }
}

function item(seed: number): InferInput[] {
  const a = new Float32Array(3 * 224 * 224);
  for (let i = 0; i < a.length; i++) a[i] = (((i * 31 + seed * 7919) % 251) / 251 - 0.5) * 2;
  return [{ name: 'input', datatype: 'FP32', shape: [3, 224, 224], data: a }];
}

describe.skipIf(!ok)('batches and replicas', () => {
  let a: TritonServerHandle;
  let b: TritonServerHandle;
  beforeAll(async () => {
    [a, b] = await Promise.all([startTritonServer({ models: ['mobilenetv2'] }), startTritonServer({ models: ['mobilenetv2'] })]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('splits 20 items into chunks of max_batch_size 8, keeps order, bounds concurrency', async () => {
    const client = new ObservedClient(new TritonHttpClient({ url: a.httpUrl }));
    const cache = new ModelConfigCache(client);
    const items = Array.from({ length: 20 }, (_, i) => item(i));
    const res = await batchInfer(client, 'mobilenetv2', items, { configCache: cache, concurrency: 2 });
    expect(res).toHaveLength(20);
    expect(client.batches.sort()).toEqual([4, 8, 8]);
    expect(client.maxInFlight).toBe(2);
    for (const i of [0, 9, 19]) {
      const r = res[i];
      if (!r.ok) throw r.error;
      expect(r.outputs[0].shape).toEqual([1000]);
      expect(r.bytesSent).toBeGreaterThan(3 * 224 * 224 * 4);
      const single = await client.infer('mobilenetv2', { inputs: [{ ...items[i][0], shape: [1, 3, 224, 224] }] });
      const x = r.outputs[0].data as Float32Array;
      const y = single.outputs[0].data as Float32Array;
      let d = 0;
      for (let k = 0; k < 1000; k++) d = Math.max(d, Math.abs(x[k] - y[k]));
      expect(d).toBeLessThan(1e-3);
    }
    // Default concurrency comes from the config (instance count 1 → 2 chunks in flight).
    const c2 = new ObservedClient(new TritonHttpClient({ url: a.httpUrl }));
    const res2 = await batchInfer(c2, 'mobilenetv2', items.slice(0, 17), { configCache: cache });
    expect(res2.every((r) => r.ok)).toBe(true);
    expect(c2.batches.sort()).toEqual([1, 8, 8]);
    expect(c2.maxInFlight).toBeLessThanOrEqual(2);
  });

  it('gives per-item errors, no hang and no duplicates when the server dies mid-batch', async () => {
    const client = new ObservedClient(new TritonHttpClient({ url: b.httpUrl, retries: 1, backoff: { baseMs: 20, maxMs: 50 } }));
    client.onDone = (n) => {
      if (n === 1) void b.stop({ kill: true });
    };
    const items = Array.from({ length: 20 }, (_, i) => item(100 + i));
    const res = await batchInfer(client, 'mobilenetv2', items, { maxBatchSize: 4, concurrency: 1, chunkRetries: 1, backoff: { baseMs: 20, maxMs: 50 } });
    expect(res).toHaveLength(20);
    const good = res.filter((r) => r.ok).length;
    expect(good).toBeGreaterThanOrEqual(4);
    expect(good).toBeLessThan(20);
    for (const r of res.slice(good)) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(['E_REMOTE_NETWORK', 'E_REMOTE_UNAVAILABLE']).toContain(r.error.code);
    }
    await b.restart();
  });

  it('balances over two replicas, ejects a dead one and re-admits it after a probe', async () => {
    let t = 0;
    const pool = new EndpointPool({
      endpoints: [new TritonHttpClient({ url: a.httpUrl, retries: 0 }), new TritonHttpClient({ url: b.httpUrl, retries: 0 })],
      failureThreshold: 2,
      cooldownMs: 1000,
      now: () => t,
    });
    const one = item(5);
    const req = { inputs: [{ ...one[0], shape: [1, 3, 224, 224] }] };
    await Promise.all(Array.from({ length: 6 }, () => pool.infer('mobilenetv2', req)));
    const s0 = pool.stats();
    expect(s0[0].requests).toBeGreaterThanOrEqual(2);
    expect(s0[1].requests).toBeGreaterThanOrEqual(2);

    await b.stop({ kill: true });
    // Every call still succeeds: refused connections fail over to the live replica.
    for (let i = 0; i < 6; i++) await pool.infer('mobilenetv2', req);
    const s1 = pool.stats();
    expect(s1[1].healthy).toBe(false);
    expect(s1[1].failures).toBe(2);
    expect(s1[0].healthy).toBe(true);
    const servedByB = s1[1].requests;
    for (let i = 0; i < 3; i++) await pool.infer('mobilenetv2', req);
    expect(pool.stats()[1].requests).toBe(servedByB); // ejected: not tried

    // Cool-down passes but B is still down: the probe fails and it stays out.
    t += 1000;
    await pool.probeEjected();
    expect(pool.stats()[1].healthy).toBe(false);

    await b.restart();
    t += 1000;
    await pool.probeEjected();
    expect(pool.stats()[1].healthy).toBe(true);
    await Promise.all(Array.from({ length: 4 }, () => pool.infer('mobilenetv2', req)));
    expect(pool.stats()[1].requests).toBeGreaterThan(servedByB);
  });
});
