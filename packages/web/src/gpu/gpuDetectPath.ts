/**
 * The seam between the WebGPU engine and the GPU passes: letterbox into an ORT-ready GPU tensor, then filter
 * the raw output on the GPU and read back only candidates. `ort` is passed in (never imported here) so the
 * engine's own onnxruntime-web copy is used and no second copy gets bundled.
 */
import { LayoutError, OptionError, type CandidateBuffer, type LetterboxGeometry, type OutputLayout } from '@sightline/core';
import { createLetterboxPass, type LetterboxPass } from './letterboxPass.js';
import { createCandidatePass, type CandidatePass, type ReadCandidatesOptions } from './candidatePass.js';
import type { GpuFrameSource } from './sourceUpload.js';

/** The part of onnxruntime-web's `Tensor` this module needs. */
export interface OrtGpuTensorFactory<T> {
  fromGpuBuffer(buffer: GPUBuffer, options: { dataType: 'float32'; dims: readonly number[] }): T;
}
export interface OrtLike<T> {
  Tensor: OrtGpuTensorFactory<T>;
}
/** An ORT output tensor left on the GPU (`preferredOutputLocation: 'gpu-buffer'`), or a bare buffer. */
export interface GpuTensorLike {
  readonly gpuBuffer: GPUBuffer;
  readonly dims?: readonly number[];
}

export interface GpuDetectPathOptions<T> {
  inputWidth: number;
  inputHeight: number;
  layout: OutputLayout;
  /** Images per run (the model's batch dimension). Default 1. */
  batch?: number;
  /** Needed for `preprocess().tensor`; without it only `preprocess().buffer` is returned. */
  ort?: OrtLike<T>;
  /** Candidate cap per image (default: every anchor, so results always equal the CPU path). */
  cap?: number;
  padValue?: number;
}

export interface GpuPreprocessResult<T> {
  /** ORT tensor over `buffer` (dims [batch,3,H,W]); reused across calls, never dispose it yourself. */
  tensor: T | null;
  buffer: GPUBuffer;
  dims: readonly [number, number, number, number];
  geometries: LetterboxGeometry[];
}

export interface GpuDetectPath<T> {
  preprocess(source: GpuFrameSource | readonly GpuFrameSource[]): GpuPreprocessResult<T>;
  /** Candidates of image 0 (boxes x1,y1,x2,y2 in model-input pixels); overwritten by the next call. */
  readCandidates(output: GpuTensorLike | GPUBuffer, opts: ReadCandidatesOptions): Promise<CandidateBuffer>;
  /** One candidate set per image of the batch. */
  readCandidatesBatch(output: GpuTensorLike | GPUBuffer, opts: ReadCandidatesOptions): Promise<CandidateBuffer[]>;
  readonly stats: { readonly bytesReadBack: number; readonly totalBytesReadBack: number; readonly lastCounts: readonly number[]; readonly truncated: boolean };
  readonly letterbox: LetterboxPass;
  readonly candidates: CandidatePass;
  dispose(): void;
}

function isGpuBuffer(v: unknown): v is GPUBuffer {
  return typeof GPUBuffer === 'function' && v instanceof GPUBuffer;
}

export function createGpuDetectPath<T = unknown>(device: GPUDevice, opts: GpuDetectPathOptions<T>): GpuDetectPath<T> {
  const { inputWidth, inputHeight, layout, batch = 1, ort, cap, padValue } = opts;
  if (layout.kind === 'classification') {
    throw new LayoutError('E_UNKNOWN_LAYOUT', 'createGpuDetectPath needs a detection layout; use the classify crop pass for classifiers');
  }
  const letterbox = createLetterboxPass(device, { width: inputWidth, height: inputHeight, batch, padValue });
  let candidates: CandidatePass;
  try {
    candidates = createCandidatePass(device, { layout, batch, cap });
  } catch (e) {
    letterbox.dispose();
    throw e;
  }
  const tensor = ort ? ort.Tensor.fromGpuBuffer(letterbox.output, { dataType: 'float32', dims: letterbox.dims }) : null;
  let disposed = false;

  const bufferOf = (output: GpuTensorLike | GPUBuffer): GPUBuffer => {
    if (disposed) throw new OptionError('E_DISPOSED', 'GPU detect path was disposed');
    const buf = isGpuBuffer(output) ? output : output?.gpuBuffer;
    if (!isGpuBuffer(buf)) {
      throw new LayoutError('E_UNSUPPORTED_DTYPE', "output is not on the GPU (create the session with preferredOutputLocation: 'gpu-buffer')");
    }
    return buf;
  };

  return {
    preprocess(source) {
      if (disposed) throw new OptionError('E_DISPOSED', 'GPU detect path was disposed');
      const geometries = letterbox.run(source);
      return { tensor, buffer: letterbox.output, dims: letterbox.dims, geometries };
    },
    async readCandidates(output, o) {
      return (await candidates.run(bufferOf(output), o))[0];
    },
    readCandidatesBatch(output, o) {
      return candidates.run(bufferOf(output), o);
    },
    get stats() {
      return candidates.stats;
    },
    letterbox,
    candidates,
    dispose() {
      if (disposed) return;
      disposed = true;
      letterbox.dispose();
      candidates.dispose();
    },
  };
}
