// hybrid-gpu.mjs — issue 5's mixed workload where the remote is a real GPU server: the browser engine's own
// classes (packages/web OnnxEngine on WebGPU through Dawn, HybridEngine with the core HybridRouter, RemoteEngine
// over fetch), run in Node on the GPU machine, against Triton serving YOLOv8n on the same GPU (the bare
// tritonserver with a python-backend model running torch on CUDA: bench/device/triton_gpu_repo.py). Strategies:
// always-local, always-remote, the policy, and always-local again as an A/A control; the fixed ones are the
// same router pinned by `policy.mode`, so all pay the same overhead. Mixes: frames only; frames
// with 64-image batches; batches only. ROUNDS rounds, strategy order balanced for carry-over (lib/mixedWorkload
// balancedOrders), a fresh router per run
// (the policy pays its start-up probe at creation, outside the measured window, like model loading).
//
// GPU machine: bench/device/stage-hybrid-gpu.sh here, then two device calls (serve-triton-gpu.sh starts the
// server on a repository written by triton_gpu_repo.py, HTTP on 18000; run-hybrid-gpu.sh runs this with
// --remote-model yolov8n_e2e (server-side NMS, 7 KB down per image) or yolov8n_u8 (raw head, 2.8 MB down)).
// CPU smoke here (SwiftShader through Dawn, a tiny generated model served by the local tritonserver):
//   LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node bench/device/hybrid-gpu.mjs --tiny 1
// Options: --rounds 3 --frames 300 --batch 64 --batches 3 --out bench/results/hybrid-gpu-<gpu>.json (h100, h200)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { machine, repoRoot, r3, summarize } from '../lib/harness.mjs';
import { mixRows, newAccumulator, routeCounter, routeTrace, schedule, selectStrategies } from '../lib/mixedWorkload.mjs';
import { installNavigatorGpu } from './nodeWebgpu.mjs';

register('./sightline-resolve.mjs', import.meta.url);

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, arr) => (v.startsWith('--') && a.push([v.slice(2), arr[i + 1]]), a), []));
const tiny = !!+(args.tiny ?? 0);
const ROUNDS = +(args.rounds ?? (tiny ? 1 : 5));
const FRAMES = +(args.frames ?? (tiny ? 20 : 300));
const BATCH = +(args.batch ?? (tiny ? 8 : 64));
const BATCHES = +(args.batches ?? 3);
const log = (...a) => console.log('[hybrid-gpu]', ...a);
/** The GPU, for the results' name and machine line (nvidia-smi where there is one). */
const gpu = (() => {
  try {
    const name = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8' }).trim().split('\n')[0];
    return { name, tag: /H200/.test(name) ? 'h200' : /H100/.test(name) ? 'h100' : 'gpu' };
  } catch {
    return { name: '', tag: 'gpu' };
  }
})();
const outFile = args.out ?? join(repoRoot, 'bench', 'results', tiny ? 'hybrid-gpu-smoke.json' : `hybrid-gpu-${gpu.tag}.json`);

// 1. navigator.gpu: from /tmp/dw/setup.mjs on the GPU machine; here, from the npm `webgpu` package.
await installNavigatorGpu();

// 2. onnxruntime-web's WebGPU build: the engine imports 'onnxruntime-web/webgpu' (mapped by sightline-resolve
// to SIGHTLINE_ORT_DIR where there is no node_modules); its wasm is loaded from files, one thread.
const ort = await import('onnxruntime-web/webgpu');
const ortDir = process.env.SIGHTLINE_ORT_DIR ?? join(repoRoot, 'node_modules/onnxruntime-web/dist');
const glue = join(ortDir, 'ort-wasm-simd-threaded.asyncify');
ort.env.wasm.wasmPaths = { mjs: pathToFileURL(`${glue}.mjs`).href, wasm: pathToFileURL(`${glue}.wasm`).href };
ort.env.wasm.wasmBinary = readFileSync(`${glue}.wasm`);
ort.env.logLevel = 'warning';

const webDist = (p) => import(pathToFileURL(join(repoRoot, 'packages/web/dist', p)).href);
const { OnnxEngine } = await webDist('engine/onnxEngine.js');
const { HybridEngine } = await webDist('engine/hybridEngine.js');

// 3. Model, server, images.
let modelBytes;
let url = args.url;
let remoteModel = args['remote-model'] ?? 'yolov8n_e2e';
let stopServer = async () => {};
const work = mkdtempSync(join(tmpdir(), 'sightline-hybrid-gpu-'));
if (tiny) {
  const tk = await import(pathToFileURL(join(repoRoot, 'packages/testkit/dist/index.js')).href);
  modelBytes = tk.tinyYoloV8Model({ imgsz: 64, numClasses: 2, dynamicBatch: true, planted: [{ cx: 20, cy: 22, w: 16, h: 12, classId: 1, score: 0.9 }] });
} else {
  modelBytes = readFileSync(args.model ?? join(repoRoot, '..', 'shared', 'models', 'yolov8n_dynamic_batch.onnx'));
}
if (!url) {
  // No server given: the local CPU tritonserver (python backend) serving the same model (smoke runs).
  const { writeModelRepository } = await import(pathToFileURL(join(repoRoot, 'packages/triton/dist/modelRepository/index.js')).href);
  const { startTritonForBench } = await import('../lib/tritonServer.mjs');
  const onnx = join(work, 'model.onnx');
  writeFileSync(onnx, modelBytes);
  remoteModel = 'model';
  await writeModelRepository({ onnx, outDir: join(work, 'repo'), name: remoteModel, backend: 'python', device: 'cpu', maxBatchSize: 8, ensembleUint8: false, end2end: false, fp16: false });
  const server = await startTritonForBench([join(work, 'repo', 'models')]);
  url = server.httpUrl;
  stopServer = () => server.stop();
}

/** RGBA frames: `<name>.<w>x<h>.rgba` files in --images (written by bench/device/prepare-hybrid-images.mjs), else a pattern. */
function loadImages() {
  const dir = args.images ?? join(repoRoot, '.device-hybrid');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.\d+x\d+\.rgba$/.test(f)) : [];
  if (files.length) {
    return files.map((f) => {
      const [, w, h] = /\.(\d+)x(\d+)\.rgba$/.exec(f).map(Number);
      return { name: f, data: new Uint8ClampedArray(readFileSync(join(dir, f))), width: w, height: h };
    });
  }
  log('no images in', dir, '- using a synthetic pattern');
  const w = 320, h = 240, data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([(i * 7) & 255, (i >> 5) & 255, (i * 13) & 255, 255], i * 4);
  return [{ name: 'pattern', data, width: w, height: h }];
}
const images = loadImages();
const frame = (i) => {
  const im = images[i % images.length];
  return { kind: 'pixels', data: im.data, width: im.width, height: im.height };
};

// 4. One local engine for every run (its session, like a page's, outlives the routers); a fresh router per run.
const base = { task: 'detect', backend: 'webgpu', cacheName: null, maxModelBytes: 1 << 30, conf: 0.25, iou: 0.7, maxDet: 300 };
const tCreate = performance.now();
const local = await OnnxEngine.create({ ...base, model: modelBytes.slice().buffer, warmup: true }, { onFallback: (e) => log('FALLBACK', JSON.stringify(e)) });
const localCreateMs = performance.now() - tCreate;
if (local.info.backend !== 'webgpu') throw new Error(`local engine is ${local.info.backend}, not webgpu: nothing to measure`);
log('local engine', JSON.stringify({ backend: local.info.backend, inputSize: local.info.inputSize, createMs: r3(localCreateMs) }));
// HybridEngine.dispose would dispose the shared local engine too: runs drop their router instead.
const keepLocal = { info: local.info, detect: (f, o) => local.detect(f, o), classify: (f, o) => local.classify(f, o), dispose: async () => {} };

const strategies = {
  'always-local': { policy: { mode: 'local' }, probe: false },
  'always-remote': { policy: { mode: 'remote' }, probe: false },
  policy: { probe: true },
  // A/A control: always-local a second time, scored like the policy. Its spread is what identical routing
  // gets on this machine, the yardstick for "the policy matches the best fixed choice".
  'always-local, again (A/A)': { policy: { mode: 'local' }, probe: false },
  // Diagnostics, run only when named in --strategies: the probe's aftermath alone (probe, then every call
  // local), and the policy without one-at-a-time contended routing.
  'probe, then always-local': { policy: { mode: 'local' }, probe: true },
  'policy, contention detection off': { probe: true, contention: { detect: false } },
};
// --strategies: names separated by '|' (names contain commas); always-local and always-remote are always added.
const names = selectStrategies(strategies, args.strategies, ['probe, then always-local', 'policy, contention detection off']);
const allMixes = Object.fromEntries(
  Object.entries({
    'frames only': { frames: FRAMES, batches: 0 },
    'frames + batches': { frames: FRAMES, batches: BATCHES },
    'batches only': { frames: 0, batches: BATCHES * 2 },
  }).filter(([k]) => !args.mixes || args.mixes.split(',').includes(k)),
);

async function runMix(h, mix) {
  const frameLat = [], batchLat = [];
  const paths = { local: 0, remote: 0 };
  let imagesDone = 0, errors = 0;
  const tally = (outs) => {
    for (const o of outs) {
      if ('error' in o) errors++;
      else paths[o.route.path]++;
    }
    imagesDone += outs.length;
  };
  const t0 = performance.now();
  const stream = (async () => {
    for (let i = 0; i < mix.frames; i++) {
      const t = performance.now();
      tally(await h.run([frame(i)], {}));
      frameLat.push(performance.now() - t);
    }
  })();
  const batches = (async () => {
    for (let b = 0; b < mix.batches; b++) {
      // Spread the batches over the stream (a frame stream takes ~FRAMES × a few ms here).
      if (mix.frames) await new Promise((r) => setTimeout(r, 150));
      const t = performance.now();
      tally(await h.run(Array.from({ length: BATCH }, (_, i) => frame(i + b)), {}));
      batchLat.push(performance.now() - t);
      if (process.env.DEBUG_BATCHES) log('  batch', b, Math.round(performance.now() - t), 'ms');
    }
  })();
  await Promise.all([stream, batches]);
  const wall = performance.now() - t0;
  return { ips: imagesDone / (wall / 1000), frameLat, batchLat, paths, errors };
}

const results = {};
let totalErrors = 0;
let roundsDone = 0;
try {
  for (const { round, mixName, mix, name } of schedule(ROUNDS, allMixes, names)) {
    // Results are written after every round, so a run cut short by the device's time limit still reports.
    if (round > roundsDone) writeOut((roundsDone = round));
    const acc = ((results[mixName] ??= {})[name] ??= newAccumulator());
    let counting = false;
    const count = routeCounter(acc, () => counting);
    let h;
    const trace = args.trace && name === 'policy' ? routeTrace(() => counting, () => h?.router) : null;
    const onRoute = (e) => {
      count(e);
      trace?.onRoute(e);
    };
    h = await HybridEngine.create(keepLocal, { ...base, model: '', warmup: false, remote: { url, model: remoteModel, timeoutMs: 120_000 }, ...strategies[name] }, { onRoute });
    // The same warm-up for every strategy: one frame and one 4-image batch.
    await h.run([frame(0)], {});
    await h.run([frame(1), frame(2), frame(3), frame(0)], {});
    counting = true;
    const r = await runMix(h, mix);
    totalErrors += r.errors;
    acc.ips.push(r.ips);
    acc.frameLat.push(...r.frameLat);
    acc.batchLat.push(...r.batchLat);
    acc.paths.local += r.paths.local;
    acc.paths.remote += r.paths.remote;
    if (name === 'policy') {
      acc.gain.push(h.router.assessContention().gain);
      acc.estimates.push({ local: h.router.localModel.estimate, remote: h.router.remoteModel.estimate });
    }
    if (trace) log('  trace', trace.summary());
    await h.dispose();
    log(`round ${round + 1}/${ROUNDS}`, mixName, '·', name, JSON.stringify({ ips: r3(r.ips), frameP95: r3(summarize(r.frameLat).p95), batchP95: r3(summarize(r.batchLat).p95), paths: r.paths, errors: r.errors }));
  }
} finally {
  await stopServer();
  rmSync(work, { recursive: true, force: true });
}

const { rows, remoteImages } = writeOut(ROUNDS);
// A remote that never answered makes every row a local run in disguise: say so loudly.
if (remoteImages === 0) log('REMOTE NEVER SUCCEEDED: every item was recomputed locally; the rows do not measure routing. Fallbacks:', JSON.stringify(Object.values(results)[0]?.['always-remote'].fallbacks));
log('wrote', outFile);
for (const r of rows) log(JSON.stringify(r));
await local.dispose();
delete globalThis.navigator.gpu; // else Dawn keeps node alive
process.exit(totalErrors !== 0 ? 1 : remoteImages === 0 ? 2 : 0);

function writeOut(rounds) {
const rows = mixRows(results, names, (a) => ({ images_local_remote: `${a.paths.local} / ${a.paths.remote}` }));
const remoteImages = Object.values(results).reduce((n, by) => n + by['always-remote'].paths.remote, 0);
const policyEstimates = Object.fromEntries(Object.entries(results).map(([m, by]) => [m, by.policy?.estimates.at(-1)]));
const out = {
  bench: tiny ? 'hybrid-gpu-smoke' : `hybrid-gpu-${gpu.tag}`,
  date: new Date().toISOString(),
  machine: `${gpu.name ? `${gpu.name}, ` : ''}${machine()}`,
  description:
    `Mixed workload, YOLOv8n: ${FRAMES} single frames (closed loop) and/or ${BATCH}-image batches; ${rounds} rounds, strategy order from a carry-over-balanced design (each round the next row: over a full cycle every strategy runs once in every position and once right after every other), a fresh router per run after a 1-frame + 4-image warm-up. ` +
    `Local = packages/web OnnxEngine on WebGPU (Dawn, onnxruntime-web native WebGPU EP, GPU letterbox and candidate filter); remote = packages/web RemoteEngine (fetch, KServe v2) → tritonserver 2.51 (nvidia-pytriton wheel) on the same GPU, python-backend model running the ONNX graph in PyTorch on CUDA (bench/device/triton_gpu_repo.py; model ${remoteModel}: UINT8 pixels up, ${remoteModel.endsWith('_e2e') ? 'conf filter on the GPU and class-aware NMS on the server, FP32 [B,300,6] down' : 'FP32 [B,84,8400] down'}); the fixed strategies are the same HybridEngine pinned by policy.mode. "always-local, again (A/A)" is always-local run a second time in the same rounds and scored like the policy: its ratio is the noise band. ` +
    '`vs_best_fixed` = median images/s ÷ the better fixed strategy\'s median; `_rounds` = that ratio within each round (min / median / max).',
  local_engine: { backend: local.info.backend, create_ms: r3(localCreateMs) },
  remote: { url, model: remoteModel },
  images: images.map((i) => `${i.name} ${i.width}x${i.height}`),
  policy_cost_models: policyEstimates,
  errors: totalErrors,
  remote_images: remoteImages,
  rows,
};
writeFileSync(outFile, JSON.stringify(out, null, 2) + '\n');
return { rows, remoteImages };
}
