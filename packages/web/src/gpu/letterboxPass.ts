/**
 * GPU letterbox: one WGSL compute pass turns a frame on the GPU into the YOLO input tensor (resize with
 * OpenCV's fixed-point INTER_LINEAR arithmetic, pad 114, /255, NCHW float32) inside a storage buffer that ORT
 * takes with `Tensor.fromGpuBuffer` — no pixel readback. The arithmetic is the core LetterboxPreprocessor's,
 * done in integers with `textureLoad` (no hardware sampler), so GPU and CPU tensors are bit-identical.
 */
import { computeLetterbox, OptionError, type LetterboxGeometry } from '@sightline/core';
import { linearResizeTables, normalizeLut } from './resizeTables.js';
import { SourceUploader, type GpuFrameSource, type UploadedFrame } from './sourceUpload.js';

export interface LetterboxPassOptions {
  /** Tensor width/height (the model input). */
  width: number;
  height: number;
  /** Images per tensor; image i is written at element offset i·3·H·W. Default 1. */
  batch?: number;
  /** 8-bit pad value (Ultralytics: 114). */
  padValue?: number;
  scaleUp?: boolean;
  center?: boolean;
}

const WG = 16;

function shader(external: boolean): string {
  const decl = external ? 'texture_external' : 'texture_2d<f32>';
  const load = external ? 'textureLoad(src, vec2u(u32(x), u32(y)))' : 'textureLoad(src, vec2i(x, y), 0)';
  return /* wgsl */ `
struct Params {
  dstW: u32, dstH: u32, padLeft: u32, padTop: u32,
  newW: u32, newH: u32, outOffset: u32, area2x: u32,
  plane: u32, padValue: u32, _a: u32, _b: u32,
};
@group(0) @binding(0) var src: ${decl};
@group(0) @binding(1) var<storage, read_write> outT: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;
@group(0) @binding(3) var<storage, read> tables: array<i32>;
@group(0) @binding(4) var<storage, read> lut: array<f32>;

// Back to the exact 8-bit value: unorm8 → f32 is v/255, so ×255 lands within an ulp of the integer.
fn px(x: i32, y: i32) -> vec3<i32> {
  return vec3<i32>(round(${load}.rgb * 255.0));
}

@compute @workgroup_size(${WG}, ${WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x >= P.dstW || gid.y >= P.dstH) { return; }
  let lx = i32(gid.x) - i32(P.padLeft);
  let ly = i32(gid.y) - i32(P.padTop);
  var v = vec3<i32>(i32(P.padValue));
  if (lx >= 0 && ly >= 0 && lx < i32(P.newW) && ly < i32(P.newH)) {
    if (P.area2x != 0u) {
      // Exact 2x downscale: OpenCV switches to INTER_AREA, (a+b+c+d+2)>>2.
      let x = 2 * lx; let y = 2 * ly;
      v = (px(x, y) + px(x + 1, y) + px(x, y + 1) + px(x + 1, y + 1) + vec3<i32>(2)) >> vec3<u32>(2u);
    } else {
      let xo = u32(lx) * 4u;
      let yo = (P.newW + u32(ly)) * 4u;
      let x0 = tables[xo]; let x1 = tables[xo + 1u]; let a0 = tables[xo + 2u]; let a1 = tables[xo + 3u];
      let y0 = tables[yo]; let y1 = tables[yo + 1u]; let b0 = tables[yo + 2u]; let b1 = tables[yo + 3u];
      // Horizontal pass (values x 2048), then OpenCV's VResizeLinearVec_32s8u rounding.
      let h0 = px(x0, y0) * a0 + px(x1, y0) * a1;
      let h1 = px(x0, y1) * a0 + px(x1, y1) * a1;
      let s4 = vec3<u32>(4u); let s16 = vec3<u32>(16u); let s2 = vec3<u32>(2u);
      v = ((((h0 >> s4) * b0) >> s16) + (((h1 >> s4) * b1) >> s16) + vec3<i32>(2)) >> s2;
    }
    v = clamp(v, vec3<i32>(0), vec3<i32>(255));
  }
  let o = P.outOffset + gid.y * P.dstW + gid.x;
  outT[o] = lut[v.x];
  outT[o + P.plane] = lut[256 + v.y];
  outT[o + 2u * P.plane] = lut[512 + v.z];
}
`;
}

interface Slot {
  uploader: SourceUploader;
  params: GPUBuffer;
  tables: GPUBuffer | null;
  tablesKey: string;
  bindGroup: GPUBindGroup | null;
  boundResource: GPUTextureView | GPUExternalTexture | null;
}

export interface LetterboxPass {
  /** The tensor: batch × 3 × height × width float32, usable as `ort.Tensor.fromGpuBuffer(output, …)`. */
  readonly output: GPUBuffer;
  readonly width: number;
  readonly height: number;
  readonly batch: number;
  readonly dims: readonly [number, number, number, number];
  /** Upload `source` and record its letterbox into `encoder` as image `index`. */
  encode(encoder: GPUCommandEncoder, source: GpuFrameSource, index?: number): LetterboxGeometry;
  /** Upload + letterbox up to `batch` frames and submit. */
  run(sources: GpuFrameSource | readonly GpuFrameSource[]): LetterboxGeometry[];
  dispose(): void;
}

export function createLetterboxPass(device: GPUDevice, opts: LetterboxPassOptions): LetterboxPass {
  const { width, height, batch = 1, padValue = 114, scaleUp = true, center = true } = opts;
  for (const [k, v] of [['width', width], ['height', height], ['batch', batch]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 16384) throw new OptionError('E_INVALID_OPTION', `${k} must be an integer in 1..16384, got ${String(v)}`);
  }
  if (!Number.isInteger(padValue) || padValue < 0 || padValue > 255) {
    throw new OptionError('E_INVALID_OPTION', `padValue must be an integer 0..255, got ${String(padValue)}`);
  }
  const plane = width * height;
  const output = device.createBuffer({
    size: batch * 3 * plane * 4,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    label: 'sightline-letterbox-out',
  });
  const lut = device.createBuffer({ size: 768 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(lut, 0, normalizeLut());
  const pipelines: { tex?: GPUComputePipeline; ext?: GPUComputePipeline } = {};
  const pipelineFor = (external: boolean): GPUComputePipeline => {
    const key = external ? 'ext' : 'tex';
    return (pipelines[key] ??= device.createComputePipeline({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: shader(external), label: `sightline-letterbox-${key}` }), entryPoint: 'main' },
      label: `sightline-letterbox-${key}`,
    }));
  };
  const slots: Slot[] = [];
  const paramData = new Uint32Array(12);
  let disposed = false;

  const slot = (i: number): Slot =>
    (slots[i] ??= {
      uploader: new SourceUploader(device),
      params: device.createBuffer({ size: paramData.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
      tables: null,
      tablesKey: '',
      bindGroup: null,
      boundResource: null,
    });

  function encode(encoder: GPUCommandEncoder, source: GpuFrameSource, index = 0): LetterboxGeometry {
    if (disposed) throw new OptionError('E_DISPOSED', 'letterbox pass was disposed');
    if (!Number.isInteger(index) || index < 0 || index >= batch) {
      throw new OptionError('E_INVALID_OPTION', `batch index ${index} out of range 0..${batch - 1}`);
    }
    const s = slot(index);
    const frame: UploadedFrame = s.uploader.upload(source);
    const g = computeLetterbox(frame.width, frame.height, width, height, { scaleUp, center });
    const area2x = frame.width === 2 * g.newWidth && frame.height === 2 * g.newHeight;
    const key = `${frame.width}x${frame.height}>${g.newWidth}x${g.newHeight}`;
    if (s.tablesKey !== key) {
      const t = linearResizeTables(frame.width, frame.height, g.newWidth, g.newHeight);
      s.tables?.destroy();
      s.tables = device.createBuffer({ size: t.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(s.tables, 0, t);
      s.tablesKey = key;
      s.bindGroup = null;
    }
    paramData[0] = width;
    paramData[1] = height;
    paramData[2] = g.padLeft;
    paramData[3] = g.padTop;
    paramData[4] = g.newWidth;
    paramData[5] = g.newHeight;
    paramData[6] = index * 3 * plane;
    paramData[7] = area2x ? 1 : 0;
    paramData[8] = plane;
    paramData[9] = padValue;
    device.queue.writeBuffer(s.params, 0, paramData);
    // External textures expire every frame; texture views are stable while the frame size is.
    if (!s.bindGroup || s.boundResource !== frame.resource || frame.external) {
      s.bindGroup = device.createBindGroup({
        layout: pipelineFor(frame.external).getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: frame.resource },
          { binding: 1, resource: { buffer: output } },
          { binding: 2, resource: { buffer: s.params } },
          { binding: 3, resource: { buffer: s.tables! } },
          { binding: 4, resource: { buffer: lut } },
        ],
      });
      s.boundResource = frame.resource;
    }
    const pass = encoder.beginComputePass({ label: 'sightline-letterbox' });
    pass.setPipeline(pipelineFor(frame.external));
    pass.setBindGroup(0, s.bindGroup);
    pass.dispatchWorkgroups(Math.ceil(width / WG), Math.ceil(height / WG));
    pass.end();
    return g;
  }

  return {
    output,
    width,
    height,
    batch,
    dims: [batch, 3, height, width],
    encode,
    run(sources) {
      const list = Array.isArray(sources) ? sources : [sources as GpuFrameSource];
      if (list.length < 1 || list.length > batch) {
        throw new OptionError('E_INVALID_OPTION', `expected 1..${batch} sources, got ${list.length}`);
      }
      const enc = device.createCommandEncoder({ label: 'sightline-letterbox' });
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
      }
      slots.length = 0;
      output.destroy();
      lut.destroy();
    },
  };
}
