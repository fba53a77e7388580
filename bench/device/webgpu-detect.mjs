// webgpu-detect.mjs — Sightline's whole WebGPU detect on a real GPU from Node (Dawn via npm `webgpu`, the
// recipe in ../shared/device/): RGBA frame already on the GPU → WGSL letterbox → onnxruntime-web native WebGPU
// EP with IO binding + enableGraphCapture → WGSL candidate filter → candidate read-back → core decode + NMS.
// Batch 1 and 8; baseline = the model alone (session.run with the same GPU IO binding + graph capture),
// interleaved in the same process. Checks GPU-path detections equal the CPU path (core letterbox → ORT wasm →
// core decode) and reports cold start. Writes bench/results/webgpu-detect.json (…-smoke.json with --tiny).
//
// Build first: npx tsc -b packages/web   (the script imports packages/{core,web}/dist)
// GPU machine (after the pack prologue of ../shared/device/webgpu-node-pack.sh, .device-webgpu carried):
//   node --import /tmp/dw/setup.mjs bench/device/webgpu-detect.mjs --ort /tmp/dw/ort \
//        --model shared/models/yolov8n_dynamic_batch.onnx --frame shared/reference/bus_letterbox_input_f32.bin
// CPU-only smoke here (SwiftShader through Dawn, tiny generated model):
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node bench/device/webgpu-detect.mjs --tiny 1
// Options: --batches 1,8 --runs 50 --warmup 5 --conf 0.25 --graph 1 (0 = no graph capture) --cpucheck 1
import { existsSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { repoRoot, summarize, r3, writeResult } from '../lib/harness.mjs';
import { installNavigatorGpu } from './nodeWebgpu.mjs';

register('./sightline-resolve.mjs', import.meta.url);

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, arr) => (v.startsWith('--') && a.push([v.slice(2), arr[i + 1]]), a), []));
const tiny = !!+(args.tiny ?? 0);
const batches = (args.batches ?? '1,8').split(',').map(Number);
const runs = +(args.runs ?? (tiny ? 5 : 50));
const warmup = +(args.warmup ?? (tiny ? 1 : 5));
const conf = +(args.conf ?? 0.25);
const useGraph = !!+(args.graph ?? 1);
const cpuCheck = !!+(args.cpucheck ?? 1);
const log = (...a) => console.log('[webgpu-detect]', ...a);
const t00 = performance.now();

// 1. navigator.gpu: set by /tmp/dw/setup.mjs on the GPU machine; here, from the npm `webgpu` package.
await installNavigatorGpu();

const core = await import('@sightline/core');
const web = await import(pathToFileURL(join(repoRoot, 'packages/web/dist/gpu/index.js')).href);

const tDev = performance.now();
const shared = await web.getSharedGpu();
if (!shared) {
  log('NO WebGPU ADAPTER (set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json for a CPU smoke run)');
  process.exit(3);
}
const device = shared.device;
const deviceMs = performance.now() - tDev;
const adapter = { vendor: shared.adapterInfo.vendor, architecture: shared.adapterInfo.architecture, device: shared.adapterInfo.device, description: shared.adapterInfo.description, fallback: shared.isFallbackAdapter, shaderF16: shared.hasShaderF16 };
log('adapter', JSON.stringify(adapter));
device.lost.then((i) => log('DEVICE LOST', i.reason, i.message));

// 2. onnxruntime-web's native WebGPU build, imported by path (its "node" export is wasm-only).
const ortDir = args.ort ?? (existsSync('/tmp/dw/ort/ort.webgpu.min.mjs') ? '/tmp/dw/ort' : join(repoRoot, 'node_modules/onnxruntime-web/dist'));
const ort = await import(pathToFileURL(join(ortDir, 'ort.webgpu.min.mjs')).href);
ort.env.wasm.numThreads = 1; // >1 needs the pack script's patched dist in Node
const glue = join(ortDir, 'ort-wasm-simd-threaded.asyncify');
ort.env.wasm.wasmPaths = { mjs: pathToFileURL(`${glue}.mjs`).href, wasm: pathToFileURL(`${glue}.wasm`).href };
ort.env.wasm.wasmBinary = readFileSync(`${glue}.wasm`);
ort.env.logLevel = 'warning';

// 3. Model, layout and frames.
let modelBytes, size, layout;
if (tiny) {
  const tk = await import(pathToFileURL(join(repoRoot, 'packages/testkit/dist/index.js')).href);
  size = 64;
  modelBytes = tk.tinyYoloV8Model({ imgsz: size, numClasses: 2, dynamicBatch: true, planted: [{ cx: 20, cy: 22, w: 16, h: 12, classId: 1, score: 0.9 }, { cx: 44, cy: 40, w: 10, h: 20, classId: 0, score: 0.5 }], scoreFromInput: 1 });
  layout = { kind: 'yolov8', numClasses: 2, numAnchors: core.anchorCount([size, size]), transposed: false };
} else {
  const modelPath = args.model ?? join(repoRoot, '..', 'shared', 'models', 'yolov8n_dynamic_batch.onnx');
  modelBytes = readFileSync(modelPath);
  size = +(args.size ?? 640);
  layout = { kind: 'yolov8', numClasses: +(args.classes ?? 80), numAnchors: core.anchorCount([size, size]), transposed: false };
}
const rowsOut = 4 + layout.numClasses;

/** 640×640 RGBA frame: the reference letterboxed bus.jpg (so model input = reference input) or a pattern. */
function basePixels() {
  const framePath = args.frame ?? join(repoRoot, '..', 'shared', 'reference', 'bus_letterbox_input_f32.bin');
  const W = 640, H = 640, px = new Uint8Array(W * H * 4);
  if (existsSync(framePath)) {
    const f = new Float32Array(new Uint8Array(readFileSync(framePath)).buffer);
    for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) px[i * 4 + c] = Math.round(f[c * W * H + i] * 255);
  } else {
    log('frame file missing, using a synthetic pattern:', framePath);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) { const o = (y * W + x) * 4; px[o] = (x * 7) & 255; px[o + 1] = (y * 3) & 255; px[o + 2] = ((x ^ y) * 5) & 255; }
  }
  for (let i = 3; i < px.length; i += 4) px[i] = 255;
  return { data: px, width: W, height: H };
}
const base = basePixels();
/** Frame i: the base rolled right by 40·i px, so a batch holds different images. */
function framePixels(i) {
  const { data, width, height } = base;
  if (i === 0) return base;
  const out = new Uint8Array(data.length), s = (40 * i) % width;
  for (let y = 0; y < height; y++) {
    const r = y * width * 4;
    out.set(data.subarray(r, r + (width - s) * 4), r + s * 4);
    out.set(data.subarray(r + (width - s) * 4, r + width * 4), r);
  }
  return { data: out, width, height };
}
const maxB = Math.max(...batches);
const frames = [], framePx = [];
for (let i = 0; i < maxB; i++) {
  const p = framePixels(i);
  framePx.push(p);
  const tex = device.createTexture({ size: { width: p.width, height: p.height }, format: 'rgba8unorm', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
  device.queue.writeTexture({ texture: tex }, p.data, { bytesPerRow: p.width * 4 }, { width: p.width, height: p.height });
  frames.push(tex);
}

const rows = [];
const checks = [];
const cold = { device_ms: r3(deviceMs) };

for (const b of batches) {
  log(`batch ${b}`);
  const sessOpts = {
    executionProviders: [{ name: 'webgpu', device }],
    graphOptimizationLevel: 'all',
    preferredOutputLocation: 'gpu-buffer',
    freeDimensionOverrides: { batch: b },
    ...(useGraph ? { enableGraphCapture: true } : {}),
  };
  const tc = performance.now();
  const session = await ort.InferenceSession.create(modelBytes, sessOpts);
  const createMs = performance.now() - tc;
  log(`session created in ${createMs.toFixed(0)} ms`);
  const path = web.createGpuDetectPath(device, { inputWidth: size, inputHeight: size, layout, batch: b, ort });
  const outBytes = b * rowsOut * layout.numAnchors * 4;
  const outBuf = device.createBuffer({ size: outBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  const feeds = { [session.inputNames[0]]: path.preprocess(frames.slice(0, b)).tensor };
  const fetches = { [session.outputNames[0]]: ort.Tensor.fromGpuBuffer(outBuf, { dataType: 'float32', dims: [b, rowsOut, layout.numAnchors] }) };
  const decoders = Array.from({ length: b }, () => new core.DetectionDecoder());
  let dets = [];
  const encodeLetterbox = () => {
    const enc = device.createCommandEncoder();
    const geos = [];
    for (let i = 0; i < b; i++) geos.push(path.letterbox.encode(enc, frames[i], i));
    device.queue.submit([enc.finish()]);
    return geos;
  };
  const detect = async () => {
    const geos = encodeLetterbox();
    await session.run(feeds, fetches);
    const sets = await path.readCandidatesBatch(outBuf, { conf });
    dets = sets.map((s, i) => decoders[i].finish(s, geos[i], { conf }));
  };
  const modelOnly = async () => {
    await session.run(feeds, fetches);
    await device.queue.onSubmittedWorkDone();
  };
  const tf = performance.now();
  await detect();
  const firstMs = performance.now() - tf;
  for (let w = 0; w < warmup; w++) { await detect(); await modelOnly(); }
  const ours = [], baseline = [];
  for (let r = 0; r < runs; r++) {
    let t = performance.now(); await detect(); ours.push(performance.now() - t);
    t = performance.now(); await modelOnly(); baseline.push(performance.now() - t);
  }
  // Stage split (separate loop: each stage synchronised on its own, so the sum exceeds the pipelined total).
  const st = { pre: [], infer: [], cand: [], decode: [] };
  for (let r = 0; r < Math.max(3, Math.floor(runs / 2)); r++) {
    let t = performance.now(); const geos = encodeLetterbox(); await device.queue.onSubmittedWorkDone(); st.pre.push(performance.now() - t);
    t = performance.now(); await session.run(feeds, fetches); await device.queue.onSubmittedWorkDone(); st.infer.push(performance.now() - t);
    t = performance.now(); const sets = await path.readCandidatesBatch(outBuf, { conf }); st.cand.push(performance.now() - t);
    t = performance.now(); sets.map((s, i) => decoders[i].finish(s, geos[i], { conf })); st.decode.push(performance.now() - t);
  }
  const o = summarize(ours), bl = summarize(baseline);
  const row = {
    case: `${tiny ? 'tiny64' : 'yolov8n'} b${b}${useGraph ? ' graph' : ''}`,
    ours_ms: r3(o.median), baseline_ms: r3(bl.median), ratio: r3(bl.median / o.median), overhead_x: r3(o.median / bl.median),
    ours_p90_ms: r3(o.p90), p90_over_p50: r3(o.p90 / o.median), per_image_ms: r3(o.median / b), baseline_per_image_ms: r3(bl.median / b),
    stage_median_ms: Object.fromEntries(Object.entries(st).map(([k, v]) => [k, r3(summarize(v).median)])),
    bytes_read_back: path.stats.bytesReadBack, raw_output_bytes: outBytes,
    session_create_ms: r3(createMs), first_detect_ms: r3(firstMs), runs,
    detections: dets.map((d) => d.length),
  };
  log('RESULT', JSON.stringify(row));
  rows.push(row);
  if (b === batches[0]) Object.assign(cold, { first_session_create_ms: r3(createMs), first_detect_ms: r3(firstMs) });
  else cold[`session_create_b${b}_ms`] = r3(createMs);

  // 4. Equality with the CPU path: core letterbox of the same pixels → ORT wasm → core decode.
  if (cpuCheck) {
    const cpu = await ort.InferenceSession.create(modelBytes, { executionProviders: ['wasm'], freeDimensionOverrides: { batch: b } });
    const input = new Float32Array(b * 3 * size * size);
    const lb = new core.LetterboxPreprocessor();
    const geos = [];
    for (let i = 0; i < b; i++) geos.push(lb.run({ ...framePx[i], channels: 4 }, { width: size, height: size, out: { data: input, batchIndex: i } }).geometry);
    const out = (await cpu.run({ [cpu.inputNames[0]]: new ort.Tensor('float32', input, [b, 3, size, size]) }))[cpu.outputNames[0]];
    const dec = new core.DetectionDecoder();
    let worstBox = 0, same = true, cpuCount = 0;
    for (let i = 0; i < b; i++) {
      const c = dec.decode({ data: out.data, dims: out.dims }, layout, geos[i], { conf }, i);
      cpuCount += c.length;
      if (c.length !== dets[i].length) { same = false; continue; }
      c.forEach((d, k) => {
        const g = dets[i][k];
        if (g.classId !== d.classId || Math.abs(g.score - d.score) > 1e-3) same = false;
        for (let j = 0; j < 4; j++) worstBox = Math.max(worstBox, Math.abs(g.box[j] - d.box[j]));
      });
    }
    const check = { batch: b, equal_to_cpu_path: same && worstBox < 1, max_box_diff_px: r3(worstBox), detections_gpu: dets.reduce((a, d) => a + d.length, 0), detections_cpu: cpuCount };
    log('CHECK', JSON.stringify(check));
    checks.push(check);
    await cpu.release();
  }
  // A second session on the same device: Dawn reuses compiled pipelines, so this is the warm cost.
  if (b === batches[0]) {
    const t2 = performance.now();
    const s2 = await ort.InferenceSession.create(modelBytes, sessOpts);
    cold.second_session_same_device_ms = r3(performance.now() - t2);
    await s2.release();
  }
  path.dispose();
  outBuf.destroy();
  await session.release();
}
cold.total_script_s = r3((performance.now() - t00) / 1000);
writeResult(tiny ? 'webgpu-detect-smoke' : 'webgpu-detect', rows, { adapter, cold_start: cold, checks, graph_capture: useGraph, conf });
delete globalThis.navigator.gpu; // else Dawn keeps node alive
process.exit(checks.every((c) => c.equal_to_cpu_path) ? 0 : 1);
