// The baseline of bench/web-wasm: a bare onnxruntime-web session.run in its own module Worker — the same
// place our engine runs — with the same build and thread count. It lives only for one block of runs and is
// terminated before our detector's block starts, so the two ORT thread pools never compete for the 2 cores.
type Ort = typeof import('onnxruntime-web/wasm');

interface BareJob {
  model: Uint8Array;
  tensor: Float32Array;
  dims: number[];
  inputName: string;
  threads: number;
  runs: number;
  warmup: number;
}

self.onmessage = async (e: MessageEvent<BareJob>) => {
  try {
    const j = e.data;
    const ort: Ort = await import('onnxruntime-web/wasm');
    ort.env.wasm.numThreads = j.threads;
    const session = await ort.InferenceSession.create(j.model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const feeds = { [j.inputName]: new ort.Tensor('float32', j.tensor, j.dims) };
    const times: number[] = [];
    for (let i = 0; i < j.warmup + j.runs; i++) {
      const t0 = performance.now();
      const out = await session.run(feeds);
      const ms = performance.now() - t0;
      for (const k in out) out[k].dispose();
      if (i >= j.warmup) times.push(ms);
    }
    await session.release();
    // Without cross-origin isolation ORT silently runs 1 thread: report what it really had.
    self.postMessage({ times, isolated: self.crossOriginIsolated });
  } catch (err) {
    self.postMessage({ error: String((err as Error)?.stack ?? err) });
  }
};
