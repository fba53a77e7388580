// Issue 5: one detector over local (onnxruntime-node) + remote (the real tritonserver), with faults injected
// by killing the server and by a real proxy that answers 503, stalls or resets. Every item must get exactly
// one outcome, in order, with provenance; nothing is dropped or duplicated.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHybridDetector, isItemError, type HybridDetector, type HybridDetectOutcome } from '@sightline/node';
import type { RouteEvent } from '@sightline/core';
import { matchDetections, requireShared, sharedPath, type DetectReference } from '@sightline/testkit';
import { startFaultProxy, startTritonServer, type FaultProxy, type TritonServerHandle } from '../../triton/test-triton/harness/index.js';

const ok = requireShared(['models', 'yolov8n_dynamic_batch.onnx'], ['images', 'bus.jpg'], ['images', 'zidane.jpg'], ['reference', 'detect_yolov8n.json']);

describe.skipIf(!ok)('hybrid local + Triton detector under faults', () => {
  let server: TritonServerHandle;
  let proxy: FaultProxy;
  let det: HybridDetector;
  const events: RouteEvent[] = [];
  let bus: Buffer;
  let zidane: Buffer;
  let ref: DetectReference;
  // The breaker's clock is the test's, so open → half-open happens when the test says, not when a slow CI
  // machine happens to finish a local recompute.
  let clock = 0;

  beforeAll(async () => {
    server = await startTritonServer({ models: ['yolov8n'], maxBatchSize: 4 });
    proxy = await startFaultProxy(server.httpUrl);
    bus = readFileSync(sharedPath('images', 'bus.jpg'));
    zidane = readFileSync(sharedPath('images', 'zidane.jpg'));
    ref = JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n.json'), 'utf8'));
    det = await createHybridDetector({
      model: sharedPath('models', 'yolov8n_dynamic_batch.onnx'),
      remote: { url: proxy.url, model: 'yolov8n', timeoutMs: 20_000 },
      policy: { batchThreshold: 4 },
      breaker: { failureThreshold: 2, cooldownMs: 1_000, maxCooldownMs: 4_000, now: () => clock },
      onRoute: (e) => events.push(e),
    });
  }, 300_000);
  afterAll(async () => {
    await det?.dispose();
    await proxy?.stop();
    await server?.stop({ kill: true });
  });

  const images = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? zidane : bus));
  const expectRefs = (outs: HybridDetectOutcome[], n: number) => {
    expect(outs).toHaveLength(n);
    outs.forEach((o, i) => {
      if (isItemError(o)) throw new Error(`item ${i} failed: ${o.error.code} ${o.error.message}`);
      const m = matchDetections(o.detections, ref.images[i % 2 ? 'zidane.jpg' : 'bus.jpg'].detections);
      expect(m.misses, `item ${i} via ${o.backend}`).toEqual([]);
    });
  };

  it('sends small calls local and heavy batches to the server, saying why', async () => {
    proxy.mode = { kind: 'pass' };
    events.length = 0;
    const one = await det.detectBatch(images(1));
    expectRefs(one, 1);
    expect(one[0]).toMatchObject({ backend: 'onnxruntime-node', route: { path: 'local', attempts: 1 } });
    const six = await det.detectBatch(images(6));
    expectRefs(six, 6);
    expect(six.every((o) => !isItemError(o) && o.backend === 'triton-http' && o.route.path === 'remote' && o.route.endpoint === proxy.url)).toBe(true);
    expect(events.map((e) => e.decision.reason)).toEqual(['batch-threshold', 'batch-threshold']);
    expect(six.every((o) => !isItemError(o) && (o.bytes?.up ?? 0) > 0)).toBe(true);
  }, 180_000);

  it('503s: every item is recomputed locally, the breaker opens, then traffic returns after a probe', async () => {
    proxy.mode = { kind: 'status', status: 503 };
    events.length = 0;
    const a = await det.detectBatch(images(4));
    expectRefs(a, 4);
    expect(a.every((o) => !isItemError(o) && o.route.path === 'local' && o.route.attempts === 2)).toBe(true);
    expect(events.some((e) => e.fallback?.from === 'remote' && e.fallback.to === 'local')).toBe(true);
    await det.detectBatch(images(4)); // second failure trips the breaker
    expect(det.router.breakerState).toBe('open');
    const before = proxy.hits.infer;
    const b = await det.detectBatch(images(4));
    expectRefs(b, 4);
    expect(proxy.hits.infer).toBe(before); // open breaker: the server was not even asked
    expect(events.at(-1)?.decision.reason).toBe('remote-unhealthy');
    proxy.mode = { kind: 'pass' };
    clock += 1_000;
    expect(det.router.breakerState).toBe('half-open');
    const c = await det.detectBatch(images(4)); // half-open probe succeeds
    expectRefs(c, 4);
    expect(c.every((o) => !isItemError(o) && o.route.path === 'remote')).toBe(true);
    expect(det.router.breakerState).toBe('closed');
  }, 240_000);

  it('a stalled server times out and the items are recomputed locally; connection resets likewise', async () => {
    proxy.mode = { kind: 'delay', ms: 60_000 };
    const a = await det.detectBatch(images(4));
    expectRefs(a, 4);
    expect(a.every((o) => !isItemError(o) && o.route.path === 'local' && o.route.attempts === 2)).toBe(true);
    proxy.mode = { kind: 'reset' };
    const b = await det.detectBatch(images(4));
    expectRefs(b, 4);
    proxy.mode = { kind: 'pass' };
    clock += 10_000;
  }, 240_000);

  it('server killed and restarted: no lost or duplicated item, and the remote path comes back', async () => {
    await server.stop({ kill: true });
    const a = await det.detectBatch(images(6));
    expectRefs(a, 6);
    expect(a.every((o) => !isItemError(o) && o.route.path === 'local')).toBe(true);
    await server.restart();
    clock += 10_000; // past any cool-down: the next call is the half-open probe
    const b = await det.detectBatch(images(4));
    expectRefs(b, 4);
    expect(b.every((o) => !isItemError(o) && o.route.path === 'remote')).toBe(true);
    expect(det.router.breakerState).toBe('closed');
  }, 300_000);

  it('a bad image fails alone with its own error, without a pointless retry elsewhere', async () => {
    const outs = await det.detectBatch([bus, Buffer.from('definitely not an image'), zidane]);
    expect(outs).toHaveLength(3);
    expect(isItemError(outs[0])).toBe(false);
    expect(isItemError(outs[1]) && outs[1].error.code).toBe('E_IMAGE_DECODE');
    expect(isItemError(outs[2])).toBe(false);
  }, 120_000);
});
