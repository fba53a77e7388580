/**
 * GPU candidate filter: reads a detector's raw output where ORT left it (a GPU buffer), picks each anchor's
 * best class and score, and compacts the anchors above `conf` into a small buffer with an atomic counter.
 * Only the count and those candidates are read back (a few KB for YOLOv8n at conf 0.25 instead of the
 * 2.8 MB raw output); the shared core then finishes decode + NMS exactly as on the CPU path.
 */
import { CandidateBuffer, EngineError, LayoutError, OptionError, type OutputLayout } from '@sightline/core';

export interface CandidatePassOptions {
  layout: OutputLayout;
  /** Images per run (the output's leading dimension). */
  batch?: number;
  /** Most candidates kept per image. Default: every anchor (so the result always equals the CPU path). */
  cap?: number;
}

export interface ReadCandidatesOptions {
  /** Keep anchors whose score is strictly greater than this (Ultralytics semantics). */
  conf: number;
  /** Keep only these class ids (applied after the best class is chosen, as Ultralytics does). */
  classes?: readonly number[] | null;
}

export interface CandidatePassStats {
  /** Bytes copied GPU → CPU by the last call (counts + candidates). */
  bytesReadBack: number;
  /** Total over the pass's life. */
  totalBytesReadBack: number;
  /** Candidates found by the last call, per image, before the cap. */
  lastCounts: number[];
  /** True when the last call found more candidates than `cap` for some image (the excess is dropped). */
  truncated: boolean;
  /** Read-backs that needed a second round trip because more candidates came than the first copy held. */
  secondReads: number;
}

/** Output word layout of one candidate: x1,y1,x2,y2,score (f32 bits), class, anchor index. */
const WORDS = 7;
const BYTES = WORDS * 4;
const LAYOUT_CODE = { yolov8: 0, yolov8t: 1, yolov5: 2, end2end: 3 } as const;
/** First read-back copies this many candidates per image at least; later ones adapt to what the last frame had. */
const MIN_INLINE = 256;
const WORKGROUP = 64;

const SHADER = /* wgsl */ `
struct Params {
  numAnchors: u32,   // anchors (yolov8/yolov5) or rows (end2end)
  numClasses: u32,
  cap: u32,
  kind: u32,         // 0 yolov8 [4+nc, N], 1 yolov8 transposed [N, 4+nc], 2 yolov5 [N, 5+nc], 3 end2end [K, 6]
  conf: f32,
  imageStride: u32,  // floats per image in the raw output
  useMask: u32,
  maskBits: u32,     // classes the mask covers; ids beyond it are rejected when the mask is on
};
@group(0) @binding(0) var<storage, read> raw: array<f32>;
@group(0) @binding(1) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read_write> cands: array<u32>;
@group(0) @binding(3) var<uniform> P: Params;
@group(0) @binding(4) var<storage, read> classMask: array<u32>;

fn at(base: u32, a: u32, r: u32, rows: u32) -> f32 {
  // yolov8 is channel-major; every other layout is anchor-major.
  if (P.kind == 0u) { return raw[base + r * P.numAnchors + a]; }
  return raw[base + a * rows + r];
}

// Non-finite (inf/NaN) test on the bits: the CPU path drops such boxes, and x - x tricks may be folded away.
fn finite(v: f32) -> bool { return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u; }

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let a = gid.x;
  let b = gid.y;
  if (a >= P.numAnchors) { return; }
  let base = b * P.imageStride;
  var x1: f32; var y1: f32; var x2: f32; var y2: f32;
  // Mirrors the core decoders: best starts at conf, strictly greater wins (first maximum on ties, NaN never).
  var best: f32 = P.conf;
  var cls: i32 = -1;
  if (P.kind == 3u) {
    best = at(base, a, 4u, 6u);
    if (!(best > P.conf)) { return; }
    let c = at(base, a, 5u, 6u);
    if (!(c >= 0.0 && c < 1048576.0) || c != floor(c)) { return; }
    cls = i32(c);
    x1 = at(base, a, 0u, 6u); y1 = at(base, a, 1u, 6u); x2 = at(base, a, 2u, 6u); y2 = at(base, a, 3u, 6u);
  } else {
    let v5 = P.kind == 2u;
    let first = select(4u, 5u, v5);
    let rows = first + P.numClasses;
    var obj: f32 = 1.0;
    if (v5) {
      obj = at(base, a, 4u, rows);
      if (!(obj > P.conf)) { return; }
    }
    for (var c = 0u; c < P.numClasses; c++) {
      let s = select(at(base, a, first + c, rows), obj * at(base, a, first + c, rows), v5);
      if (s > best) { best = s; cls = i32(c); }
    }
    if (cls < 0) { return; }
    let cx = at(base, a, 0u, rows); let cy = at(base, a, 1u, rows);
    let hw = at(base, a, 2u, rows) * 0.5; let hh = at(base, a, 3u, rows) * 0.5;
    x1 = cx - hw; y1 = cy - hh; x2 = cx + hw; y2 = cy + hh;
  }
  if (!(finite(x1) && finite(y1) && finite(x2) && finite(y2))) { return; }
  let uc = u32(cls);
  if (P.useMask != 0u && (uc >= P.maskBits || (classMask[uc >> 5u] & (1u << (uc & 31u))) == 0u)) { return; }
  let i = atomicAdd(&counts[b], 1u);
  if (i >= P.cap) { return; }
  let o = (b * P.cap + i) * ${WORDS}u;
  cands[o] = bitcast<u32>(x1); cands[o + 1u] = bitcast<u32>(y1);
  cands[o + 2u] = bitcast<u32>(x2); cands[o + 3u] = bitcast<u32>(y2);
  cands[o + 4u] = bitcast<u32>(best); cands[o + 5u] = uc; cands[o + 6u] = a;
}
`;

/** A failed map means the device is gone (lost or destroyed): say so with a typed error. */
async function mapOrThrow(buf: GPUBuffer, bytes: number): Promise<void> {
  try {
    await buf.mapAsync(GPUMapMode.READ, 0, bytes);
  } catch (e) {
    throw new EngineError('E_DEVICE_LOST', `reading candidates back failed (GPU device lost?): ${(e as Error).message}`, { cause: e });
  }
}

/** Largest float32 ≤ x: the GPU compares f32 scores, the CPU compares them (widened) against the f64 `conf`. */
export function f32AtMost(x: number): number {
  const f = Math.fround(x);
  if (f <= x) return f;
  const u = new Float32Array([f]);
  const bits = new Int32Array(u.buffer);
  bits[0] += f > 0 ? -1 : 1;
  return u[0];
}

interface Geometry {
  code: number;
  rows: number;
  numAnchors: number;
  numClasses: number;
  imageStride: number;
}

function layoutGeometry(layout: OutputLayout): Geometry {
  switch (layout.kind) {
    case 'yolov8': {
      const rows = 4 + layout.numClasses;
      return { code: layout.transposed ? LAYOUT_CODE.yolov8t : LAYOUT_CODE.yolov8, rows, numAnchors: layout.numAnchors, numClasses: layout.numClasses, imageStride: rows * layout.numAnchors };
    }
    case 'yolov5': {
      const rows = 5 + layout.numClasses;
      return { code: LAYOUT_CODE.yolov5, rows, numAnchors: layout.numAnchors, numClasses: layout.numClasses, imageStride: rows * layout.numAnchors };
    }
    case 'end2end':
      return { code: LAYOUT_CODE.end2end, rows: 6, numAnchors: layout.maxDetections, numClasses: 0, imageStride: 6 * layout.maxDetections };
    default:
      throw new LayoutError('E_UNKNOWN_LAYOUT', `the GPU candidate pass handles detection layouts, not '${layout.kind}'`, {
        details: { kind: layout.kind },
      });
  }
}

export interface CandidatePass {
  readonly layout: OutputLayout;
  readonly batch: number;
  readonly cap: number;
  /** Floats of raw output the pass expects per run (batch × per-image size). */
  readonly expectedOutputFloats: number;
  readonly stats: CandidatePassStats;
  /**
   * Filter `output` (a GPU buffer holding the raw model output, e.g. `tensor.gpuBuffer` of an ORT output with
   * `preferredOutputLocation: 'gpu-buffer'`) and read back one candidate set per image. The returned sets are
   * reused by the next call: copy what you keep.
   */
  run(output: GPUBuffer, opts: ReadCandidatesOptions): Promise<CandidateBuffer[]>;
  dispose(): void;
}

export function createCandidatePass(device: GPUDevice, { layout, batch = 1, cap }: CandidatePassOptions): CandidatePass {
  const g = layoutGeometry(layout);
  if (!Number.isInteger(batch) || batch < 1) throw new OptionError('E_INVALID_OPTION', `batch must be a positive integer, got ${batch}`);
  if (!(g.numAnchors > 0) || !Number.isInteger(g.numAnchors)) {
    throw new LayoutError('E_SHAPE_MISMATCH', `layout has no anchors (${g.numAnchors})`, { details: { layout } });
  }
  if (g.code !== LAYOUT_CODE.end2end && !(g.numClasses > 0)) {
    throw new LayoutError('E_SHAPE_MISMATCH', `layout has no classes (${g.numClasses})`, { details: { layout } });
  }
  const capacity = cap ?? g.numAnchors;
  if (!Number.isInteger(capacity) || capacity < 1) throw new OptionError('E_INVALID_OPTION', `cap must be a positive integer, got ${cap}`);
  if (batch > device.limits.maxComputeWorkgroupsPerDimension) {
    throw new OptionError('E_INVALID_OPTION', `batch ${batch} exceeds the device's workgroup limit`);
  }

  const module = device.createShaderModule({ code: SHADER, label: 'sightline-candidates' });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: 'sightline-candidates' });
  const countsBytes = Math.max(16, Math.ceil((batch * 4) / 16) * 16);
  const counts = device.createBuffer({ size: countsBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  const cands = device.createBuffer({ size: batch * capacity * BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const params = device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  // end2end outputs carry class ids as values, so their mask grows with the largest id asked for.
  let maskBits = Math.max(32, g.numClasses);
  let maskData = new Uint32Array(Math.max(4, Math.ceil(maskBits / 32)));
  let mask = device.createBuffer({ size: maskData.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const zeros = new Uint32Array(countsBytes / 4);
  const paramData = new ArrayBuffer(32);
  const paramU32 = new Uint32Array(paramData);
  const paramF32 = new Float32Array(paramData);
  // Staging buffers: grown on demand, reused across frames.
  let staging: GPUBuffer | null = null;
  let stagingSize = 0;
  let inline = Math.min(capacity, MIN_INLINE);
  let bindGroup: GPUBindGroup | null = null;
  let boundOutput: GPUBuffer | null = null;
  let disposed = false;
  let queue: Promise<unknown> = Promise.resolve();

  // Host-side results, one per image, reused across calls.
  const sets: CandidateBuffer[] = [];
  const anchorOrder: Uint32Array[] = [];
  const slotOfAnchor = new Int32Array(g.numAnchors);
  for (let i = 0; i < batch; i++) {
    sets.push(new CandidateBuffer(capacity));
    anchorOrder.push(new Uint32Array(capacity));
  }
  const words = new Uint32Array(capacity * WORDS);
  const wordsF = new Float32Array(words.buffer);

  const stats: CandidatePassStats = { bytesReadBack: 0, totalBytesReadBack: 0, lastCounts: new Array<number>(batch).fill(0), truncated: false, secondReads: 0 };

  const ensureStaging = (size: number): GPUBuffer => {
    if (!staging || stagingSize < size) {
      staging?.destroy();
      stagingSize = Math.ceil(size / 4096) * 4096;
      staging = device.createBuffer({ size: stagingSize, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'sightline-candidates-staging' });
    }
    return staging;
  };

  const expectedOutputFloats = batch * g.imageStride;

  async function runOnce(output: GPUBuffer, { conf, classes }: ReadCandidatesOptions): Promise<CandidateBuffer[]> {
    if (disposed) throw new OptionError('E_DISPOSED', 'candidate pass was disposed');
    if (!Number.isFinite(conf)) throw new OptionError('E_INVALID_OPTION', `conf must be a finite number, got ${conf}`);
    if (output.size < expectedOutputFloats * 4) {
      throw new LayoutError('E_SHAPE_MISMATCH', `output buffer holds ${output.size} bytes, layout needs ${expectedOutputFloats * 4}`, {
        details: { size: output.size, expected: expectedOutputFloats * 4 },
      });
    }
    paramU32[0] = g.numAnchors;
    paramU32[1] = g.numClasses;
    paramU32[2] = capacity;
    paramU32[3] = g.code;
    paramF32[4] = f32AtMost(conf);
    paramU32[5] = g.imageStride;
    paramU32[6] = 0;
    paramU32[7] = maskBits;
    if (classes) {
      let top = 0;
      for (const c of classes) if (Number.isInteger(c) && c >= 0 && c < 1 << 20) top = Math.max(top, c + 1);
      if (g.code === LAYOUT_CODE.end2end && top > maskBits) {
        maskBits = Math.ceil(top / 128) * 128;
        maskData = new Uint32Array(maskBits / 32);
        mask.destroy();
        mask = device.createBuffer({ size: maskData.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
        bindGroup = null;
      }
      paramU32[7] = maskBits;
      maskData.fill(0);
      for (const c of classes) {
        if (Number.isInteger(c) && c >= 0 && c < maskBits) maskData[c >>> 5] |= 1 << (c & 31);
      }
      paramU32[6] = 1;
      device.queue.writeBuffer(mask, 0, maskData);
    }
    device.queue.writeBuffer(params, 0, paramData);
    device.queue.writeBuffer(counts, 0, zeros);
    if (boundOutput !== output || !bindGroup) {
      bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: output, size: expectedOutputFloats * 4 } },
          { binding: 1, resource: { buffer: counts } },
          { binding: 2, resource: { buffer: cands } },
          { binding: 3, resource: { buffer: params } },
          { binding: 4, resource: { buffer: mask } },
        ],
      });
      boundOutput = output;
    }
    const enc = device.createCommandEncoder({ label: 'sightline-candidates' });
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(g.numAnchors / WORKGROUP), batch);
    pass.end();
    // One round trip: the counts plus the first `inline` candidates of each image.
    const regionBytes = inline * BYTES;
    const buf = ensureStaging(countsBytes + batch * regionBytes);
    enc.copyBufferToBuffer(counts, 0, buf, 0, countsBytes);
    for (let b = 0; b < batch; b++) enc.copyBufferToBuffer(cands, b * capacity * BYTES, buf, countsBytes + b * regionBytes, regionBytes);
    device.queue.submit([enc.finish()]);
    let read = countsBytes + batch * regionBytes;
    await mapOrThrow(buf, read);
    const mapped = buf.getMappedRange(0, read);
    const found = new Uint32Array(mapped, 0, batch);
    let maxKept = 0;
    const need: number[] = [];
    stats.truncated = false;
    for (let b = 0; b < batch; b++) {
      const n = found[b];
      stats.lastCounts[b] = n;
      if (n > capacity) stats.truncated = true;
      const kept = Math.min(n, capacity);
      sets[b].count = kept;
      maxKept = Math.max(maxKept, kept);
      const here = Math.min(kept, inline);
      words.set(new Uint32Array(mapped, countsBytes + b * regionBytes, here * WORDS));
      unpack(b, 0, here);
      if (kept > inline) need.push(b);
    }
    buf.unmap();
    if (need.length) {
      stats.secondReads++;
      const rest = capacity - inline;
      const buf2 = ensureStaging(need.length * rest * BYTES);
      const enc2 = device.createCommandEncoder();
      need.forEach((b, k) => enc2.copyBufferToBuffer(cands, (b * capacity + inline) * BYTES, buf2, k * rest * BYTES, (sets[b].count - inline) * BYTES));
      device.queue.submit([enc2.finish()]);
      const bytes2 = need.length * rest * BYTES;
      await mapOrThrow(buf2, bytes2);
      const m2 = buf2.getMappedRange(0, bytes2);
      need.forEach((b, k) => {
        const extra = sets[b].count - inline;
        words.set(new Uint32Array(m2, k * rest * BYTES, extra * WORDS));
        unpack(b, inline, extra);
        read += extra * BYTES;
      });
      buf2.unmap();
    }
    for (let b = 0; b < batch; b++) sortByAnchor(b);
    // Next frame copies enough for what this one had, with headroom; never less than MIN_INLINE.
    inline = Math.min(capacity, Math.max(MIN_INLINE, Math.ceil((maxKept * 1.5) / 64) * 64));
    stats.bytesReadBack = read;
    stats.totalBytesReadBack += read;
    return sets;
  }

  /** Copy `n` candidates from `words` into image b's set starting at slot `at` (arrival order for now). */
  function unpack(b: number, at: number, n: number): void {
    const s = sets[b];
    const order = anchorOrder[b];
    for (let i = 0; i < n; i++) {
      const w = i * WORDS;
      const k = at + i;
      s.boxes[k * 4] = wordsF[w];
      s.boxes[k * 4 + 1] = wordsF[w + 1];
      s.boxes[k * 4 + 2] = wordsF[w + 2];
      s.boxes[k * 4 + 3] = wordsF[w + 3];
      s.scores[k] = wordsF[w + 4];
      s.classIds[k] = words[w + 5];
      order[k] = words[w + 6];
    }
  }

  /**
   * The atomic counter hands out slots in arbitrary order; put candidates back in anchor order so ties in
   * NMS break exactly as on the CPU path. Sorting the anchor ids and permuting through `slotOfAnchor`
   * allocates nothing.
   */
  function sortByAnchor(b: number): void {
    const s = sets[b];
    const n = s.count;
    if (n < 2) return;
    const order = anchorOrder[b];
    for (let i = 0; i < n; i++) slotOfAnchor[order[i]] = i;
    // Stage current values in `words` (free now), then write back in sorted order.
    for (let i = 0; i < n; i++) {
      const w = i * WORDS;
      wordsF[w] = s.boxes[i * 4];
      wordsF[w + 1] = s.boxes[i * 4 + 1];
      wordsF[w + 2] = s.boxes[i * 4 + 2];
      wordsF[w + 3] = s.boxes[i * 4 + 3];
      wordsF[w + 4] = s.scores[i];
      words[w + 5] = s.classIds[i];
    }
    const sorted = order.subarray(0, n).sort();
    for (let k = 0; k < n; k++) {
      const w = slotOfAnchor[sorted[k]] * WORDS;
      s.boxes[k * 4] = wordsF[w];
      s.boxes[k * 4 + 1] = wordsF[w + 1];
      s.boxes[k * 4 + 2] = wordsF[w + 2];
      s.boxes[k * 4 + 3] = wordsF[w + 3];
      s.scores[k] = wordsF[w + 4];
      s.classIds[k] = words[w + 5];
    }
  }

  return {
    layout,
    batch,
    cap: capacity,
    expectedOutputFloats,
    stats,
    run(output, opts) {
      // Serialise: the staging buffer can be mapped by only one call at a time.
      const p = queue.then(() => runOnce(output, opts));
      queue = p.catch(() => undefined);
      return p;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      counts.destroy();
      cands.destroy();
      params.destroy();
      mask.destroy();
      staging?.destroy();
      staging = null;
      bindGroup = null;
      boundOutput = null;
    },
  };
}
