// What the repository generator needs to know about the model and how to deploy it, with production
// defaults and validation in one place (the CLI passes user input straight through).
import { OptionError } from '@sightline/core';

/** One graph input/output; structurally the same as @sightline/core's TensorInfo. */
export interface RepositoryTensorInfo {
  name: string;
  /** ONNX element type name ('float32', 'float16', 'uint8', …). */
  dataType: string;
  /** Declared dims; strings/null/negative are dynamic. */
  shape: (number | string | null)[] | null;
}

/** The model facts used (a subset of @sightline/core's ModelDescriptor). */
export interface RepositoryModelInfo {
  inputs: RepositoryTensorInfo[];
  outputs: RepositoryTensorInfo[];
}

export type MainBackend = 'tensorrt' | 'onnxruntime' | 'python';

export interface ModelRepositoryOptions {
  /** Triton model name (also the prefix of the helper models). */
  name: string;
  /** Largest batch Triton forms or accepts. Default 16. */
  maxBatchSize?: number;
  /** Batch sizes the dynamic batcher aims for. Default [4, 8, 16] (clipped to maxBatchSize). */
  preferredBatchSizes?: number[];
  /** How long the batcher waits to fill a batch, µs. Default 2000. */
  maxQueueDelayUs?: number;
  /** Model instances per GPU. Default 1. */
  instances?: number;
  /** TensorRT: build with --fp16 and FP16 inputs/outputs (half the upload of FP32). Default true. */
  fp16?: boolean;
  /** Add `<name>_uint8`: an ensemble taking UINT8 HWC images, normalised on the server. Default true. */
  ensembleUint8?: boolean;
  /** Add `<name>_e2e`: an ensemble ending in server-side NMS ([B, maxDetections, 6]). Default false. */
  end2end?: boolean;
  /** Square input size when the ONNX input has dynamic H/W. Default: the model's, else 640. */
  imgsz?: number;
  /** Backend of the main model: TensorRT plan (default), onnxruntime_onnx, or onnxruntime inside python. */
  backend?: MainBackend;
  /** Instance kind. Default 'gpu'; 'cpu' for servers without a GPU (tests, CI). */
  device?: 'gpu' | 'cpu';
  /** NGC image tag (tritonserver and the matching tensorrt image for trtexec). Default '24.08'. */
  tritonVersion?: string;
  /** nginx CORS origin(s). Default '*'. */
  allowOrigin?: string | string[];
  /** End-to-end NMS settings. Defaults 0.25 / 0.45 / 100. */
  conf?: number;
  iou?: number;
  maxDetections?: number;
}

export type ResolvedRepositoryOptions = Required<ModelRepositoryOptions>;

function int(v: number, what: string, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new OptionError('E_INVALID_OPTION', `${what} must be an integer in ${min}..${max}, got ${v}`);
  return v;
}

export function resolveRepositoryOptions(o: ModelRepositoryOptions): ResolvedRepositoryOptions {
  if (typeof o.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(o.name)) {
    throw new OptionError('E_INVALID_OPTION', `name must be 1-63 chars of [A-Za-z0-9_.-], got "${String(o.name)}"`);
  }
  const maxBatchSize = int(o.maxBatchSize ?? 16, 'maxBatchSize', 1, 4096);
  const preferred = (o.preferredBatchSizes ?? [4, 8, 16]).map((b) => int(b, 'preferredBatchSizes[]', 1, 4096)).filter((b) => b <= maxBatchSize);
  const preferredBatchSizes = [...new Set(preferred)].sort((a, b) => a - b);
  const backend = o.backend ?? 'tensorrt';
  if (!['tensorrt', 'onnxruntime', 'python'].includes(backend)) throw new OptionError('E_INVALID_OPTION', `backend must be tensorrt, onnxruntime or python, got "${backend}"`);
  const device = o.device ?? 'gpu';
  if (device !== 'gpu' && device !== 'cpu') throw new OptionError('E_INVALID_OPTION', `device must be gpu or cpu, got "${String(device)}"`);
  if (backend === 'tensorrt' && device === 'cpu') throw new OptionError('E_INVALID_OPTION', 'a TensorRT plan needs a GPU (device: "cpu" only works with onnxruntime or python)');
  const tritonVersion = o.tritonVersion ?? '24.08';
  if (!/^\d{2}\.\d{2}$/.test(tritonVersion)) throw new OptionError('E_INVALID_OPTION', `tritonVersion must look like 24.08, got "${tritonVersion}"`);
  const conf = o.conf ?? 0.25;
  const iou = o.iou ?? 0.45;
  if (!(conf >= 0 && conf < 1)) throw new OptionError('E_INVALID_OPTION', `conf must be in [0, 1), got ${conf}`);
  if (!(iou > 0 && iou <= 1)) throw new OptionError('E_INVALID_OPTION', `iou must be in (0, 1], got ${iou}`);
  return {
    name: o.name,
    maxBatchSize,
    preferredBatchSizes,
    maxQueueDelayUs: int(o.maxQueueDelayUs ?? 2000, 'maxQueueDelayUs', 0, 10_000_000),
    instances: int(o.instances ?? 1, 'instances', 1, 64),
    fp16: o.fp16 ?? true,
    ensembleUint8: o.ensembleUint8 ?? true,
    end2end: o.end2end ?? false,
    imgsz: int(o.imgsz ?? 0, 'imgsz', 0, 8192),
    backend,
    device,
    tritonVersion,
    allowOrigin: o.allowOrigin ?? '*',
    conf,
    iou,
    maxDetections: int(o.maxDetections ?? 100, 'maxDetections', 1, 10_000),
  };
}
