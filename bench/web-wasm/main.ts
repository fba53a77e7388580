// Bench page for bench/web-wasm.bench.mjs: our detect()/classify() (built @sightline/web, worker, WASM,
// 2 threads) against a bare onnxruntime-web session.run on this page's main thread (same build, same
// thread count, same model, the same preprocessed tensor as input), timed alternately in one page.
// Dynamic import keeps ORT in its own chunk: its wasm threads start workers from the chunk's own URL, which
// must not be the page's entry chunk.
type Ort = typeof import('onnxruntime-web/wasm');
let ortP: Promise<Ort> | null = null;
const loadOrt = () => (ortP ??= import('onnxruntime-web/wasm'));
import { ClassifyPreprocessor, LetterboxPreprocessor } from '@sightline/core';
import { createClassifier, createDetector } from '@sightline/web';

type Ours = { run(img: ImageData): Promise<{ timings: { preprocess: number; inference: number; postprocess: number; total: number } }>; dispose(): Promise<void> };

interface Setup {
  model: string;
  task: 'detect' | 'classify';
  image: string;
  /** float32 NCHW input for the bare run (the reference letterbox tensor); computed with the core when absent. */
  tensorUrl?: string;
  threads: number;
}

let ours: Ours | null = null;
let session: Awaited<ReturnType<Ort['InferenceSession']['create']>> | null = null;
let feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
let pixels: { data: Uint8ClampedArray; width: number; height: number } | null = null;
let threadsSet = false;

async function decode(url: string): Promise<{ data: Uint8ClampedArray; width: number; height: number }> {
  const bmp = await createImageBitmap(await (await fetch(url)).blob());
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = c.getContext('2d')!;
  ctx.drawImage(bmp, 0, 0);
  const d = ctx.getImageData(0, 0, bmp.width, bmp.height);
  return { data: d.data, width: d.width, height: d.height };
}

const bench = {
  async setup(s: Setup): Promise<{ backend: string; numThreads: number; inputName: string; dims: number[] }> {
    await bench.teardown();
    const ort = await loadOrt();
    if (!threadsSet) {
      ort.env.wasm.numThreads = s.threads;
      threadsSet = true;
    }
    const bytes = new Uint8Array(await (await fetch(s.model)).arrayBuffer());
    pixels = await decode(s.image);
    let info;
    if (s.task === 'detect') {
      const d = await createDetector({ model: bytes, backend: 'wasm', numThreads: s.threads, cache: false });
      ours = { run: (img) => d.detect(img), dispose: () => d.dispose() };
      info = d.info;
    } else {
      const c = await createClassifier({ model: bytes, backend: 'wasm', numThreads: s.threads, cache: false });
      ours = { run: (img) => c.classify(img, { topK: 5 }), dispose: () => c.dispose() };
      info = c.info;
    }
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const [h, w] = info.inputSize; // [height, width], as everywhere in Sightline
    let data: Float32Array;
    if (s.tensorUrl) data = new Float32Array(await (await fetch(s.tensorUrl)).arrayBuffer());
    else {
      const px = { data: pixels.data, width: pixels.width, height: pixels.height, channels: 4 as const };
      const r = s.task === 'detect' ? new LetterboxPreprocessor().run(px, { width: w, height: h }) : new ClassifyPreprocessor().run(px, { size: w });
      data = new Float32Array(r.data as Float32Array);
    }
    const dims = [1, 3, h, w];
    if (data.length !== 3 * h * w) throw new Error(`tensor has ${data.length} elements, want ${3 * h * w}`);
    feeds = { [info.inputName]: new ort.Tensor('float32', data, dims) };
    return { backend: info.backend, numThreads: info.numThreads, inputName: info.inputName, dims };
  },

  /** `warmup` untimed pairs, then `runs` pairs alternating ours / bare (order flipped every run). */
  async measure(runs: number, warmup: number) {
    if (!ours || !session || !pixels) throw new Error('setup() first');
    const o = ours;
    const sess = session;
    const px = pixels;
    // The next frame is made before the clock starts: it is transferred to the worker (zero-copy), as a
    // decoded camera frame would be.
    const frame = () => new ImageData(new Uint8ClampedArray(px.data), px.width, px.height);
    const runOurs = async () => {
      const img = frame();
      const t0 = performance.now();
      const r = await o.run(img);
      return { ms: performance.now() - t0, t: r.timings };
    };
    const runBare = async () => {
      const t0 = performance.now();
      const out = await sess.run(feeds);
      const ms = performance.now() - t0;
      for (const k in out) out[k].dispose();
      return ms;
    };
    for (let i = 0; i < warmup; i++) {
      await runOurs();
      await runBare();
    }
    const a: number[] = [];
    const b: number[] = [];
    const stages = { preprocess: [] as number[], inference: [] as number[], postprocess: [] as number[], total: [] as number[] };
    for (let i = 0; i < runs; i++) {
      const first = i % 2 === 0;
      if (!first) b.push(await runBare());
      const r = await runOurs();
      a.push(r.ms);
      for (const k of ['preprocess', 'inference', 'postprocess', 'total'] as const) stages[k].push(r.t[k]);
      if (first) b.push(await runBare());
    }
    return { ours: a, bare: b, stages };
  },

  async teardown() {
    await ours?.dispose();
    await session?.release();
    ours = null;
    session = null;
  },
};

declare global {
  interface Window {
    bench: typeof bench;
    benchReady: boolean;
  }
}
window.bench = bench;
window.benchReady = true;
