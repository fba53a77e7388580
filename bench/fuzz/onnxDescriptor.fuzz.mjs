// Fuzzes readModelDescriptor + detectOutputLayout of @sightline/core (built dist/) with seeded mutations of
// the tiny testkit models and of the real yolov8n header/tail regions: bit flips, byte overwrites, inserts,
// deletes, length-prefix corruption (guided by a walk of the protobuf structure), wire-type corruption and
// truncation; 1 case in 10 mutates a metadata value and calls parseUltralyticsMetadata, which must never throw.
// Every other case must parse or throw a SightlineError; anything else, or one case running > 1 s,
// exits non-zero. The fuzz runs in a worker so the main thread can catch a hang.
// Usage: node bench/fuzz/onnxDescriptor.fuzz.mjs [cases=100000] [seed=1] [only=<case index>]
// (build first: npx tsc -b packages/core packages/testkit). Case i is reproducible alone from (seed, i).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { caseRange, fuzzArgs, rngFor, secondsSince } from './lib/fuzzHarness.mjs';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const HANG_MS = 1000;

/**
 * Offsets of length prefixes and tags inside `bytes` (walking nested messages while they parse), limited to
 * [lo, hi) so the 12.8 MB model contributes only its structural regions.
 */
function walk(ProtoReader, bytes, lo = 0, hi = bytes.length, maxDepth = 7) {
  const lengths = [];
  const tags = [];
  const stack = [[0, bytes.length, 0]];
  while (stack.length && lengths.length < 20000) {
    const [start, end, depth] = stack.pop();
    try {
      const r = new ProtoReader(bytes, start, end, depth, depth === 0);
      while (!r.eof()) {
        const tagAt = r.pos;
        const tag = r.tag();
        if (tagAt >= lo && tagAt < hi) tags.push(tagAt);
        if ((tag & 7) === 2) {
          const at = r.pos;
          const len = r.length();
          const size = r.pos - at;
          if (at >= lo && at < hi) lengths.push({ at, size, value: len });
          // Descend only where the frame overlaps the wanted region (skips initializer payloads).
          if (depth < maxDepth && len > 1 && r.pos < hi && r.pos + len > lo) stack.push([r.pos, r.pos + len, depth + 1]);
          r.pos += len;
        } else r.skip(tag);
      }
    } catch {
      // Not a message (a string or raw data): nothing more to find inside.
    }
  }
  return { lengths, tags };
}

/** Same-width varint (non-minimal padding is valid protobuf), so the big model can be mutated in place. */
function writePaddedVarint(buf, at, size, value) {
  let v = BigInt(value);
  for (let k = 0; k < size; k++) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    buf[at + k] = k < size - 1 ? b | 0x80 : b;
  }
}

function varintBytes(value) {
  const out = [];
  let v = BigInt.asUintN(64, BigInt(value));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

const SPECIAL_LENGTHS = [0, 1, 2, 127, 128, 0x7fffffff, 0xffffffff, 2 ** 32, 2 ** 53 - 1, 2 ** 53 + 2, 2n ** 63n, 2n ** 64n - 1n];

/**
 * One mutated input. `base` is { bytes, lengths, tags, lo, hi, big }. Big bases are mutated in place
 * (restore() undoes it) because copying 12.8 MB per case would dominate the run.
 */
export function mutate(base, rand) {
  const pick = (n) => Math.floor(rand() * n);
  const { big } = base;
  let bytes = big ? base.bytes : base.bytes.slice();
  const saved = [];
  const set = (at, v) => {
    if (big) saved.push([at, bytes[at]]);
    bytes[at] = v;
  };
  const pos = () => base.lo + pick(Math.max(1, Math.min(bytes.length, base.hi) - base.lo));
  const ops = [];
  const nOps = 1 + pick(3);
  let cut = -1;
  for (let k = 0; k < nOps; k++) {
    const op = pick(big ? 5 : 8);
    if (op === 0) {
      ops.push('flip');
      for (let f = 1 + pick(8); f > 0; f--) {
        const at = pos();
        if (at < bytes.length) set(at, bytes[at] ^ (1 << pick(8)));
      }
    } else if (op === 1) {
      ops.push('length');
      if (base.lengths.length === 0) continue;
      const L = base.lengths[pick(base.lengths.length)];
      if (L.at + L.size > bytes.length) continue;
      const choices = [0, 1, L.value - 1, L.value + 1, L.value * 2, 2 ** (7 * L.size) - 1, pick(2 ** Math.min(31, 7 * L.size))];
      const v = Math.max(0, Math.min(2 ** (7 * L.size) - 1, choices[pick(choices.length)]));
      for (let b = 0; b < L.size; b++) set(L.at + b, bytes[L.at + b]);
      writePaddedVarint(bytes, L.at, L.size, v);
    } else if (op === 2) {
      ops.push('tag');
      if (base.tags.length === 0) continue;
      const at = base.tags[pick(base.tags.length)];
      if (at < bytes.length) set(at, (bytes[at] & 0xf8) | pick(8));
    } else if (op === 3) {
      ops.push('byte');
      const specials = [0x00, 0xff, 0x80, 0x7f, 0x08, 0x3a, 0x0a, 0x12];
      for (let f = 1 + pick(4); f > 0; f--) {
        const at = pos();
        if (at < bytes.length) set(at, rand() < 0.5 ? specials[pick(specials.length)] : pick(256));
      }
    } else if (op === 4) {
      ops.push('truncate');
      cut = rand() < 0.5 ? pos() : pick(bytes.length + 1);
    } else if (op === 5) {
      ops.push('insert');
      const at = pick(bytes.length + 1);
      const ins = Array.from({ length: 1 + pick(16) }, () => pick(256));
      bytes = concat(bytes.subarray(0, at), ins, bytes.subarray(at));
    } else if (op === 6) {
      ops.push('delete');
      const at = pick(bytes.length);
      bytes = concat(bytes.subarray(0, at), [], bytes.subarray(Math.min(bytes.length, at + 1 + pick(16))));
    } else {
      // A longer length prefix: huge or over-long varints shift everything after them.
      ops.push('length-wide');
      if (base.lengths.length === 0) continue;
      const L = base.lengths[pick(base.lengths.length)];
      if (L.at + L.size > bytes.length) continue;
      const v = SPECIAL_LENGTHS[pick(SPECIAL_LENGTHS.length)];
      let enc = varintBytes(v);
      if (rand() < 0.2) enc = [...new Array(10).fill(0xff), 0x01]; // 11 bytes: over-long
      bytes = concat(bytes.subarray(0, L.at), enc, bytes.subarray(L.at + L.size));
    }
  }
  const out = cut >= 0 ? bytes.subarray(0, cut) : bytes;
  return {
    bytes: out,
    ops,
    restore() {
      for (let k = saved.length - 1; k >= 0; k--) base.bytes[saved[k][0]] = saved[k][1];
    },
  };
}

const META_CHARS = ["'", '"', '\\', '{', '}', '[', ']', '(', ')', ':', ',', '0', '9', '-', '.', 'e', 'x', 'u', 'r', 'b', ' ', '\n', 'True', 'None', '\\x', '\\u12'];

/** Mutates one Ultralytics metadata value (names, imgsz, args…) at the string level. */
export function mutateMetadata(meta, rand) {
  const pick = (n) => Math.floor(rand() * n);
  const keys = Object.keys(meta);
  const out = { ...meta };
  const key = keys[pick(keys.length)];
  let v = out[key];
  for (let n = 1 + pick(4); n > 0; n--) {
    const at = pick(v.length + 1);
    const op = pick(4);
    if (op === 0) v = v.slice(0, at) + META_CHARS[pick(META_CHARS.length)] + v.slice(at);
    else if (op === 1) v = v.slice(0, at) + v.slice(at + 1 + pick(8));
    else if (op === 2) v = v.slice(0, at);
    else v = v.slice(0, at) + String.fromCharCode(pick(0x3000)) + v.slice(at + 1);
  }
  out[key] = v;
  return { meta: out, key };
}

function concat(a, mid, b) {
  const out = new Uint8Array(a.length + mid.length + b.length);
  out.set(a, 0);
  out.set(mid, a.length);
  out.set(b, a.length + mid.length);
  return out;
}

async function loadBases() {
  const core = await import(join(repoRoot, 'packages/core/dist/index.js'));
  const tk = await import(join(repoRoot, 'packages/testkit/dist/index.js'));
  const planted = [
    { cx: 10, cy: 20, w: 5, h: 6, classId: 1, score: 0.9 },
    { cx: 30, cy: 31, w: 8, h: 9, classId: 0, score: 0.5 },
  ];
  const tiny = [
    tk.tinyYoloV8Model({ planted, scoreFromInput: 0 }),
    tk.tinyYoloV8Model({ planted, transposed: true, dtype: 'float16', dynamicBatch: true }),
    tk.tinyYoloV5Model({ planted }),
    tk.tinyEnd2EndModel({ planted: [{ x1: 1, y1: 2, x2: 3, y2: 4, score: 0.5, classId: 1 }] }),
    tk.tinyClassifierModel({ logits: false, dynamicBatch: true }),
    tk.tinyIdentityModel({ h: 8, w: 8 }),
  ];
  const bases = tiny.map((bytes) => ({ bytes, lo: 0, hi: bytes.length, big: false, ...walk(core.ProtoReader, bytes) }));
  // Metadata records to fuzz parseUltralyticsMetadata with directly (it must never throw at all).
  const metas = [{ ...core.readModelDescriptor(tiny[0]).metadata }];
  const real = join(process.env.SIGHTLINE_SHARED ?? join(repoRoot, '..', 'shared'), 'models', 'yolov8n.onnx');
  if (existsSync(real)) {
    const bytes = new Uint8Array(readFileSync(real));
    // Graph nodes open the file; inputs, outputs, opsets and metadata close it.
    const head = { bytes, lo: 0, hi: 64 * 1024, big: true, ...walk(core.ProtoReader, bytes, 0, 64 * 1024) };
    const tailLo = bytes.length - 64 * 1024;
    const tail = { bytes, lo: tailLo, hi: bytes.length, big: true, ...walk(core.ProtoReader, bytes, tailLo, bytes.length) };
    bases.push(head, tail);
    metas.push({ ...core.readModelDescriptor(bytes).metadata });
  } else {
    console.warn(`[fuzz] ${real} missing: fuzzing the tiny models only`);
  }
  return { core, bases, metas };
}

async function workerMain() {
  const { cases, seed, only, progress } = workerData;
  const beat = new Int32Array(progress);
  const { core, bases, metas } = await loadBases();
  const codes = {};
  let parsed = 0;
  let maxMs = 0;
  let maxCase = -1;
  const { first, end } = caseRange({ cases, only });
  for (let i = first; i < end; i++) {
    Atomics.store(beat, 0, i);
    const rand = rngFor(seed, i);
    if (rand() < 0.1) {
      // 1 case in 10 goes straight at the metadata parser.
      const { meta, key } = mutateMetadata(metas[Math.floor(rand() * metas.length)], rand);
      try {
        const u = core.parseUltralyticsMetadata(meta);
        const k = u && u.warnings.length ? 'meta:warned' : 'meta:ok';
        codes[k] = (codes[k] ?? 0) + 1;
      } catch (e) {
        parentPort.postMessage({ fail: `seed=${seed} case=${i} parseUltralyticsMetadata threw on a mutated '${key}': ${e?.stack ?? e}` });
        return;
      }
      continue;
    }
    // 1 case in 5 hits the real model (when present); its cases cost ~1 ms each.
    const b = bases.length > 6 && rand() < 0.2 ? bases[6 + Math.floor(rand() * (bases.length - 6))] : bases[Math.floor(rand() * Math.min(6, bases.length))];
    const m = mutate(b, rand);
    const t0 = performance.now();
    try {
      const d = core.readModelDescriptor(m.bytes);
      try {
        core.detectOutputLayout(d);
        codes.ok_layout = (codes.ok_layout ?? 0) + 1;
      } catch (e) {
        if (!core.isSightlineError(e)) throw e;
        codes[`layout:${e.code}`] = (codes[`layout:${e.code}`] ?? 0) + 1;
      }
      parsed++;
    } catch (e) {
      if (!core.isSightlineError(e)) {
        parentPort.postMessage({ fail: `seed=${seed} case=${i} ops=${m.ops.join('+')}: ${e?.stack ?? e}` });
        return;
      }
      codes[e.code] = (codes[e.code] ?? 0) + 1;
    } finally {
      m.restore();
    }
    const dt = performance.now() - t0;
    if (dt > maxMs) {
      maxMs = dt;
      maxCase = i;
    }
  }
  Atomics.store(beat, 1, 1);
  parentPort.postMessage({ done: true, parsed, codes, maxMs, maxCase, bases: bases.length });
}

async function main() {
  const { cases, seed, only } = fuzzArgs(100_000);
  const progress = new SharedArrayBuffer(8);
  const beat = new Int32Array(progress);
  Atomics.store(beat, 0, -1);
  const t0 = performance.now();
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { cases, seed, only, progress } });
  let lastCase = -2;
  let lastChange = performance.now();
  const result = await new Promise((resolve) => {
    const timer = setInterval(() => {
      const c = Atomics.load(beat, 0);
      const now = performance.now();
      if (c !== lastCase) {
        lastCase = c;
        lastChange = now;
      } else if (c >= 0 && Atomics.load(beat, 1) === 0 && now - lastChange > HANG_MS) {
        clearInterval(timer);
        void worker.terminate();
        resolve({ fail: `HANG: seed=${seed} case=${c} ran > ${HANG_MS} ms (replay: node bench/fuzz/onnxDescriptor.fuzz.mjs 1 ${seed} ${c})` });
      }
    }, 50);
    worker.on('message', (msg) => {
      clearInterval(timer);
      resolve(msg);
    });
    worker.on('error', (e) => {
      clearInterval(timer);
      resolve({ fail: `worker crashed near case ${Atomics.load(beat, 0)}: ${e?.stack ?? e}` });
    });
  });
  await worker.terminate();
  const secs = secondsSince(t0);
  if (result.fail) {
    console.error(`onnxDescriptor fuzz FAILED after ${secs} s: ${result.fail}`);
    process.exit(1);
  }
  const total = only === undefined ? cases : 1;
  console.log(`onnxDescriptor fuzz: seed ${seed}, ${total} cases over ${result.bases} base models in ${secs} s; ${result.parsed} parsed; slowest case ${result.maxCase} took ${result.maxMs.toFixed(2)} ms`);
  console.log('codes:', JSON.stringify(Object.fromEntries(Object.entries(result.codes).sort((a, b) => b[1] - a[1]))));
}

if (isMainThread) {
  if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
} else {
  await workerMain();
}
