// CPU pre-processing: @sightline/core's LetterboxPreprocessor / ClassifyPreprocessor (built dist/) vs the
// typical community JS loop in baselines/communityLetterbox.mjs, interleaved in one process.
// Ours is also bit-exact with cv2.resize / Pillow (see packages/core/test/preprocess.test.ts); the baseline is not.
import { join } from 'node:path';
import { compareSync, repoRoot, writeResult } from './lib/harness.mjs';
import { communityClassify, communityLetterbox, toHalfArray } from './baselines/communityLetterbox.mjs';

const { LetterboxPreprocessor, ClassifyPreprocessor } = await import(join(repoRoot, 'packages', 'core', 'dist', 'index.js'));
const RUNS = 60;
const WARMUP = 15;

/** A camera-like frame (smooth gradients + texture), so no path benefits from constant input. */
function frame(w, h, channels) {
  const data = new Uint8Array(w * h * channels);
  for (let y = 0, i = 0; y < h; y++)
    for (let x = 0; x < w; x++, i += channels) {
      data[i] = (x * 255) / w + ((x * y) & 15);
      data[i + 1] = (y * 255) / h + ((x ^ y) & 7);
      data[i + 2] = ((x + y) * 3) & 255;
      if (channels === 4) data[i + 3] = 255;
    }
  return { data, width: w, height: h, channels };
}

const lb = new LetterboxPreprocessor();
const cls = new ClassifyPreprocessor();
// The JS loops that run where WebAssembly SIMD is unavailable (identical output).
const lbJs = new LetterboxPreprocessor({ wasm: false });
const clsJs = new ClassifyPreprocessor({ wasm: false });
const rgba1080 = frame(1920, 1080, 4);
const rgb810 = frame(810, 1080, 3);
const rgb720 = frame(1280, 720, 3);
let sink = 0;
const keep = (r) => {
  sink += r.data ? r.data[12345] : r[12345];
};

const rows = [];
function row(name, ours, baseline, extra = {}) {
  const r = compareSync(() => keep(ours()), () => keep(baseline()), { runs: RUNS, warmup: WARMUP });
  rows.push({ case: name, ...r, ...extra });
  console.log(`${name}: ours ${r.ours_ms} ms, baseline ${r.baseline_ms} ms (×${r.ratio})`);
}

row('1920×1080 RGBA → 640×640 NCHW f32 (baseline: community bilinear loop)',
  () => lb.run(rgba1080),
  () => communityLetterbox(rgba1080.data, 1920, 1080, 4, 640, 'bilinear'),
  { target_ms: 4 });
row('1920×1080 RGBA → 640×640 NCHW f32 (baseline: community nearest loop)',
  () => lb.run(rgba1080),
  () => communityLetterbox(rgba1080.data, 1920, 1080, 4, 640, 'nearest'));
row('810×1080 RGB → 640×640 NCHW f32 (baseline: community bilinear loop)',
  () => lb.run(rgb810),
  () => communityLetterbox(rgb810.data, 810, 1080, 3, 640, 'bilinear'));
row('1920×1080 RGBA → 640×640 NCHW f16 (baseline: community bilinear + per-element half conversion)',
  () => lb.run(rgba1080, { dtype: 'float16' }),
  () => toHalfArray(communityLetterbox(rgba1080.data, 1920, 1080, 4, 640, 'bilinear')));
row('1920×1080 RGBA → 640×640 NCHW u8 (baseline: community bilinear f32, the usual only option)',
  () => lb.run(rgba1080, { dtype: 'uint8' }),
  () => communityLetterbox(rgba1080.data, 1920, 1080, 4, 640, 'bilinear'));
row('1280×720 RGB → 224×224 ImageNet f32, Pillow-exact antialiased (baseline: community 2-tap bilinear crop)',
  () => cls.run(rgb720),
  () => communityClassify(rgb720.data, 1280, 720, 3));

row('810×1080 RGB → 640×640 NCHW f32, WebAssembly kernel (baseline: our JS fallback loops)',
  () => lb.run(rgb810),
  () => lbJs.run(rgb810));
row('1280×720 RGB → 640×640 NCHW f32, 2× area path, WebAssembly kernel (baseline: our JS fallback loops)',
  () => lb.run(rgb720),
  () => lbJs.run(rgb720));
row('1280×720 RGB → 224×224 ImageNet f32, WebAssembly kernel (baseline: our JS fallback loops)',
  () => cls.run(rgb720),
  () => clsJs.run(rgb720));

writeResult('letterbox', rows, {
  runs: RUNS,
  warmup: WARMUP,
  note: 'f32 NCHW runs the WebAssembly SIMD kernels (core/src/preprocess/wasm); f16/u8 and NHWC the JS loops. Outputs are bit-identical either way (unit tests).',
});
if (sink === 0.123456) console.log(sink);
