// The local engines run their onnxruntime session in a worker thread: the event loop keeps turning during an
// inference (a hybrid detector's sockets, a server's other requests), bad calls fail alone, disposal waits for
// the call in flight and refuses later ones, and a model the runtime refuses fails creation with its code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tinyYoloV8Model, requireShared, sharedPath } from '@sightline/testkit';
import { createEngineDetector } from '../src/index.js';
import { createOnnxruntimeNodeEngine } from '../src/engines/onnxruntimeNode.js';
import { createOnnxruntimeWasmEngine } from '../src/engines/onnxruntimeWasm.js';
import { SessionWorker } from '../src/engines/sessionWorker.js';
import type { Worker } from 'node:worker_threads';

const ok = requireShared(['models', 'yolov8n.onnx'], ['images', 'bus.jpg']);

/** Event-loop turns (setImmediate) while `work` runs. */
async function turnsDuring<T>(work: Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let done = false;
  const spin = () => {
    turns++;
    if (!done) setImmediate(spin);
  };
  setImmediate(spin);
  const value = await work.finally(() => (done = true));
  return { value, turns };
}

describe.skipIf(!ok)('local engines: onnxruntime in a worker thread', () => {
  const engines = { cpu: createOnnxruntimeNodeEngine, wasm: createOnnxruntimeWasmEngine };
  for (const [name, create] of Object.entries(engines)) {
    it(`${name}: the event loop keeps turning while YOLOv8n infers (on the main thread it froze for the whole run)`, async () => {
      const e = await create(readFileSync(sharedPath('models', 'yolov8n.onnx')), { inputName: 'images', outputName: 'output0', inputDataType: 'float32', maxBatch: 1 });
      try {
        const input = { data: new Float32Array(3 * 640 * 640).fill(0.5), dims: [1, 3, 640, 640] };
        await e.run(input);
        const { value, turns } = await turnsDuring(e.run(input));
        expect(value.output.dims).toEqual([1, 84, 8400]);
        // Run on this thread, the inference sits in one setImmediate callback: the loop turns once or twice
        // around it. Off this thread, a 100+ ms inference lets through thousands of turns.
        expect(turns).toBeGreaterThan(500);
      } finally {
        await e.dispose();
      }
    });
  }
  it('the inference thread killed mid-call: that call and every later one fail with E_DEVICE_LOST', async () => {
    // The wasm runtime: terminating a thread inside onnxruntime-node's native run aborts the whole process at
    // times ("terminate called after throwing an instance of 'Napi::Error'", seen once in CI), which would take
    // the test runner with it. What is under test, the thread's exit mapped to E_DEVICE_LOST, is the same.
    const w = await SessionWorker.create('onnxruntime-web', readFileSync(sharedPath('models', 'yolov8n.onnx')), { sessionOptions: { executionProviders: ['wasm'] }, wasmThreads: 1, sessionErrorCode: 'E_SESSION_CREATE', label: 'test' });
    const input = new Float32Array(3 * 640 * 640);
    await expect(w.run('images', 'float32', input, [1, 3, 640, 640], 'output0')).resolves.toMatchObject({ dims: [1, 84, 8400] });
    const inFlight = w.run('images', 'float32', input, [1, 3, 640, 640], 'output0');
    // Fault injection: end the thread as a crash would, during a ~1 s wasm inference (the field is private).
    void (w as unknown as { worker: Worker }).worker.terminate();
    await expect(inFlight).rejects.toMatchObject({ code: 'E_DEVICE_LOST' });
    await expect(w.run('images', 'float32', input, [1, 3, 640, 640], 'output0')).rejects.toMatchObject({ code: 'E_DEVICE_LOST' });
    await w.close();
  });

  it('a detector answers as before', async () => {
    const det = await createEngineDetector({ model: sharedPath('models', 'yolov8n.onnx'), backend: 'cpu' });
    try {
      const r = await det.detect(readFileSync(sharedPath('images', 'bus.jpg')));
      expect(r.backend).toBe('onnxruntime-node');
      expect(r.detections.map((d) => d.label).sort()).toEqual(['bus', 'person', 'person', 'person', 'person']);
    } finally {
      await det.dispose();
    }
  });
});

describe('local engines: failures', () => {
  const model = { inputName: 'images', outputName: 'output0', inputDataType: 'float32' as const, maxBatch: 1 };
  // One planted box whose score is the mean of input channel 0: the output says which input the model saw.
  const bytes = tinyYoloV8Model({ imgsz: 32, numClasses: 2, planted: [{ cx: 16, cy: 16, w: 8, h: 8, classId: 1, score: 0.9 }], scoreFromInput: 0 });

  it('a call with the wrong shape fails alone (E_INFERENCE); the engine still answers the next one', async () => {
    const e = await createOnnxruntimeNodeEngine(bytes, model);
    try {
      await expect(e.run({ data: new Float32Array(3 * 16 * 16), dims: [1, 3, 16, 16] })).rejects.toMatchObject({ code: 'E_INFERENCE' });
      const { output } = await e.run({ data: new Float32Array(3 * 32 * 32), dims: [1, 3, 32, 32] });
      expect(output.dims[0]).toBe(1);
      expect(output.data).toBeInstanceOf(Float32Array);
    } finally {
      await e.dispose();
    }
  });

  it('the caller may reuse its input buffer as soon as run() returns (the worker got a copy)', async () => {
    const e = await createOnnxruntimeNodeEngine(bytes, model);
    try {
      const input = new Float32Array(3 * 32 * 32).fill(0.5);
      const first = e.run({ data: input, dims: [1, 3, 32, 32] });
      input.fill(0); // overwritten while the first call is in flight
      const a = Array.from((await first).output.data);
      const b = Array.from((await e.run({ data: new Float32Array(3 * 32 * 32).fill(0.5), dims: [1, 3, 32, 32] })).output.data);
      const zeros = Array.from((await e.run({ data: input, dims: [1, 3, 32, 32] })).output.data);
      expect(a).toEqual(b);
      expect(a).not.toEqual(zeros); // the output does depend on the input
      expect(input.byteLength).toBe(3 * 32 * 32 * 4); // not detached
    } finally {
      await e.dispose();
    }
  });

  it('dispose lets the call in flight finish, then refuses later calls with E_DISPOSED', async () => {
    for (const create of [createOnnxruntimeNodeEngine, createOnnxruntimeWasmEngine]) {
      const e = await create(bytes, model);
      const inFlight = e.run({ data: new Float32Array(3 * 32 * 32), dims: [1, 3, 32, 32] });
      const disposed = e.dispose();
      await expect(inFlight).resolves.toMatchObject({ output: { dims: [1, 6, 21] } });
      await disposed;
      await expect(e.run({ data: new Float32Array(3 * 32 * 32), dims: [1, 3, 32, 32] })).rejects.toMatchObject({ code: 'E_DISPOSED' });
      await e.dispose(); // twice is fine
    }
  });

  it('the caller keeps its model bytes: a Node Buffer (slice() is a view there) is copied, not transferred', async () => {
    // As readFileSync returns a real model: a Buffer owning its ArrayBuffer (small ones come from Node's pool,
    // which is never transferred; this tiny model would be one of those).
    const buf = Buffer.allocUnsafeSlow(bytes.byteLength);
    buf.set(bytes);
    const a = await createOnnxruntimeNodeEngine(buf, model);
    const b = await createOnnxruntimeNodeEngine(buf, model);
    expect(buf.byteLength).toBe(bytes.byteLength);
    expect(Buffer.compare(buf, Buffer.from(bytes))).toBe(0);
    await Promise.all([a.dispose(), b.dispose()]);
  });

  it('bytes the runtime refuses fail creation with E_SESSION_CREATE, and no thread is left behind', async () => {
    const garbage = new Uint8Array(1024).fill(7);
    await expect(createOnnxruntimeNodeEngine(garbage, model)).rejects.toMatchObject({ code: 'E_SESSION_CREATE' });
    await expect(createOnnxruntimeWasmEngine(garbage, model)).rejects.toMatchObject({ code: 'E_SESSION_CREATE' });
  });
});
