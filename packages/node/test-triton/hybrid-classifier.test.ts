// Issue 5, the classifier twin: one classifier over local (onnxruntime-node) + the real tritonserver. Both
// paths give the reference top-1; a batch is routed by the threshold and keeps its order; an undecodable image
// is that item's error only (attempts 0, never sent anywhere); a server that is gone means local recompute.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHybridClassifier, isItemError, type HybridClassifier } from '@sightline/node';
import type { RouteEvent } from '@sightline/core';
import { requireShared, sharedPath } from '@sightline/testkit';
import { startTritonServer, type TritonServerHandle } from '../../triton/test-triton/harness/index.js';

const ok = requireShared(['models', 'mobilenetv2-12.onnx'], ['images', 'dog.jpg'], ['images', 'goldfish.jpg'], ['reference', 'classify_mobilenetv2-12.json']);

interface ClassifyReference {
  images: Record<string, { top5: { classId: number; score: number }[] }>;
}

describe.skipIf(!ok)('hybrid local + Triton classifier', () => {
  let server: TritonServerHandle;
  let cls: HybridClassifier;
  const events: RouteEvent[] = [];
  let ref: ClassifyReference;
  const img = (name: string) => readFileSync(sharedPath('images', name));

  beforeAll(async () => {
    server = await startTritonServer({ models: ['mobilenetv2'] });
    ref = JSON.parse(readFileSync(sharedPath('reference', 'classify_mobilenetv2-12.json'), 'utf8'));
    cls = await createHybridClassifier({
      model: sharedPath('models', 'mobilenetv2-12.onnx'),
      remote: { url: server.httpUrl, model: 'mobilenetv2', timeoutMs: 20_000 },
      policy: { batchThreshold: 3 },
      onRoute: (e) => events.push(e),
    });
  }, 300_000);
  afterAll(async () => {
    await cls?.dispose();
    await server?.stop({ kill: true });
  });

  const top1 = (name: string) => ref.images[name].top5[0].classId;

  it('small calls run locally, batches at the threshold on the server; both give the reference top-1, in order', async () => {
    events.length = 0;
    const local = await cls.classifyBatch([img('dog.jpg'), img('goldfish.jpg')]);
    const remote = await cls.classifyBatch([img('goldfish.jpg'), img('dog.jpg'), img('goldfish.jpg')]);
    expect(events.map((e) => [e.decision.target, e.decision.reason])).toEqual([
      ['local', 'batch-threshold'],
      ['remote', 'batch-threshold'],
    ]);
    const names = [['dog.jpg', 'goldfish.jpg'], ['goldfish.jpg', 'dog.jpg', 'goldfish.jpg']];
    [local, remote].forEach((outs, k) => {
      expect(outs).toHaveLength(names[k].length);
      outs.forEach((o, i) => {
        if (isItemError(o)) throw new Error(`item ${i}: ${o.error.code} ${o.error.message}`);
        expect(o.route).toMatchObject({ path: k === 0 ? 'local' : 'remote', attempts: 1 });
        expect(o.backend).toBe(k === 0 ? 'onnxruntime-node' : 'triton-http');
        expect(o.classes[0].classId).toBe(top1(names[k][i]));
      });
    });
  });

  it('an undecodable image fails alone, without a trip to either path', async () => {
    const outs = await cls.classifyBatch([img('dog.jpg'), new Uint8Array([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]), img('goldfish.jpg')]);
    expect(outs).toHaveLength(3);
    const bad = outs[1];
    expect(isItemError(bad) && bad.error.code).toBe('E_IMAGE_DECODE');
    expect(isItemError(bad) && bad.route.attempts).toBe(0);
    expect(!isItemError(outs[0]) && outs[0].classes[0].classId).toBe(top1('dog.jpg'));
    expect(!isItemError(outs[2]) && outs[2].classes[0].classId).toBe(top1('goldfish.jpg'));
    await expect(cls.classify(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'E_IMAGE_DECODE' });
  });

  it('with the server gone, a batch meant for it is recomputed locally, item by item in order', async () => {
    await server.stop({ kill: true });
    events.length = 0;
    const outs = await cls.classifyBatch([img('goldfish.jpg'), img('dog.jpg'), img('dog.jpg')]);
    const want = ['goldfish.jpg', 'dog.jpg', 'dog.jpg'];
    outs.forEach((o, i) => {
      if (isItemError(o)) throw new Error(`item ${i}: ${o.error.code} ${o.error.message}`);
      expect(o.route.path).toBe('local');
      expect(o.classes[0].classId).toBe(top1(want[i]));
    });
    expect(events[0].decision).toMatchObject({ target: 'remote', reason: 'batch-threshold' });
    expect(events.find((e) => e.fallback)?.fallback).toMatchObject({ from: 'remote', to: 'local', items: 3 });
  });
});
