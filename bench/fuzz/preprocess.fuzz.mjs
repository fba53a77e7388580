// Fuzzes the CPU preprocessors of @sightline/core (built dist/): LetterboxPreprocessor, ClassifyPreprocessor
// and packBatch with random sizes (1×1 … 16384×2, beyond the limit, fractional, negative), channels, strides,
// short buffers, foreign array types and random/bogus options (targets, dtypes, layouts, pad values, out buffers).
// Every case must return a well-formed tensor (right length/dims, float values in range, no NaN, the pad where
// the geometry says, f32 == u8/255) or throw a SightlineError; anything else exits non-zero.
// Usage: node bench/fuzz/preprocess.fuzz.mjs [cases=2000] [seed=1] [only=<case index>]
// (build first: npx tsc -b packages/core). Case i is reproducible alone from (seed, i).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseRange, fuzzArgs, rngFor, secondsSince } from './lib/fuzzHarness.mjs';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const core = await import(join(repoRoot, 'packages', 'core', 'dist', 'index.js'));
const { LetterboxPreprocessor, ClassifyPreprocessor, packBatch, SightlineError } = core;

const { cases, seed, only } = fuzzArgs(2000);

function makeCase(r) {
  const pick = (arr) => arr[Math.floor(r() * arr.length)];
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const odd = r() < 0.15;
  const width = odd ? pick([0, -3, 1.5, 16385, NaN, 16384, 1, 2]) : r() < 0.1 ? pick([16384, 1, 9000]) : int(1, 400);
  // Extreme sides come with a tiny other side, so buffers stay small and the fuzz fast.
  const big = width > 1000;
  const height = big ? pick([1, 2, 3, 0]) : odd ? pick([0, 1, 2, 7.25, 20000, 16384]) : r() < 0.1 ? pick([1, 2, 3]) : int(1, 400);
  const channels = r() < 0.05 ? pick([1, 2, 5, undefined]) : pick([3, 4]);
  const rowBytes = (Number.isFinite(width) ? Math.max(0, Math.floor(width)) : 0) * (channels ?? 3);
  const stride = r() < 0.7 ? undefined : r() < 0.8 ? rowBytes + int(0, 40) : pick([rowBytes - 1, 0, 2.5, -4]);
  const h = Number.isFinite(height) ? Math.max(0, Math.floor(height)) : 0;
  let len = (stride ?? rowBytes) * Math.max(0, h - 1) + rowBytes;
  if (r() < 0.1) len = Math.max(0, len - int(1, 50));
  len = Math.min(Math.max(0, len), 40_000_000);
  const kind = r();
  const data = kind < 0.03 ? new Float32Array(Math.min(len, 1000)) : kind < 0.2 ? new Uint8ClampedArray(len) : new Uint8Array(len);
  for (let i = 0; i < data.length; i += 1 + int(0, 7)) data[i] = int(0, 255);
  const opts = {};
  if (r() < 0.5) opts.dtype = r() < 0.9 ? pick(['float32', 'float16', 'uint8']) : pick(['int8', 'f32', 7]);
  if (r() < 0.3) opts.layout = r() < 0.9 ? pick(['nchw', 'nhwc']) : 'chw';
  const task = pick(['detect', 'detect', 'classify', 'batch']);
  if (task !== 'classify') {
    if (r() < 0.4) opts.width = r() < 0.9 ? pick([32, 64, 96, 320, 640]) : pick([0, -1, 2.5, 20000]);
    if (r() < 0.4) opts.height = r() < 0.9 ? pick([32, 64, 160, 320, 640]) : pick([0, 99999]);
    if (r() < 0.2) opts.padValue = r() < 0.8 ? int(0, 255) : pick([-1, 256, 1.5]);
    if (r() < 0.1) opts.scaleUp = false;
  } else {
    if (r() < 0.4) opts.size = r() < 0.9 ? pick([32, 64, 224]) : pick([0, -2, 1.5]);
    if (r() < 0.3) opts.resizeShorter = r() < 0.8 ? (opts.size ?? 224) + int(0, 64) : int(1, 100);
    if (r() < 0.2) opts.variant = r() < 0.9 ? pick(['imagenet', 'yolo-cls']) : 'tf';
    if (r() < 0.1) opts.longSide = pick(['round', 'truncate', 'ceil']);
    if (r() < 0.05) opts.std = pick([[1, 0, 1], [1, 1], [NaN, 1, 1]]);
  }
  return { px: { data, width, height, channels, stride }, opts, task, withOut: r() < 0.15, outIndex: int(-1, 2) };
}

function check(res, dtype, dimsLen) {
  if (res.data.length < res.offset + dimsLen) throw new Error(`short tensor: ${res.data.length} < ${res.offset + dimsLen}`);
  for (let i = res.offset; i < res.offset + dimsLen; i++) {
    const v = res.data[i];
    if (dtype === 'float32' && !(v >= -3 && v <= 3)) throw new Error(`float out of range at ${i}: ${v}`);
  }
}

const lb = new LetterboxPreprocessor();
const cl = new ClassifyPreprocessor();
let ok = 0;
let typed = 0;
const t0 = performance.now();
const { first, end } = caseRange({ cases, only });
for (let i = first; i < end; i++) {
  const c = makeCase(rngFor(seed, i));
  try {
    const dtype = c.opts.dtype ?? 'float32';
    if (c.task === 'batch') {
      const b = packBatch([c.px, c.px], c.opts);
      if (b.dims[0] !== 2 || b.data.length < 2 * b.dims[1] * b.dims[2] * b.dims[3]) throw new Error(`bad batch dims ${b.dims}`);
    } else {
      const p = c.task === 'classify' ? cl : lb;
      const o = { ...c.opts };
      if (c.withOut) {
        const n = 3 * (o.width ?? o.size ?? (c.task === 'classify' ? 224 : 640)) * (o.height ?? o.size ?? (c.task === 'classify' ? 224 : 640));
        const Ctor = dtype === 'float16' ? Uint16Array : dtype === 'uint8' ? Uint8Array : Float32Array;
        o.out = { data: new Ctor(Math.max(0, Math.min(n * 2, 10_000_000))), batchIndex: c.outIndex };
      }
      const res = p.run(c.px, o);
      const len = res.dims.reduce((a, b) => a * b, 1);
      check(res, dtype, len);
      if (c.task === 'detect' && dtype === 'float32' && !c.withOut) {
        // Cross-check: same input as uint8 must give v/255 exactly.
        const f = Float32Array.from(res.data);
        const u = lb.run(c.px, { ...o, dtype: 'uint8' }).data;
        for (let k = 0; k < len; k++) if (f[k] !== Math.fround(u[k] / 255)) throw new Error(`f32 != u8/255 at ${k}`);
        const g = res.geometry;
        const pad = Math.fround((c.opts.padValue ?? 114) / 255);
        if (g.padTop > 0 && f[0] !== pad) throw new Error('top pad missing');
      }
    }
    ok++;
  } catch (e) {
    if (e instanceof SightlineError) {
      typed++;
      continue;
    }
    console.error(`case ${i} (seed ${seed}) FAILED: ${e?.stack ?? e}`);
    console.error(JSON.stringify({ ...c, px: { ...c.px, data: `${c.px.data.constructor.name}(${c.px.data.length})` } }));
    process.exit(1);
  }
}
console.log(`[fuzz preprocess] ${ok} ok, ${typed} typed errors, 0 failures in ${secondsSince(t0)} s (seed ${seed})`);
