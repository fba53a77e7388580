// A sample of the fuzz in bench/fuzz/onnxDescriptor.fuzz.mjs: 2,000 seeded mutations of the tiny models and of
// the real yolov8n's first and last 16 KB (where nodes, inputs, outputs and metadata live). Whatever the bytes,
// readModelDescriptor and detectOutputLayout either succeed or throw a SightlineError.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProtoReader, detectOutputLayout, isSightlineError, parseUltralyticsMetadata, readModelDescriptor } from '@sightline/core';
import { requireShared, sharedPath, tinyClassifierModel, tinyEnd2EndModel, tinyIdentityModel, tinyYoloV5Model, tinyYoloV8Model } from '@sightline/testkit';

function rngFor(seed: number, i: number): () => number {
  let a = (Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Base {
  bytes: Uint8Array;
  lo: number;
  hi: number;
  /** Offsets and widths of length prefixes inside [lo, hi), found by walking the protobuf structure. */
  lengths: { at: number; size: number }[];
}

function base(bytes: Uint8Array, lo = 0, hi = bytes.length): Base {
  const lengths: Base['lengths'] = [];
  const stack: [number, number, number][] = [[0, bytes.length, 0]];
  while (stack.length) {
    const [start, end, depth] = stack.pop()!;
    try {
      const r = new ProtoReader(bytes, start, end, depth, depth === 0);
      while (!r.eof()) {
        const tag = r.tag();
        if ((tag & 7) !== 2) {
          r.skip(tag);
          continue;
        }
        const at = r.pos;
        const len = r.length();
        if (at >= lo && at < hi) lengths.push({ at, size: r.pos - at });
        if (depth < 7 && len > 1 && r.pos < hi && r.pos + len > lo) stack.push([r.pos, r.pos + len, depth + 1]);
        r.pos += len;
      }
    } catch {
      // a string or raw payload, not a message
    }
  }
  return { bytes, lo, hi, lengths };
}

/**
 * A mutated input. Tiny models are mutated in a copy; the 12.8 MB model in place (restore() undoes it) and
 * without inserts/deletes, because copying it per case would cost more than the parsing under test.
 */
function mutate(b: Base, rand: () => number): { bytes: Uint8Array; restore: () => void } {
  const big = b.bytes.length > 1 << 20;
  const pick = (n: number) => Math.floor(rand() * n);
  let x = big ? b.bytes : b.bytes.slice();
  const saved: [number, number][] = [];
  const set = (at: number, v: number) => {
    if (at >= x.length) return;
    if (big) saved.push([at, x[at]]);
    x[at] = v;
  };
  const pos = () => b.lo + pick(Math.max(1, Math.min(b.hi, x.length) - b.lo));
  let cut = -1;
  for (let n = 1 + pick(3); n > 0; n--) {
    const op = pick(6);
    if (op === 0) {
      for (let f = 1 + pick(8); f > 0; f--) {
        const at = pos();
        set(at, x[at] ^ (1 << pick(8)));
      }
    } else if (op === 1 && b.lengths.length) {
      // Rewrite a length prefix in place with a padded varint of the same width.
      const L = b.lengths[pick(b.lengths.length)];
      let v = [0, 1, 2 ** (7 * L.size) - 1, pick(2 ** Math.min(30, 7 * L.size))][pick(4)];
      for (let k = 0; k < L.size; k++) {
        set(L.at + k, (v & 0x7f) | (k < L.size - 1 ? 0x80 : 0));
        v = Math.floor(v / 128);
      }
    } else if (op === 2 && !big) {
      const at = pos();
      const ins = Uint8Array.from({ length: 1 + pick(16) }, () => pick(256));
      const y = new Uint8Array(x.length + ins.length);
      y.set(x.subarray(0, at));
      y.set(ins, at);
      y.set(x.subarray(at), at + ins.length);
      x = y;
    } else if (op === 3 && !big) {
      const at = pos();
      const rest = x.slice(Math.min(x.length, at + 1 + pick(16)));
      x = x.slice(0, at + rest.length);
      x.set(rest, at);
    } else if (op === 4) {
      cut = pos();
    } else {
      set(pos(), [0x00, 0xff, 0x80, 0x7f, 0x0b, 0x0c, 0x0e, 0x0f][pick(8)]);
    }
  }
  return {
    bytes: cut >= 0 ? x.subarray(0, cut) : x,
    restore: () => {
      for (let k = saved.length - 1; k >= 0; k--) b.bytes[saved[k][0]] = saved[k][1];
    },
  };
}

describe('onnx descriptor fuzz sample', () => {
  const planted = [
    { cx: 10, cy: 20, w: 5, h: 6, classId: 1, score: 0.9 },
    { cx: 30, cy: 31, w: 8, h: 9, classId: 0, score: 0.5 },
  ];
  const bases: Base[] = [
    tinyYoloV8Model({ planted, scoreFromInput: 0 }),
    tinyYoloV8Model({ planted, transposed: true, dtype: 'float16', dynamicBatch: true }),
    tinyYoloV5Model({ planted }),
    tinyEnd2EndModel({ planted: [{ x1: 1, y1: 2, x2: 3, y2: 4, score: 0.5, classId: 1 }] }),
    tinyClassifierModel({ logits: false }),
    tinyIdentityModel({ h: 8, w: 8 }),
  ].map((b) => base(b));

  it('2,000 mutations: only SightlineErrors, every code seen', () => {
    const real: Base[] = [];
    if (requireShared(['models', 'yolov8n.onnx'])) {
      const y = new Uint8Array(readFileSync(sharedPath('models', 'yolov8n.onnx')));
      real.push(base(y, 0, 16 * 1024), base(y, y.length - 16 * 1024, y.length));
    }
    const codes: Record<string, number> = {};
    const seed = 20240611;
    for (let i = 0; i < 2000; i++) {
      const rand = rngFor(seed, i);
      const useReal = real.length > 0 && i % 10 === 0;
      const b = useReal ? real[Math.floor(rand() * real.length)] : bases[Math.floor(rand() * bases.length)];
      const m = mutate(b, rand);
      let code = 'ok';
      try {
        const d = readModelDescriptor(m.bytes);
        detectOutputLayout(d);
      } catch (e) {
        if (!isSightlineError(e)) throw new Error(`seed ${seed} case ${i}: ${String(e)}`, { cause: e });
        code = e.code;
      } finally {
        m.restore();
      }
      codes[code] = (codes[code] ?? 0) + 1;
    }
    for (const c of ['ok', 'E_ONNX_MALFORMED', 'E_ONNX_TRUNCATED', 'E_NOT_ONNX', 'E_UNKNOWN_LAYOUT']) expect(codes[c], `${c} in ${JSON.stringify(codes)}`).toBeGreaterThan(0);
  });

  it('500 mutated metadata values: parseUltralyticsMetadata never throws', () => {
    const meta = { ...readModelDescriptor(bases[0].bytes).metadata };
    const keys = Object.keys(meta);
    const chars = ["'", '"', '\\', '{', '}', '[', ']', ':', ',', '0', '-', '.', 'e', 'r', 'u', ' ', 'True', 'None', '\\x', '\\u12'];
    let warned = 0;
    for (let i = 0; i < 500; i++) {
      const rand = rngFor(7, i);
      const pick = (n: number) => Math.floor(rand() * n);
      const key = keys[pick(keys.length)];
      let v = meta[key];
      for (let n = 1 + pick(4); n > 0; n--) {
        const at = pick(v.length + 1);
        const op = pick(3);
        v = op === 0 ? v.slice(0, at) + chars[pick(chars.length)] + v.slice(at) : op === 1 ? v.slice(0, at) + v.slice(at + 1 + pick(8)) : v.slice(0, at);
      }
      const u = parseUltralyticsMetadata({ ...meta, [key]: v });
      expect(u).not.toBeNull();
      if (u!.warnings.length) warned++;
    }
    expect(warned).toBeGreaterThan(0);
  });
});
