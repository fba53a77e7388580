/**
 * One ONNX model in the worker: picks the backend (WebGPU with a reported WASM fallback), owns the session
 * and every reused buffer, and runs frames through pixels → core preprocessing → ORT → core decode.
 */
import { EngineError, OptionError, SerialQueue, type ClassScore, type Detection } from '@sightline/core';
import type { EngineInit, Frame, FrameOptions } from '../protocol.js';
import type { BackendName, ClassifyResult, DetectResult, FallbackEvent, ModelInfo, ProgressEvent, Timings } from '../types.js';
import { loadModelFromBytes, loadModelFromUrl } from '../modelLoader.js';
import { FramePixels, close } from '../worker/framePixels.js';
import { defaultThreads, loadOrt, threadsOf, type Ort } from './ortLoader.js';
import { acquireGpu, gpuIncompatibility, webgpuSessionOptions, type GpuHandle } from './webgpuPath.js';
import { planModel, TensorPipeline, type ModelPlan } from './corePipeline.js';
import { createGpuDetectPath, type GpuDetectPath, type GpuFrameSource } from '../gpu/index.js';
import type * as OrtNs from 'onnxruntime-web';

export interface EngineHooks {
  onProgress?: (e: ProgressEvent) => void;
  onFallback?: (e: FallbackEvent) => void;
}

type Session = OrtNs.InferenceSession;

export class OnnxEngine {
  readonly info: ModelInfo;
  private disposed = false;
  private deviceLost = false;
  private readonly pixels = new FramePixels();
  private readonly pipeline: TensorPipeline;
  /**
   * WebGPU detectors: GPU letterbox straight from the frame (no pixel readback) and GPU candidate filter on the
   * output left on the GPU, so only candidates are read back; null on WASM, for classifiers and fp16 inputs.
   */
  private gpuPath: GpuDetectPath<OrtNs.Tensor> | null = null;

  private constructor(
    private ort: Ort,
    private session: Session,
    private gpu: GpuHandle | null,
    /** Kept only on WebGPU, to rebuild the session after a device loss. */
    private bytes: Uint8Array | null,
    private readonly plan: ModelPlan,
    private readonly init: EngineInit,
    private readonly hooks: EngineHooks,
    info: ModelInfo,
  ) {
    this.info = info;
    this.pipeline = new TensorPipeline(plan);
    this.makeGpuPath();
    this.watchDevice();
  }

  private makeGpuPath(): void {
    this.gpuPath?.dispose();
    this.gpuPath = this.gpu && usesGpuPath(this.plan) ? createGpuDetectPath(this.gpu.device, { inputWidth: this.plan.width, inputHeight: this.plan.height, layout: this.plan.layout, ort: this.ort }) : null;
  }

  static async create(init: EngineInit, hooks: EngineHooks): Promise<OnnxEngine> {
    const loaded =
      typeof init.model === 'string'
        ? await loadModelFromUrl(init.model, { cacheName: init.cacheName, integrity: init.integrity, maxModelBytes: init.maxModelBytes, onProgress: hooks.onProgress })
        : await loadModelFromBytes(init.model, { integrity: init.integrity, maxModelBytes: init.maxModelBytes });
    const plan = planModel(loaded.bytes, init);
    const fallbacks: FallbackEvent[] = [];
    const fallback = (reason: string): void => {
      const e: FallbackEvent = { from: 'webgpu', to: 'wasm', reason };
      fallbacks.push(e);
      hooks.onFallback?.(e);
    };
    const numThreads = init.numThreads ?? defaultThreads();
    if (!Number.isInteger(numThreads) || numThreads < 1 || numThreads > 64) {
      throw new OptionError('E_INVALID_OPTION', `numThreads must be an integer 1..64, got ${String(init.numThreads)}`);
    }
    hooks.onProgress?.({ stage: 'session', loaded: 0, total: 1 });

    let backend: BackendName = 'wasm';
    let ort: Ort | null = null;
    let session: Session | null = null;
    let gpu: GpuHandle | null = null;
    if (init.backend !== 'wasm') {
      const g = await acquireGpu();
      const why = typeof g === 'string' ? g : gpuIncompatibility(g, plan.usesFloat16);
      if (why === null && typeof g !== 'string') {
        try {
          ort = await loadOrt('webgpu', numThreads);
          session = await ort.InferenceSession.create(loaded.bytes, gpuSessionOptions(g, plan));
          gpu = g;
          backend = 'webgpu';
        } catch (e) {
          if (init.backend === 'webgpu') throw sessionError(e, 'webgpu');
          fallback(`WebGPU session creation failed: ${(e as Error).message}`);
        }
      } else if (init.backend === 'webgpu') {
        throw new EngineError('E_BACKEND_UNAVAILABLE', `backend 'webgpu' requested but unavailable: ${why}`, { details: { reason: why } });
      } else {
        fallback(why ?? 'WebGPU unavailable');
      }
    }
    if (!session) {
      ort = await loadOrt('wasm', numThreads);
      try {
        session = await ort.InferenceSession.create(loaded.bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
      } catch (e) {
        throw sessionError(e, 'wasm');
      }
    }
    hooks.onProgress?.({ stage: 'session', loaded: 1, total: 1 });
    const info: ModelInfo = {
      backend,
      task: init.task,
      inputName: plan.inputName,
      outputName: plan.outputName,
      inputDataType: plan.inputDataType,
      inputSize: [plan.height, plan.width],
      layout: plan.layout,
      labels: plan.labels,
      modelBytes: loaded.bytes.byteLength,
      fallbacks,
      numThreads: backend === 'wasm' ? threadsOf('wasm') : threadsOf('webgpu'),
    };
    const engine = new OnnxEngine(ort!, session, gpu, gpu ? loaded.bytes : null, plan, init, hooks, info);
    if (init.warmup) {
      hooks.onProgress?.({ stage: 'warmup', loaded: 0, total: 1 });
      const side = 32;
      const blank = new Uint8ClampedArray(side * side * 4).fill(114);
      await engine.run([{ kind: 'pixels', data: blank, width: side, height: side }], {});
      hooks.onProgress?.({ stage: 'warmup', loaded: 1, total: 1 });
    }
    return engine;
  }

  private watchDevice(): void {
    const gpu = this.gpu;
    if (!gpu) return;
    void gpu.device.lost.then(() => {
      if (this.gpu === gpu) this.deviceLost = true;
    });
  }

  /** Test hook: destroy the GPU device to exercise recovery. */
  loseDevice(): boolean {
    if (!this.gpu) return false;
    this.gpu.device.destroy();
    return true;
  }

  /** After a device loss: new device, new session from the kept bytes, carry on. */
  private async recover(): Promise<void> {
    const g = await acquireGpu();
    if (typeof g === 'string') throw new EngineError('E_DEVICE_LOST', `GPU device lost and no new device: ${g}`);
    await this.session.release().catch(() => {});
    this.session = await this.ort.InferenceSession.create(this.bytes!, gpuSessionOptions(g, this.plan));
    this.gpu = g;
    this.makeGpuPath();
    this.deviceLost = false;
    this.watchDevice();
  }

  private check(): void {
    if (this.disposed) throw new EngineError('E_DISPOSED', 'this detector/classifier was disposed');
  }

  async detect(frames: Frame[], opts: FrameOptions): Promise<DetectResult[]> {
    const out = await this.run(frames, opts);
    return out.map((r) => ({ detections: r.detections ?? [], backend: this.info.backend, width: r.width, height: r.height, timings: r.timings }));
  }

  async classify(frames: Frame[], opts: FrameOptions): Promise<ClassifyResult[]> {
    const out = await this.run(frames, opts);
    return out.map((r) => ({ classes: r.classes ?? [], backend: this.info.backend, width: r.width, height: r.height, timings: r.timings }));
  }

  /**
   * Calls run one after another: the pre-processor's tensor buffer is reused, and a second call must not
   * overwrite it while ORT may still be reading the first (callers may well `Promise.all` several detects).
   */
  private run(frames: Frame[], opts: FrameOptions): Promise<RunOut[]> {
    return this.queue.run(() => this.runNow(frames, opts));
  }

  private readonly queue = new SerialQueue();

  private async runNow(frames: Frame[], opts: FrameOptions): Promise<RunOut[]> {
    try {
      this.check();
      if (this.deviceLost) await this.recover();
      const results: RunOut[] = [];
      // One frame per session.run: exported YOLO models mostly have a fixed batch of 1, and per-frame runs
      // keep the input buffer at one image.
      for (let i = 0; i < frames.length; i++) {
        const f = frames[i];
        frames[i] = { kind: 'pixels', data: new Uint8ClampedArray(0), width: 0, height: 0 };
        results.push(await this.runOne(f, opts));
      }
      return results;
    } finally {
      for (const f of frames) close(f);
    }
  }

  private async runOne(frame: Frame, opts: FrameOptions): Promise<RunOut> {
    if (this.gpuPath) return this.runOneGpu(this.gpuPath, frame, opts);
    const t0 = performance.now();
    const px = this.pixels.read(frame);
    const { data, geometry: prep } = this.pipeline.preprocess(px);
    const tensor = new this.ort.Tensor(this.plan.inputDataType, data, [1, 3, this.plan.height, this.plan.width]);
    const t1 = performance.now();
    let outputs: Record<string, OrtNs.Tensor>;
    try {
      outputs = await this.session.run({ [this.plan.inputName]: tensor });
    } catch (e) {
      if (this.deviceLost) {
        // The device died mid-run: rebuild once and retry this frame.
        await this.recover();
        outputs = await this.session.run({ [this.plan.inputName]: tensor });
      } else throw new EngineError('E_INFERENCE', `inference failed: ${(e as Error).message}`, { cause: e });
    }
    const t2 = performance.now();
    const out = outputs[this.plan.outputName];
    const r: RunOut = { width: px.width, height: px.height, timings: { preprocess: 0, inference: 0, postprocess: 0, total: 0 } };
    try {
      const view = { data: out.data as Float32Array | Uint16Array, dims: out.dims };
      if (this.plan.task === 'detect') {
        r.detections = this.pipeline.decode(view, prep, {
          conf: opts.conf ?? this.init.conf,
          iou: opts.iou ?? this.init.iou,
          maxDet: opts.maxDet ?? this.init.maxDet,
          classes: opts.classes,
        });
      } else {
        r.classes = this.pipeline.topK(view, opts.topK ?? 5);
      }
    } finally {
      for (const k of Object.keys(outputs)) outputs[k].dispose();
    }
    const t3 = performance.now();
    r.timings = { preprocess: t1 - t0, inference: t2 - t1, postprocess: t3 - t2, total: t3 - t0 };
    return r;
  }

  /** WebGPU detect: frame → GPU letterbox → ORT (IO on the GPU) → GPU candidate filter → core NMS. */
  private async runOneGpu(path: GpuDetectPath<OrtNs.Tensor>, frame: Frame, opts: FrameOptions): Promise<RunOut> {
    const t0 = performance.now();
    const src: GpuFrameSource = frame.kind === 'bitmap' ? frame.bitmap : frame.kind === 'videoframe' ? frame.frame : this.pixels.read(frame);
    const pre = path.preprocess(src);
    const geometry = pre.geometries[0];
    const t1 = performance.now();
    let outputs: Record<string, OrtNs.Tensor>;
    try {
      outputs = await this.session.run({ [this.plan.inputName]: pre.tensor! });
    } catch (e) {
      // A lost device is rebuilt before the next frame (run() checks deviceLost); this frame fails typed.
      throw new EngineError(this.deviceLost ? 'E_DEVICE_LOST' : 'E_INFERENCE', `inference failed: ${(e as Error).message}`, { cause: e });
    }
    const t2 = performance.now();
    const conf = opts.conf ?? this.init.conf ?? 0.25;
    const r: RunOut = { width: geometry.srcWidth, height: geometry.srcHeight, timings: { preprocess: 0, inference: 0, postprocess: 0, total: 0 } };
    try {
      const cands = await path.readCandidates(outputs[this.plan.outputName], { conf, classes: opts.classes });
      r.detections = this.pipeline.finish(cands, geometry, { conf, iou: opts.iou ?? this.init.iou ?? 0.7, maxDet: opts.maxDet ?? this.init.maxDet ?? 300, classes: opts.classes });
    } finally {
      for (const k of Object.keys(outputs)) outputs[k].dispose();
    }
    const t3 = performance.now();
    r.timings = { preprocess: t1 - t0, inference: t2 - t1, postprocess: t3 - t2, total: t3 - t0 };
    return r;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.gpuPath?.dispose();
    this.gpuPath = null;
    this.bytes = null;
    this.pixels.dispose();
    await this.session.release().catch(() => {});
  }
}

interface RunOut {
  width: number;
  height: number;
  timings: Timings;
  detections?: Detection[];
  classes?: ClassScore[];
}

/**
 * GPU pre/post-processing covers float32 YOLOv8/v5 detectors. Classifiers and end2end heads have tiny outputs
 * (and end2end must not go through NMS again); fp16 inputs keep the CPU path.
 */
function usesGpuPath(plan: ModelPlan): boolean {
  return plan.task === 'detect' && plan.inputDataType === 'float32' && (plan.layout.kind === 'yolov8' || plan.layout.kind === 'yolov5');
}

/** The session leaves detector outputs on the GPU for the candidate pass. */
function gpuSessionOptions(gpu: GpuHandle, plan: ModelPlan): OrtNs.InferenceSession.SessionOptions {
  const o = webgpuSessionOptions(gpu);
  return usesGpuPath(plan) ? { ...o, preferredOutputLocation: 'gpu-buffer' } : o;
}

function sessionError(e: unknown, backend: string): EngineError {
  return new EngineError('E_SESSION_CREATE', `could not create the ${backend} session: ${(e as Error).message}`, { cause: e, details: { backend } });
}
