/**
 * The code of the worker thread that owns an onnxruntime session (see sessionWorker.ts). It is a string run
 * with `eval: true`, not a file of its own, so the same worker starts from the built package, from the
 * TypeScript sources under test, and from a bundle, without a loader or a path to find. It loads the runtime
 * by the absolute path the main thread resolved, and answers each request in the order they came:
 *   create  → created | create-failed (stage 'load': the runtime cannot be loaded; 'session': the model is refused)
 *   run     → result (output transferred, not copied, where the runtime allows) | error
 *   release → released
 */
export const SESSION_WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
let ort = null;
let session = null;
const text = (e) => (e && e.message) || String(e);
// One message at a time, in order: a release must not overtake a run still in progress.
let queue = Promise.resolve();
parentPort.on('message', (m) => {
  queue = queue.then(() => handle(m)).catch((e) => parentPort.postMessage({ op: 'error', id: m.id, message: text(e) }));
});
async function handle(m) {
  if (m.op === 'create') {
    try {
      ort = require(workerData.module);
    } catch (e) {
      parentPort.postMessage({ op: 'create-failed', stage: 'load', message: text(e) });
      return;
    }
    try {
      if (workerData.wasmThreads !== undefined) ort.env.wasm.numThreads = workerData.wasmThreads;
      session = await ort.InferenceSession.create(m.bytes, m.options);
      parentPort.postMessage({ op: 'created' });
    } catch (e) {
      parentPort.postMessage({ op: 'create-failed', stage: 'session', message: text(e) });
    }
  } else if (m.op === 'run') {
    try {
      const out = await session.run({ [m.input]: new ort.Tensor(m.type, m.data, m.dims) }, [m.output]);
      const t = out[m.output];
      if (!t) throw new Error("the model produced no output named '" + m.output + "'");
      const reply = { op: 'result', id: m.id, type: t.type, data: t.data, dims: Array.from(t.dims) };
      try {
        parentPort.postMessage(reply, [t.data.buffer]);
      } catch {
        parentPort.postMessage(reply);
      }
    } catch (e) {
      parentPort.postMessage({ op: 'error', id: m.id, message: text(e) });
    }
  } else if (m.op === 'release') {
    try {
      if (session) await session.release();
    } catch {}
    session = null;
    parentPort.postMessage({ op: 'released' });
  }
}
`;
