/**
 * The worker-side registry: engines keyed by id, so several detectors/classifiers can share one worker.
 * Everything here runs in the worker; the main thread talks to it through comlink.
 */
import { EngineError } from '@sightline/core';
import { OnnxEngine } from '../engine/onnxEngine.js';
import { HybridEngine } from '../engine/hybridEngine.js';
import type { RouteEvent } from '@sightline/core';
import { clearModelCache, evictModel } from '../modelLoader.js';
import { close } from './framePixels.js';
import { sharedGpuBufferStats } from '../gpu/sharedDevice.js';
import type { GpuBufferStats } from '../gpu/bufferStats.js';
import type { EngineHostApi, EngineInit, Frame, FrameOptions, WireOutcome } from '../protocol.js';
import type { ClassifyResult, DetectResult, FallbackEvent, ModelInfo, ProgressEvent } from '../types.js';

export class EngineHost implements EngineHostApi {
  private readonly engines = new Map<string, OnnxEngine | HybridEngine>();

  async create(id: string, init: EngineInit, onProgress?: (e: ProgressEvent) => void, onFallback?: (e: FallbackEvent) => void, onRoute?: (e: RouteEvent) => void): Promise<ModelInfo> {
    if (this.engines.has(id)) throw new EngineError('E_SESSION_CREATE', `engine id ${id} already exists in this worker`);
    // Callbacks are comlink proxies: fire and forget, a slow main thread must not stall loading.
    const engine = await OnnxEngine.create(init, {
      onProgress: onProgress ? (e) => void Promise.resolve(onProgress(e)).catch(() => {}) : undefined,
      onFallback: onFallback ? (e) => void Promise.resolve(onFallback(e)).catch(() => {}) : undefined,
    });
    if (init.remote) {
      const hybrid = await HybridEngine.create(engine, init, { onRoute: onRoute ? (e) => void Promise.resolve(onRoute(e)).catch(() => {}) : undefined });
      this.engines.set(id, hybrid);
      return hybrid.info;
    }
    this.engines.set(id, engine);
    return engine.info;
  }

  private get(id: string, frames: Frame[]): OnnxEngine | HybridEngine {
    const e = this.engines.get(id);
    if (!e) {
      for (const f of frames) close(f);
      throw new EngineError('E_DISPOSED', 'this detector/classifier was disposed');
    }
    return e;
  }

  detect(id: string, frames: Frame[], opts: FrameOptions): Promise<DetectResult[] | WireOutcome<DetectResult>[]> {
    const e = this.get(id, frames);
    return e instanceof HybridEngine ? (e.run(frames, opts) as Promise<WireOutcome<DetectResult>[]>) : e.detect(frames, opts);
  }

  classify(id: string, frames: Frame[], opts: FrameOptions): Promise<ClassifyResult[] | WireOutcome<ClassifyResult>[]> {
    const e = this.get(id, frames);
    return e instanceof HybridEngine ? (e.run(frames, opts) as Promise<WireOutcome<ClassifyResult>[]>) : e.classify(frames, opts);
  }

  async dispose(id: string): Promise<void> {
    const e = this.engines.get(id);
    this.engines.delete(id);
    await e?.dispose();
  }

  evictModel(url: string, cacheName: string): Promise<boolean> {
    return evictModel(url, cacheName);
  }

  clearModelCache(cacheName: string): Promise<boolean> {
    return clearModelCache(cacheName);
  }

  async loseDevice(id: string): Promise<boolean> {
    const e = this.engines.get(id);
    return e instanceof OnnxEngine ? e.loseDevice() : false;
  }

  engineCount(): number {
    return this.engines.size;
  }

  gpuBufferStats(): Promise<GpuBufferStats | null> {
    return sharedGpuBufferStats();
  }
}
