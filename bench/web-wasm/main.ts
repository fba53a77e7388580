// Bench page for bench/web-wasm.bench.mjs: our detect()/classify() (built @sightline/web, worker, WASM,
// 2 threads) against a bare onnxruntime-web session.run in a worker of its own (same build, same thread
// count, same model, the same preprocessed tensor as input), in alternating blocks. Only one ORT instance
// is alive at a time: two wasm thread pools on 2 cores slow each other down by ~50% (first version of
// this bench: 230-270 ms per YOLOv8n run instead of ~150 ms).
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

let setupArgs: Setup | null = null;
let bytes: Uint8Array | null = null;
let pixels: { data: Uint8ClampedArray; width: number; height: number } | null = null;
let tensor: Float32Array | null = null;
let dims: number[] = [];
let inputName = '';

/** A fresh detector/classifier with its own worker (terminated by dispose()). */
async function makeOurs(s: Setup): Promise<Ours & { info: { backend: string; numThreads: number; inputName: string; inputSize: [number, number] } }> {
  const model = bytes!.slice(); // the detector may take ownership of its buffer
  if (s.task === 'detect') {
    const d = await createDetector({ model, backend: 'wasm', numThreads: s.threads, cache: false });
    return { run: (img) => d.detect(img), dispose: () => d.dispose(), info: d.info };
  }
  const c = await createClassifier({ model, backend: 'wasm', numThreads: s.threads, cache: false });
  return { run: (img) => c.classify(img, { topK: 5 }), dispose: () => c.dispose(), info: c.info };
}

async function decode(url: string): Promise<{ data: Uint8ClampedArray; width: number; height: number }> {
  const bmp = await createImageBitmap(await (await fetch(url)).blob());
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = c.getContext('2d')!;
  ctx.drawImage(bmp, 0, 0);
  const d = ctx.getImageData(0, 0, bmp.width, bmp.height);
  return { data: d.data, width: d.width, height: d.height };
}

let bareIsolated: boolean | null = null;

async function bareBlock(j: { model: Uint8Array; tensor: Float32Array; dims: number[]; inputName: string; threads: number; runs: number; warmup: number }): Promise<number[]> {
  const w = new Worker(new URL('./bareWorker.ts', import.meta.url), { type: 'module' });
  try {
    return await new Promise<number[]>((resolve, reject) => {
      w.onmessage = (e: MessageEvent<{ times?: number[]; isolated?: boolean; error?: string }>) => {
        if (!e.data.times) return reject(new Error(e.data.error));
        bareIsolated = e.data.isolated ?? null;
        resolve(e.data.times);
      };
      w.onerror = (e) => reject(new Error(e.message));
      w.postMessage(j); // copies: the page keeps its model and tensor for the next block
    });
  } finally {
    w.terminate();
  }
}

/** Median round trip of a bare postMessage (with a transferred `bytes` buffer) to an idle worker. */
async function echoRoundTrip(bytes: number, runs = 60): Promise<number> {
  const w = new Worker(new URL('./echoWorker.ts', import.meta.url), { type: 'module' });
  try {
    const times: number[] = [];
    let buf = new ArrayBuffer(bytes);
    for (let i = 0; i < runs + 10; i++) {
      const t0 = performance.now();
      buf = await new Promise<ArrayBuffer>((resolve) => {
        w.onmessage = (e: MessageEvent<ArrayBuffer>) => resolve(e.data);
        w.postMessage(buf, [buf]);
      });
      if (i >= 10) times.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 5)); // let the worker go idle, as between frames
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1];
  } finally {
    w.terminate();
  }
}

type Stages = { preprocess: number[]; inference: number[]; postprocess: number[]; total: number[] };

const bench = {
  async setup(s: Setup): Promise<{ backend: string; numThreads: number; inputName: string; dims: number[] }> {
    bytes = new Uint8Array(await (await fetch(s.model)).arrayBuffer());
    pixels = await decode(s.image);
    setupArgs = s;
    // One short-lived detector to read the model's input size and name (and to check the backend).
    const o = await makeOurs(s);
    const info = o.info;
    await o.dispose();
    const [h, w] = info.inputSize; // [height, width], as everywhere in Sightline
    let data: Float32Array;
    if (s.tensorUrl) data = new Float32Array(await (await fetch(s.tensorUrl)).arrayBuffer());
    else {
      const px = { data: pixels.data, width: pixels.width, height: pixels.height, channels: 4 as const };
      const r = s.task === 'detect' ? new LetterboxPreprocessor().run(px, { width: w, height: h }) : new ClassifyPreprocessor().run(px, { size: w });
      data = new Float32Array(r.data as Float32Array);
    }
    dims = [1, 3, h, w];
    if (data.length !== 3 * h * w) throw new Error(`tensor has ${data.length} elements, want ${3 * h * w}`);
    tensor = data;
    inputName = info.inputName;
    return { backend: info.backend, numThreads: info.numThreads, inputName: info.inputName, dims };
  },

  /**
   * `blocks` rounds of: a bare session.run block in a fresh worker, then a block of our detect()/classify()
   * in a fresh detector (order flipped every round). Each block warms up first and is torn down (worker
   * terminated) before the next starts, so each side has the cores to itself.
   */
  async measure(blocks: number, runsPerBlock: number, warmup: number) {
    if (!setupArgs || !pixels || !bytes || !tensor) throw new Error('setup() first');
    const px = pixels;
    // The next frame is made before the clock starts: it is transferred to the worker (zero-copy), as a
    // decoded camera frame would be.
    const frame = () => new ImageData(new Uint8ClampedArray(px.data), px.width, px.height);
    const ours: number[] = [];
    const bare: number[] = [];
    const stages: Stages = { preprocess: [], inference: [], postprocess: [], total: [] };
    const oursBlock = async () => {
      const o = await makeOurs(setupArgs!);
      try {
        for (let i = 0; i < warmup + runsPerBlock; i++) {
          const img = frame();
          const t0 = performance.now();
          const r = await o.run(img);
          const ms = performance.now() - t0;
          if (i < warmup) continue;
          ours.push(ms);
          for (const k of ['preprocess', 'inference', 'postprocess', 'total'] as const) stages[k].push(r.timings[k]);
        }
      } finally {
        await o.dispose();
      }
    };
    const bareRun = async () => {
      bare.push(...(await bareBlock({ model: bytes!, tensor: tensor!, dims, inputName, threads: setupArgs!.threads, runs: runsPerBlock, warmup })));
    };
    for (let b = 0; b < blocks; b++) {
      if (b % 2 === 0) {
        await bareRun();
        await oursBlock();
      } else {
        await oursBlock();
        await bareRun();
      }
    }
    const echoMs = await echoRoundTrip(px.data.byteLength);
    return { ours, bare, stages, bareIsolated, pageIsolated: crossOriginIsolated, echoMs };
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
