/**
 * Local engine (WebGPU / WASM) + remote Triton, routed per call by the core HybridRouter, inside the worker.
 * Frames are read into pixels once, so an item whose path failed can be recomputed on the other path; every
 * frame gets exactly one outcome, in order, with its provenance.
 */
import { HybridRouter, SightlineError, type PixelBuffer, type RouteEvent } from '@sightline/core';
import type { EngineInit, Frame, FrameOptions, WireOutcome } from '../protocol.js';
import type { ClassifyResult, DetectResult, ModelInfo } from '../types.js';
import { FramePixels, close } from '../worker/framePixels.js';
import { serializeError } from '../errorTransfer.js';
import type { EngineHooks, OnnxEngine } from './onnxEngine.js';
import { RemoteEngine } from './remoteEngine.js';

type Result = DetectResult | ClassifyResult;
interface Item {
  pixels: PixelBuffer;
  opts: FrameOptions;
}

export class HybridEngine {
  private readonly pixels = new FramePixels();
  private remote: RemoteEngine | null = null;
  private remoteRetryAt = 0;
  private creatingRemote: Promise<RemoteEngine> | null = null;
  readonly router: HybridRouter<Item, Result>;

  constructor(
    private readonly local: OnnxEngine,
    private readonly init: EngineInit,
    onRoute?: (e: RouteEvent) => void,
  ) {
    const task = init.task;
    const self = this;
    this.router = new HybridRouter<Item, Result>({
      local: {
        backend: local.info.backend,
        gpu: local.info.backend === 'webgpu',
        available: () => true,
        async run(items) {
          const frames: Frame[] = items.map((i) => ({ kind: 'pixels', data: i.pixels.data as Uint8ClampedArray, width: i.pixels.width, height: i.pixels.height }));
          return task === 'detect' ? local.detect(frames, items[0].opts) : local.classify(frames, items[0].opts);
        },
      },
      remote: {
        backend: 'triton-http',
        available: () => self.remote !== null || Date.now() >= self.remoteRetryAt,
        async run(items) {
          const r = await self.ensureRemote();
          const px = items.map((i) => i.pixels);
          return task === 'detect' ? r.detect(px, items[0].opts) : r.classify(px, items[0].opts);
        },
      },
      policy: init.policy,
      breaker: init.breaker,
      contention: init.contention,
      onRoute,
    });
  }

  static async create(local: OnnxEngine, init: EngineInit, hooks: EngineHooks & { onRoute?: (e: RouteEvent) => void }): Promise<HybridEngine> {
    const h = new HybridEngine(local, init, hooks.onRoute);
    // Reach the server now so the first call can use it; a server that is down is retried later.
    await h.ensureRemote().catch(() => {});
    if (init.probe) {
      const [height, width] = local.info.inputSize;
      await h.router.probe([{ pixels: { data: new Uint8ClampedArray(width * height * 4).fill(114), width, height, channels: 4 }, opts: {} }]);
    }
    return h;
  }

  get info(): ModelInfo {
    return { ...this.local.info, remote: this.init.remote ? { url: this.init.remote.url, model: this.init.remote.model, connected: this.remote !== null } : undefined };
  }

  private ensureRemote(): Promise<RemoteEngine> {
    if (this.remote) return Promise.resolve(this.remote);
    const target = this.init.remote!;
    this.creatingRemote ??= RemoteEngine.create(this.init.task, target, this.local.info.labels).then(
      (r) => {
        this.remote = r;
        this.creatingRemote = null;
        return r;
      },
      (e: unknown) => {
        this.creatingRemote = null;
        this.remoteRetryAt = Date.now() + (this.init.remoteRetryMs ?? 5_000);
        throw e;
      },
    );
    return this.creatingRemote;
  }

  async run(frames: Frame[], opts: FrameOptions): Promise<WireOutcome<Result>[]> {
    const items: (Item | null)[] = [];
    const early: (WireOutcome<Result> | null)[] = [];
    for (const f of frames) {
      try {
        // Pixels are read once (frames are closed here) so either path can run the item, twice if needed.
        const px = this.pixels.read(f);
        items.push({ pixels: px, opts });
        early.push(null);
      } catch (e) {
        close(f);
        items.push(null);
        early.push({ error: serializeError(e instanceof SightlineError ? e : new SightlineError('E_UNSUPPORTED_SOURCE', String(e))), route: { path: 'local', attempts: 0 } });
      }
    }
    const live = items.filter((i): i is Item => i !== null);
    const outcomes = await this.router.run(live);
    let k = 0;
    return early.map((e) => {
      if (e) return e;
      const o = outcomes[k++];
      const route = { path: o.path, attempts: o.attempts, ...(o.path === 'remote' ? { endpoint: this.init.remote!.url } : {}) };
      return o.ok ? { ...o.value, route } : { error: serializeError(o.error), route };
    });
  }

  async dispose(): Promise<void> {
    this.pixels.dispose();
    await Promise.all([this.local.dispose(), this.remote?.dispose()]);
  }
}
