// EndpointPool rules and batch splitting against real node:http endpoints.
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointPool, TritonHttpClient, batchInfer, splitOutputs, stackInputs } from '../src/index.js';
import { binaryResponse, startHttpServer, type TestServer } from './helpers/httpTestServer.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const req = { inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [1], data: new Float32Array([1]) }] };

/** An endpoint answering infer with output y = the inputs' first values, shaped [n, 1]; `state.down` → 503. */
async function endpoint(state: { down: boolean; delayMs?: number; failOn?: number }) {
  const s = await startHttpServer(async (q, body, res) => {
    if (state.down) return void res.writeHead(503).end('{"error":"down"}');
    if (q.method === 'GET') return void res.writeHead(200).end('{}');
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
    const hl = Number(q.headers['inference-header-content-length']);
    const h = JSON.parse(body.subarray(0, hl).toString()) as { inputs: { shape: number[] }[] };
    const n = h.inputs[0].shape[0];
    const data = new Float32Array(body.buffer.slice(body.byteOffset + hl, body.byteOffset + body.length));
    if (state.failOn !== undefined && data.includes(state.failOn)) return void res.writeHead(400).end('{"error":"bad item"}');
    const { body: out, headerLength } = binaryResponse({ model_name: 'm', outputs: [{ name: 'y', datatype: 'FP32', shape: [n, 1], parameters: { binary_data_size: 4 * n } }] }, [new Uint8Array(data.buffer)]);
    res.writeHead(200, { 'Inference-Header-Content-Length': String(headerLength) }).end(out);
  });
  servers.push(s);
  return s;
}

describe('EndpointPool', () => {
  it('sends to the endpoint with the fewest outstanding requests', async () => {
    const slow = await endpoint({ down: false, delayMs: 150 });
    const quick = await endpoint({ down: false });
    const pool = new EndpointPool({ endpoints: [new TritonHttpClient({ url: slow.url }), new TritonHttpClient({ url: quick.url })] });
    const first = pool.infer('m', req); // takes the slow one
    for (let i = 0; i < 4; i++) await pool.infer('m', req); // all on the idle one
    await first;
    expect(slow.requests).toHaveLength(1);
    expect(quick.requests).toHaveLength(4);
  });

  it('fails over on 503, ejects after the threshold, re-admits after a good probe, and reports no healthy endpoint', async () => {
    let t = 0;
    const sa = { down: true };
    const a = await endpoint(sa);
    const b = await endpoint({ down: false });
    const pool = new EndpointPool({ endpoints: [new TritonHttpClient({ url: a.url, retries: 0 }), new TritonHttpClient({ url: b.url, retries: 0 })], failureThreshold: 2, cooldownMs: 100, now: () => t });
    for (let i = 0; i < 4; i++) await pool.infer('m', req);
    expect(pool.stats().map((s) => s.healthy)).toEqual([false, true]);
    expect(pool.stats()[0].failures).toBe(2);
    sa.down = false;
    await pool.probeEjected();
    expect(pool.stats()[0].healthy).toBe(false); // cool-down not over
    t = 100;
    await pool.probeEjected();
    expect(pool.stats()[0].healthy).toBe(true);

    const dead = new EndpointPool({ endpoints: [new TritonHttpClient({ url: a.url, retries: 0 })], failureThreshold: 1, now: () => t });
    sa.down = true;
    await expect(dead.infer('m', req)).rejects.toMatchObject({ code: 'E_REMOTE_UNAVAILABLE' });
    await expect(dead.infer('m', req)).rejects.toMatchObject({ code: 'E_REMOTE_UNAVAILABLE', message: /no healthy endpoint/ });
  });

  it('does not count 4xx answers as endpoint failures', async () => {
    const a = await endpoint({ down: false, failOn: 1 });
    const pool = new EndpointPool({ endpoints: [new TritonHttpClient({ url: a.url })], failureThreshold: 1 });
    await expect(pool.infer('m', req)).rejects.toMatchObject({ code: 'E_REMOTE_HTTP' });
    expect(pool.stats()[0].healthy).toBe(true);
  });
});

describe('batching', () => {
  it('stacks items and splits outputs back into zero-copy per-item views', () => {
    const items = [0, 1, 2].map((i) => [{ name: 'x', datatype: 'INT32' as const, shape: [2], data: new Int32Array([i, i * 10]) }]);
    const [st] = stackInputs(items);
    expect(st.shape).toEqual([3, 2]);
    expect(Array.from(st.data as Int32Array)).toEqual([0, 0, 1, 10, 2, 20]);
    const per = splitOutputs([{ name: 'y', datatype: 'INT32', shape: [3, 2], data: st.data }], 3);
    expect(Array.from(per[2][0].data as Int32Array)).toEqual([2, 20]);
    expect((per[2][0].data as Int32Array).buffer).toBe((st.data as Int32Array).buffer);
    expect(() => stackInputs([items[0], [{ ...items[1][0], shape: [3] }]])).toThrow(/does not match/);
    expect(() => splitOutputs([{ name: 'y', datatype: 'INT32', shape: [2, 2], data: new Int32Array(4) }], 3)).toThrow(/batch 2/);
  });

  it('chunks by maxBatchSize, keeps order, and fails only the chunk that failed', async () => {
    const s = await endpoint({ down: false, failOn: 13 });
    const client = new TritonHttpClient({ url: s.url });
    const items = Array.from({ length: 20 }, (_, i) => [{ name: 'x', datatype: 'FP32' as const, shape: [1], data: new Float32Array([i]) }]);
    const res = await batchInfer(client, 'm', items, { maxBatchSize: 8, concurrency: 3 });
    expect(s.requests.map((r) => JSON.parse(r.body.subarray(0, Number(r.headers['inference-header-content-length'])).toString()).inputs[0].shape[0]).sort()).toEqual([4, 8, 8]);
    res.forEach((r, i) => {
      if (i >= 8 && i < 16) {
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.code).toBe('E_REMOTE_HTTP');
      } else {
        expect(r.ok).toBe(true);
        if (r.ok) expect((r.outputs[0].data as Float32Array)[0]).toBe(i);
      }
    });
    await expect(batchInfer(client, 'm', items, { maxBatchSize: 8, concurrency: 0 })).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
  });
});
