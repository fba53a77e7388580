/**
 * The routing shared by the hybrid detector and classifier: decode every image once, route the decoded
 * pixels with the core HybridRouter (local engine vs Triton), and return exactly one outcome per image,
 * in order, each with its provenance. Concurrent calls are routed independently.
 */
import { HybridRouter, SightlineError, type CircuitBreakerOptions, type ContentionOptions, type LatencyEstimate, type PixelBuffer, type RouteEvent, type RoutingPolicyOptions } from '@sightline/core';
import { toPixels, type NodeImageInput } from '../image/toPixels.js';
import type { NodeModelInfo, NodeTimings } from '../types.js';
import type { RemoteOptions } from '../engines/tritonRemote.js';
import { LazyPath } from './lazyPath.js';

export interface HybridOptions {
  /** Where calls go: mode ('auto' | 'local' | 'remote'), a fixed batchThreshold, splitting (core decideRoute). */
  policy?: RoutingPolicyOptions;
  breaker?: CircuitBreakerOptions;
  /**
   * When overlapping the two paths counts as not paying off (a server on this machine's cores) and how often to
   * re-try it; the router then queues work on the cheaper path instead of offloading (onRoute reason 'contended').
   */
  contention?: ContentionOptions;
  /** Seeds for the cost models (e.g. from bench/results); otherwise learned from the first calls. */
  localPrior?: Partial<LatencyEstimate>;
  remotePrior?: Partial<LatencyEstimate>;
  /** Every routing decision and every fallback, with the reason. */
  onRoute?: (e: RouteEvent) => void;
  /** How soon to try again a server that could not be reached (default 5 s). */
  remoteRetryMs?: number;
  /** Local engine (default 'auto': onnxruntime-node, else onnxruntime-web wasm). */
  localBackend?: 'auto' | 'cpu' | 'webgpu' | 'wasm';
  /**
   * Seed the cost models at creation with grey images on each path (calls of 1 and 4 images; default true): the first real call is then
   * already routed by measurement rather than by defaults. Off when priors are given or start-up time matters.
   */
  probe?: boolean;
}

export interface RouteProvenance {
  path: 'local' | 'remote';
  /** 1 = first choice; 2 = recomputed on the other path after a failure; 0 = never ran (bad input). */
  attempts: number;
  /** Server URL when the remote path produced it. */
  endpoint?: string;
}
export interface HybridItemError {
  error: SightlineError;
  route: RouteProvenance;
}
export function isItemError<T>(o: T | HybridItemError): o is HybridItemError {
  return typeof o === 'object' && o !== null && 'error' in o;
}

/** What the router moves: decoded pixels plus the options of the call they came with. */
export interface HybridItem<O> {
  pixels: PixelBuffer;
  opts: O;
}
export interface TaskEngine<O, R> {
  runBatch(pixels: PixelBuffer[], opts: O): Promise<R[]>;
  dispose(): Promise<void>;
  info: NodeModelInfo;
}

export interface HybridTask<O, R extends { timings: NodeTimings }> {
  run(images: readonly NodeImageInput[], opts: O): Promise<Array<(R & { route: RouteProvenance }) | HybridItemError>>;
  readonly info: { local: NodeModelInfo; remote: NodeModelInfo | null };
  readonly router: HybridRouter<HybridItem<O>, R>;
  dispose(): Promise<void>;
}

export type EngineBackend = 'auto' | 'cpu' | 'webgpu' | 'wasm' | 'remote';
type WithHybrid<B> = B & HybridOptions & { remote: RemoteOptions; maxPixels?: number };

/**
 * The hybrid detector and classifier differ only in their engine: this splits the routing options from the
 * engine's own, creates the local engine (`localBackend`) and the remote one with `createEngine`, and the task.
 */
export function createHybridTaskFor<B, O, R extends { timings: NodeTimings }>(
  options: WithHybrid<B>,
  createEngine: (base: Omit<WithHybrid<B>, keyof HybridOptions>, backend: EngineBackend) => Promise<TaskEngine<O, R>>,
): Promise<HybridTask<O, R>> {
  const { policy, breaker, contention, onRoute, remoteRetryMs, localBackend = 'auto', localPrior, remotePrior, probe, ...base } = options;
  return createHybridTask<O, R>(
    { policy, breaker, contention, onRoute, remoteRetryMs, localBackend, localPrior, remotePrior, probe, probeOptions: {}, remote: options.remote, maxPixels: options.maxPixels },
    () => createEngine(base, localBackend),
    () => createEngine(base, 'remote'),
  );
}

export async function createHybridTask<O, R extends { timings: NodeTimings }>(
  o: HybridOptions & { remote: RemoteOptions; maxPixels?: number; probeOptions?: unknown },
  createLocal: () => Promise<TaskEngine<O, R>>,
  createRemote: () => Promise<TaskEngine<O, R>>,
): Promise<HybridTask<O, R>> {
  const { remoteRetryMs = 5_000 } = o;
  const endpoint = o.remote.url ?? o.remote.urls?.[0];
  const asPath = (e: TaskEngine<O, R>) => ({
    runBatch: (items: readonly HybridItem<O>[]) => e.runBatch(items.map((i) => i.pixels), items[0].opts),
    dispose: () => e.dispose(),
  });
  const localEngine = await createLocal();
  const local = new LazyPath<HybridItem<O>, R>(localEngine.info.backend, async () => asPath(localEngine), remoteRetryMs, o.localBackend === 'webgpu');
  let remoteInfo: NodeModelInfo | null = null;
  const remote = new LazyPath<HybridItem<O>, R>(o.remote.protocol === 'grpc' ? 'triton-grpc' : 'triton-http', async () => {
    const e = await createRemote();
    remoteInfo = e.info;
    return asPath(e);
  }, remoteRetryMs);
  // Reach the server now so the first call can use it, but never fail creation because it is down.
  await remote.ensure().catch(() => {});
  const router = new HybridRouter<HybridItem<O>, R>({ local, remote, policy: o.policy, breaker: o.breaker, contention: o.contention, onRoute: o.onRoute, localPrior: o.localPrior, remotePrior: o.remotePrior });
  if (o.probe ?? (!o.localPrior && !o.remotePrior)) {
    // A mid-grey frame at the model's input size: representative cost, no dependency on user data.
    const [h, w] = localEngine.info.inputSize;
    await router.probe([{ pixels: { data: new Uint8Array(w * h * 3).fill(114), width: w, height: h, channels: 3 }, opts: o.probeOptions as O }]);
  }
  let disposed = false;
  let inFlight = 0;

  return {
    get info() {
      return { local: localEngine.info, remote: remoteInfo };
    },
    router,
    async run(images, opts) {
      if (disposed) throw new SightlineError('E_DISPOSED', 'detector is disposed');
      const decoded = await Promise.allSettled(images.map((im) => toPixels(im, { maxPixels: o.maxPixels })));
      const out = new Array<(R & { route: RouteProvenance }) | HybridItemError>(images.length);
      const idx: number[] = [];
      const items: HybridItem<O>[] = [];
      decoded.forEach((d, i) => {
        if (d.status === 'fulfilled') {
          idx.push(i);
          items.push({ pixels: d.value.pixels, opts });
        } else {
          const e = d.reason;
          out[i] = { error: e instanceof SightlineError ? e : new SightlineError('E_IMAGE_DECODE', String(e), { cause: e }), route: { path: 'local', attempts: 0 } };
        }
      });
      inFlight++;
      let outcomes;
      try {
        outcomes = await router.run(items);
      } finally {
        inFlight--;
      }
      outcomes.forEach((r, k) => {
        const i = idx[k];
        const route: RouteProvenance = { path: r.path, attempts: r.attempts, ...(r.path === 'remote' && endpoint ? { endpoint } : {}) };
        const d = decoded[i];
        if (r.ok) {
          const decodeMs = d.status === 'fulfilled' ? d.value.decodeMs : 0;
          const t = r.value.timings;
          out[i] = { ...r.value, timings: { ...t, decode: decodeMs, total: t.total - t.decode + decodeMs }, route };
        } else {
          out[i] = { error: r.error, route };
        }
      });
      return out;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
      await Promise.all([local.dispose(), remote.dispose()]);
    },
  };
}
