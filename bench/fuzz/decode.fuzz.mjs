// Fuzzes the detection/classification post-processing of @sightline/core (built dist/): DetectionDecoder
// (yolov8 both layouts, yolov5, end2end, unknown kinds), DetectionDecoder.finish and classifyTopK with random
// dims (right, wrong, negative, fractional, huge), data kinds (Float32Array, fp16 bits, Float64Array, Int8Array,
// plain arrays, null), values (NaN, ±Infinity, negatives, huge) and options (valid and bogus).
// Every case must return well-formed results (finite boxes, inside the source image when a geometry is given,
// scores > conf and not NaN, highest first, ≤ maxDet, classes allowed; top-k sorted, ≤ k, finite) or throw a
// SightlineError; anything else exits non-zero.
// Usage: node bench/fuzz/decode.fuzz.mjs [cases=3000] [seed=1] [only=<case index>]
// (build first: npx tsc -b packages/core). Case i is reproducible alone from (seed, i).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseRange, fuzzArgs, rngFor } from './lib/fuzzHarness.mjs';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const core = await import(join(repoRoot, 'packages', 'core', 'dist', 'index.js'));
const { DetectionDecoder, CandidateBuffer, classifyTopK, computeLetterbox, float32ToHalfBits, SightlineError } = core;

const { cases, seed, only } = fuzzArgs(3000);

function makeCase(r) {
  const pick = (arr) => arr[Math.floor(r() * arr.length)];
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const value = () => {
    const k = r();
    if (k < 0.05) return pick([NaN, Infinity, -Infinity, -0, 1e30, -1e30]);
    if (k < 0.55) return r() * 0.05; // most scores are tiny
    if (k < 0.8) return r();
    return (r() - 0.3) * 700; // box-like values
  };
  const task = pick(['yolov8', 'yolov8', 'yolov8t', 'yolov5', 'end2end', 'classify', 'finish', 'bogus']);
  const nc = r() < 0.1 ? pick([0, -1, 1.5, 1]) : int(1, 12);
  const n = r() < 0.05 ? 0 : int(1, 300);
  const batches = r() < 0.8 ? 1 : int(1, 3);
  let dims;
  let layout;
  const ncv = Number.isInteger(nc) && nc > 0 ? nc : 3;
  if (task === 'yolov8' || task === 'bogus') {
    dims = [batches, 4 + ncv, n];
    layout = { kind: task === 'bogus' ? pick(['segment', 'classification', undefined]) : 'yolov8', numClasses: nc, numAnchors: r() < 0.8 ? n : pick([0, -1, n + 1]), transposed: false };
  } else if (task === 'yolov8t') {
    dims = [batches, n, 4 + ncv];
    layout = { kind: 'yolov8', numClasses: nc, numAnchors: r() < 0.8 ? n : -1, transposed: true };
  } else if (task === 'yolov5') {
    dims = [batches, n, 5 + ncv];
    layout = { kind: 'yolov5', numClasses: nc, numAnchors: r() < 0.8 ? n : 0 };
  } else if (task === 'end2end') {
    dims = [batches, n, 6];
    layout = { kind: 'end2end', maxDetections: r() < 0.8 ? n : -1 };
  } else {
    dims = r() < 0.5 ? [batches, n] : r() < 0.5 ? [n] : [batches, n, 1, 1];
    layout = null;
  }
  if (r() < 0.1) dims = pick([[...dims, 1], dims.slice(1), dims.map((d) => d + 1), [batches, -ncv, -n], [1.5, ...dims.slice(1)], []]);
  let len = dims.reduce((a, b) => a * b, 1);
  len = Number.isFinite(len) && len >= 0 && len < 1e6 ? len : 64;
  if (r() < 0.08) len = Math.max(0, len + pick([-1, 1, -7]));
  const values = new Float32Array(len);
  for (let i = 0; i < len; i++) values[i] = value();
  if (task === 'end2end') for (let i = 5; i < len; i += 6) values[i] = r() < 0.9 ? int(0, 90) : value();
  const kind = r();
  const data =
    kind < 0.55 ? values : kind < 0.8 ? float32ToHalfBits(values) : kind < 0.88 ? Float64Array.from(values) : kind < 0.93 ? Array.from(values) : kind < 0.97 ? Int8Array.from(values, (v) => (Number.isFinite(v) ? v : 0)) : null;
  const opts = {};
  if (r() < 0.5) opts.conf = r() < 0.9 ? pick([0, 0.001, 0.01, 0.25, 0.5, 0.9, 1]) : pick([-0.1, 1.5, NaN, '0.3']);
  if (r() < 0.3) opts.iou = r() < 0.9 ? pick([0, 0.45, 0.7, 1]) : pick([-1, 2, NaN]);
  if (r() < 0.3) opts.maxDet = r() < 0.9 ? int(1, 400) : pick([0, -5, 2.5, Infinity]);
  if (r() < 0.2) opts.classes = r() < 0.9 ? Array.from({ length: int(0, 4) }, () => int(0, 15)) : pick([[-1], [1.5], 'x', [1e9]]);
  if (r() < 0.2) opts.agnostic = r() < 0.5;
  if (r() < 0.2) opts.maxCandidates = r() < 0.9 ? int(1, 500) : pick([0, -1, 3.3]);
  if (task === 'classify') {
    if (r() < 0.5) opts.topK = r() < 0.9 ? int(1, 20) : pick([0, -1, 2.5]);
    if (r() < 0.4) opts.activation = r() < 0.9 ? pick(['auto', 'softmax', 'none']) : 'sigmoid';
  }
  const batchIndex = r() < 0.9 ? int(0, batches - 1) : pick([batches, -1, 0.5]);
  const geometry = r() < 0.3 ? null : computeLetterbox(int(1, 2000), int(1, 2000), 640, 640);
  return { task, layout, output: { data, dims }, opts, batchIndex, geometry };
}

function checkDetections(dets, c) {
  if (!Array.isArray(dets)) throw new Error('not an array');
  const maxDet = c.opts.maxDet ?? 300;
  const conf = Math.fround(c.opts.conf ?? 0.25);
  if (dets.length > maxDet) throw new Error(`${dets.length} > maxDet ${maxDet}`);
  for (let i = 0; i < dets.length; i++) {
    const d = dets[i];
    if (!(d.score > conf)) throw new Error(`score ${d.score} not above conf ${conf}`);
    if (i > 0 && d.score > dets[i - 1].score) throw new Error('not sorted by score');
    if (!Number.isInteger(d.classId) || d.classId < 0) throw new Error(`bad class ${d.classId}`);
    if (Array.isArray(c.opts.classes) && !c.opts.classes.includes(d.classId)) throw new Error(`class ${d.classId} not allowed`);
    if (typeof d.label !== 'string' || d.box.length !== 4 || !d.box.every(Number.isFinite)) throw new Error(`bad detection ${JSON.stringify(d)}`);
    if (c.geometry) {
      const [x1, y1, x2, y2] = d.box;
      const { srcWidth: w, srcHeight: h } = c.geometry;
      if (x1 < 0 || y1 < 0 || x2 > w || y2 > h || x1 > w || y1 > h || x2 < 0 || y2 < 0) throw new Error(`box outside the image ${d.box}`);
    }
  }
}

function runCase(c) {
  if (c.task === 'classify') {
    const top = classifyTopK(c.output, { ...c.opts, batchIndex: c.batchIndex });
    const k = c.opts.topK ?? 5;
    if (!Array.isArray(top) || top.length > k) throw new Error('bad top-k length');
    for (let i = 0; i < top.length; i++) {
      if (!Number.isFinite(top[i].score) && !(c.opts.activation === 'none' && Math.abs(top[i].score) === Infinity)) throw new Error(`bad score ${top[i].score}`);
      if (i > 0 && (c.opts.activation ?? 'auto') !== 'none' && top[i].score > top[i - 1].score + 1e-12) throw new Error('top-k not sorted');
    }
    return;
  }
  const decoder = new DetectionDecoder({ labels: ['a', 'b'] });
  if (c.task === 'finish') {
    const buf = new CandidateBuffer(4);
    const vals = c.output.data ?? [];
    for (let i = 0; i + 5 < Math.min(vals.length, 600); i += 6) buf.push(vals[i], vals[i + 1], vals[i + 2], vals[i + 3], vals[i + 4], Math.trunc(vals[i + 5] * 10) | 0);
    checkDetections(decoder.finish(buf, c.geometry, c.opts), c);
    return;
  }
  checkDetections(decoder.decode(c.output, c.layout, c.geometry, c.opts, c.batchIndex), c);
}

let ok = 0;
let rejected = 0;
const failures = [];
const { first, end } = caseRange({ cases, only });
for (let i = first; i < end; i++) {
  const c = makeCase(rngFor(seed, i));
  try {
    runCase(c);
    ok++;
  } catch (e) {
    if (e instanceof SightlineError) rejected++;
    else failures.push({ i, task: c.task, error: String(e?.stack ?? e).split('\n').slice(0, 3).join(' | ') });
  }
}
console.log(`decode fuzz: ${ok} ok, ${rejected} rejected with SightlineError, ${failures.length} failures (seed ${seed})`);
for (const f of failures.slice(0, 10)) console.log(`  case ${f.i} (${f.task}): ${f.error}`);
process.exit(failures.length ? 1 : 0);
