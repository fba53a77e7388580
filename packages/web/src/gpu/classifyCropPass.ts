/**
 * GPU classifier input: resize the shorter side, center-crop, normalize (mean/std), NCHW float32 into a storage
 * buffer for `ort.Tensor.fromGpuBuffer`. Reproduces the core ClassifyPreprocessor (Pillow's antialiased
 * bilinear: triangle filter whose support grows with the downscale factor, 22-bit fixed-point weights, 8-bit
 * rounding between the horizontal and vertical passes) in two integer compute passes, so GPU and CPU tensors
 * are bit-identical. Weights come from the core's `pilAxis`, computed on the CPU once per geometry.
 */
import { computeCenterCrop, IMAGENET_MEAN, IMAGENET_STD, OptionError, type CropGeometry } from '@sightline/core';
import { normalizeLut, pilAxisTables } from './resizeTables.js';
import { SourceUploader, type GpuFrameSource, type UploadedFrame } from './sourceUpload.js';

export interface ClassifyCropPassOptions {
  /** Crop (tensor) size; default 224. */
  size?: number;
  /** Shorter side after resizing; default 256. */
  resizeShorter?: number;
  mean?: readonly [number, number, number];
  std?: readonly [number, number, number];
  batch?: number;
}

const WG = 16;
const COMMON = /* wgsl */ `
struct Params {
  n: u32, rows: u32, yFirst: u32, ksx: u32,
  ksy: u32, axW: u32, ayFirst: u32, ayCount: u32,
  ayW: u32, outOffset: u32, plane: u32, axCount: u32,
};
const HALF: i32 = 2097152;   // 1 << 21: Pillow rounds by adding half before the 22-bit shift
fn clip8(v: i32) -> i32 { return clamp(v >> 22u, 0, 255); }
`;

function horizontalShader(external: boolean): string {
  const decl = external ? 'texture_external' : 'texture_2d<f32>';
  const load = external ? 'textureLoad(src, vec2u(u32(x), u32(y)))' : 'textureLoad(src, vec2i(x, y), 0)';
  return /* wgsl */ `${COMMON}
@group(0) @binding(0) var src: ${decl};
@group(0) @binding(1) var<storage, read_write> tmp: array<u32>;
@group(0) @binding(2) var<uniform> P: Params;
@group(0) @binding(3) var<storage, read> T: array<i32>;

fn px(x: i32, y: i32) -> vec3<i32> { return vec3<i32>(round(${load}.rgb * 255.0)); }

// tmp[row][x] = packed 8-bit RGB of the horizontal pass for source row yFirst + row.
@compute @workgroup_size(${WG}, ${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x >= P.n || gid.y >= P.rows) { return; }
  let y = i32(P.yFirst + gid.y);
  let first = T[gid.x];
  let cnt = T[P.axCount + gid.x];
  var acc = vec3<i32>(HALF);
  for (var k = 0; k < cnt; k++) {
    acc += px(first + k, y) * T[P.axW + gid.x * P.ksx + u32(k)];
  }
  tmp[gid.y * P.n + gid.x] = u32(clip8(acc.x)) | (u32(clip8(acc.y)) << 8u) | (u32(clip8(acc.z)) << 16u);
}
`;
}

const VERTICAL = /* wgsl */ `${COMMON}
@group(0) @binding(0) var<storage, read> tmp: array<u32>;
@group(0) @binding(1) var<storage, read_write> outT: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;
@group(0) @binding(3) var<storage, read> T: array<i32>;
@group(0) @binding(4) var<storage, read> lut: array<f32>;

@compute @workgroup_size(${WG}, ${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x >= P.n || gid.y >= P.n) { return; }
  let j = gid.y;
  let r0 = u32(T[P.ayFirst + j]) - P.yFirst;
  let cnt = T[P.ayCount + j];
  var acc = vec3<i32>(HALF);
  for (var k = 0; k < cnt; k++) {
    let v = tmp[(r0 + u32(k)) * P.n + gid.x];
    let rgb = vec3<i32>(i32(v & 255u), i32((v >> 8u) & 255u), i32((v >> 16u) & 255u));
    acc += rgb * T[P.ayW + j * P.ksy + u32(k)];
  }
  let o = P.outOffset + j * P.n + gid.x;
  outT[o] = lut[clip8(acc.x)];
  outT[o + P.plane] = lut[256 + clip8(acc.y)];
  outT[o + 2u * P.plane] = lut[512 + clip8(acc.z)];
}
`;

interface Slot {
  uploader: SourceUploader;
  params: GPUBuffer;
  tables: GPUBuffer | null;
  tmp: GPUBuffer | null;
  key: string;
  rows: number;
}

export interface ClassifyCropPass {
  readonly output: GPUBuffer;
  readonly size: number;
  readonly batch: number;
  readonly dims: readonly [number, number, number, number];
  encode(encoder: GPUCommandEncoder, source: GpuFrameSource, index?: number): CropGeometry;
  run(sources: GpuFrameSource | readonly GpuFrameSource[]): CropGeometry[];
  dispose(): void;
}

export function createClassifyCropPass(device: GPUDevice, opts: ClassifyCropPassOptions = {}): ClassifyCropPass {
  const { size = 224, resizeShorter = 256, mean = IMAGENET_MEAN, std = IMAGENET_STD, batch = 1 } = opts;
  if (!Number.isInteger(batch) || batch < 1) throw new OptionError('E_INVALID_OPTION', `batch must be a positive integer, got ${batch}`);
  computeCenterCrop(size, size, size, resizeShorter); // validates size/resizeShorter up front
  const plane = size * size;
  const output = device.createBuffer({ size: batch * 3 * plane * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: 'sightline-classify-out' });
  const lut = device.createBuffer({ size: 768 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(lut, 0, normalizeLut(mean, std));
  const hPipes: { tex?: GPUComputePipeline; ext?: GPUComputePipeline } = {};
  const hPipe = (external: boolean): GPUComputePipeline => {
    const k = external ? 'ext' : 'tex';
    return (hPipes[k] ??= device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: horizontalShader(external) }), entryPoint: 'main' } }));
  };
  const vPipe = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: VERTICAL }), entryPoint: 'main' } });
  const slots: Slot[] = [];
  const paramData = new Uint32Array(12);
  let disposed = false;

  function encode(encoder: GPUCommandEncoder, source: GpuFrameSource, index = 0): CropGeometry {
    if (disposed) throw new OptionError('E_DISPOSED', 'classify crop pass was disposed');
    if (!Number.isInteger(index) || index < 0 || index >= batch) throw new OptionError('E_INVALID_OPTION', `batch index ${index} out of range 0..${batch - 1}`);
    const s = (slots[index] ??= { uploader: new SourceUploader(device), params: device.createBuffer({ size: 48, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }), tables: null, tmp: null, key: '', rows: 0 });
    const frame: UploadedFrame = s.uploader.upload(source);
    const g = computeCenterCrop(frame.width, frame.height, size, resizeShorter);
    const key = `${g.srcWidth}x${g.srcHeight}>${g.resizedWidth}x${g.resizedHeight}@${g.cropX},${g.cropY}`;
    if (s.key !== key) {
      const ax = pilAxisTables(g.srcWidth, g.resizedWidth, g.cropX, size);
      const ay = pilAxisTables(g.srcHeight, g.resizedHeight, g.cropY, size);
      let lo = Infinity;
      let hi = 0;
      for (let j = 0; j < size; j++) {
        lo = Math.min(lo, ay.first[j]);
        hi = Math.max(hi, ay.first[j] + ay.count[j]);
      }
      // Layout: axFirst | axCount | axW | ayFirst | ayCount | ayW
      const parts = [ax.first, ax.count, ax.weights, ay.first, ay.count, ay.weights];
      const offs: number[] = [];
      let total = 0;
      for (const p of parts) {
        offs.push(total);
        total += p.length;
      }
      const t = new Int32Array(total);
      parts.forEach((p, i) => t.set(p, offs[i]));
      s.tables?.destroy();
      s.tables = device.createBuffer({ size: t.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(s.tables, 0, t);
      s.rows = hi - lo;
      s.tmp?.destroy();
      s.tmp = device.createBuffer({ size: Math.max(16, s.rows * size * 4), usage: GPUBufferUsage.STORAGE });
      s.key = key;
      paramData.set([size, s.rows, lo, ax.ksize, ay.ksize, offs[2], offs[3], offs[4], offs[5], index * 3 * plane, plane, offs[1]]);
      device.queue.writeBuffer(s.params, 0, paramData);
    }
    const h = hPipe(frame.external);
    const hb = device.createBindGroup({
      layout: h.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: frame.resource },
        { binding: 1, resource: { buffer: s.tmp! } },
        { binding: 2, resource: { buffer: s.params } },
        { binding: 3, resource: { buffer: s.tables! } },
      ],
    });
    const vb = device.createBindGroup({
      layout: vPipe.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: s.tmp! } },
        { binding: 1, resource: { buffer: output } },
        { binding: 2, resource: { buffer: s.params } },
        { binding: 3, resource: { buffer: s.tables! } },
        { binding: 4, resource: { buffer: lut } },
      ],
    });
    const pass = encoder.beginComputePass({ label: 'sightline-classify-crop' });
    pass.setPipeline(h);
    pass.setBindGroup(0, hb);
    pass.dispatchWorkgroups(Math.ceil(size / WG), Math.ceil(s.rows / WG));
    // Same pass, later dispatch: storage writes of the first dispatch are visible to the second.
    pass.setPipeline(vPipe);
    pass.setBindGroup(0, vb);
    pass.dispatchWorkgroups(Math.ceil(size / WG), Math.ceil(size / WG));
    pass.end();
    return g;
  }

  return {
    output,
    size,
    batch,
    dims: [batch, 3, size, size],
    encode,
    run(sources) {
      const list = Array.isArray(sources) ? sources : [sources as GpuFrameSource];
      if (list.length < 1 || list.length > batch) throw new OptionError('E_INVALID_OPTION', `expected 1..${batch} sources, got ${list.length}`);
      const enc = device.createCommandEncoder({ label: 'sightline-classify-crop' });
      const geos = list.map((src, i) => encode(enc, src, i));
      device.queue.submit([enc.finish()]);
      return geos;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const s of slots) {
        if (!s) continue;
        s.uploader.dispose();
        s.params.destroy();
        s.tables?.destroy();
        s.tmp?.destroy();
      }
      output.destroy();
      lut.destroy();
    },
  };
}
