/**
 * What createDetector/createClassifier share: option checks, model hand-over (URLs resolved against the
 * page, bytes transferred), frame preparation and disposal.
 */
import { proxy, transfer } from 'comlink';
import { EngineError, OptionError } from '@sightline/core';
import { DEFAULT_CACHE_NAME, DEFAULT_MAX_MODEL_BYTES } from './modelLoader.js';
import { prepareFrame, releasePrepared, type PreparedFrame } from './sources.js';
import { EngineWorker } from './workerClient.js';
import type { EngineInit, Frame, FrameOptions, WireOutcome } from './protocol.js';
import { deserializeError } from './errorTransfer.js';
import type { GpuBufferStats } from './gpu/bufferStats.js';
import type { DetectorOptions, ImageSource, ItemError, ModelInfo, RemoteTarget } from './types.js';

let engineSeq = 0;

function checkUnit(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new OptionError('E_INVALID_OPTION', `${name} must be a number in [0, 1], got ${String(v)}`);
  return v;
}

async function modelForWorker(model: DetectorOptions['model']): Promise<{ model: string | ArrayBuffer; transfer: Transferable[] }> {
  if (typeof model === 'string' || model instanceof URL) {
    const base = typeof location !== 'undefined' ? location.href : undefined;
    return { model: new URL(String(model), base).href, transfer: [] };
  }
  if (model instanceof ArrayBuffer) return { model: model.slice(0), transfer: [] };
  if (model instanceof Uint8Array) {
    // Copy: the caller keeps its bytes; the copy is transferred without a second clone.
    const copy = model.slice().buffer as ArrayBuffer;
    return { model: copy, transfer: [copy] };
  }
  if (typeof Blob !== 'undefined' && model instanceof Blob) {
    const buf = await model.arrayBuffer();
    return { model: buf, transfer: [buf] };
  }
  throw new OptionError('E_INVALID_OPTION', 'model must be a URL string, URL, ArrayBuffer, Uint8Array or Blob');
}

function checkRemote(r: RemoteTarget): RemoteTarget {
  if (!r || typeof r.url !== 'string' || typeof r.model !== 'string' || !r.model) throw new OptionError('E_INVALID_OPTION', 'remote needs { url, model }');
  const base = typeof location !== 'undefined' ? location.href : undefined;
  return { ...r, url: new URL(r.url, base).href.replace(/\/$/, '') };
}

export class EngineClient {
  readonly id = `engine-${++engineSeq}`;
  info!: ModelInfo;
  private disposed = false;
  private readonly ownsWorker: boolean;
  private readonly worker: EngineWorker;

  private constructor(worker: EngineWorker | undefined) {
    this.ownsWorker = !worker;
    this.worker = worker ?? new EngineWorker();
  }

  static async create(task: 'detect' | 'classify', opts: DetectorOptions): Promise<EngineClient> {
    if (!opts || typeof opts !== 'object') throw new OptionError('E_INVALID_OPTION', 'options object with a `model` is required');
    const backend = opts.backend ?? 'auto';
    if (backend !== 'auto' && backend !== 'webgpu' && backend !== 'wasm') throw new OptionError('E_INVALID_OPTION', `backend must be 'auto', 'webgpu' or 'wasm', got ${String(backend)}`);
    const maxDet = opts.maxDet ?? 300;
    if (!Number.isInteger(maxDet) || maxDet < 1) throw new OptionError('E_INVALID_OPTION', `maxDet must be a positive integer, got ${String(maxDet)}`);
    const inputSize = opts.inputSize === undefined ? undefined : typeof opts.inputSize === 'number' ? ([opts.inputSize, opts.inputSize] as [number, number]) : opts.inputSize;
    if (opts.worker && !(opts.worker instanceof EngineWorker)) throw new OptionError('E_INVALID_OPTION', 'worker must come from createWorker()');
    const worker = opts.worker as EngineWorker | undefined;
    if (worker?.isTerminated) throw new EngineError('E_DISPOSED', 'the shared worker was terminated');
    const m = await modelForWorker(opts.model);
    const init: EngineInit = {
      task,
      model: m.model,
      labels: opts.labels,
      backend,
      layout: opts.layout,
      inputSize,
      numThreads: opts.numThreads,
      cacheName: opts.cache === false ? null : typeof opts.cache === 'object' ? (opts.cache.name ?? DEFAULT_CACHE_NAME) : DEFAULT_CACHE_NAME,
      integrity: opts.integrity,
      maxModelBytes: opts.maxModelBytes ?? DEFAULT_MAX_MODEL_BYTES,
      warmup: opts.warmup ?? true,
      conf: checkUnit('conf', opts.conf ?? 0.25),
      iou: checkUnit('iou', opts.iou ?? 0.7),
      maxDet,
      ...(opts.remote ? { remote: checkRemote(opts.remote), policy: opts.policy, breaker: opts.breaker, contention: opts.contention, probe: opts.probe ?? false } : {}),
    };
    const client = new EngineClient(worker);
    try {
      client.info = await client.worker.api.create(
        client.id,
        transfer(init, m.transfer),
        opts.onProgress ? proxy(opts.onProgress) : undefined,
        opts.onFallback ? proxy(opts.onFallback) : undefined,
        opts.onRoute ? proxy(opts.onRoute) : undefined,
      );
    } catch (e) {
      if (client.ownsWorker) client.worker.terminate();
      throw e;
    }
    return client;
  }

  private check(): void {
    if (this.disposed) throw new EngineError('E_DISPOSED', 'this detector/classifier was disposed');
    if (this.worker.isTerminated) throw new EngineError('E_DISPOSED', 'the worker hosting this detector was terminated');
  }

  /** Hybrid engines: one outcome per source (result with `route`, or `{ error, route }`), errors rebuilt as their classes. */
  async sendSettled<R>(call: 'detect' | 'classify', sources: ImageSource[], opts: FrameOptions, keepSource: boolean): Promise<Array<R | ItemError>> {
    const raw = (await this.send<WireOutcome<R>>(call, sources, opts, keepSource)) as WireOutcome<R>[];
    return raw.map((o) => ('error' in o ? { error: deserializeError(o.error) as Error, route: o.route } : (o as R)));
  }

  async send<R>(call: 'detect' | 'classify', sources: ImageSource[], opts: FrameOptions, keepSource: boolean): Promise<R[]> {
    this.check();
    if (!Array.isArray(sources)) throw new OptionError('E_INVALID_OPTION', 'sources must be an array');
    const prepared: PreparedFrame[] = [];
    try {
      for (const s of sources) prepared.push(await prepareFrame(s, keepSource));
    } catch (e) {
      releasePrepared(prepared);
      throw e;
    }
    this.check();
    const frames: Frame[] = prepared.map((p) => p.frame);
    const transfers = prepared.flatMap((p) => p.transfer);
    return (await this.worker.api[call](this.id, transfer(frames, transfers), opts)) as R[];
  }

  gpuBufferStats(): Promise<GpuBufferStats | null> {
    this.check();
    return this.worker.api.gpuBufferStats();
  }

  /** Test hook: destroy the GPU device under this engine (device-loss recovery). */
  loseDevice(): Promise<boolean> {
    this.check();
    return this.worker.api.loseDevice(this.id);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.worker.isTerminated) return;
    try {
      await this.worker.api.dispose(this.id);
    } finally {
      if (this.ownsWorker) this.worker.terminate();
    }
  }
}
