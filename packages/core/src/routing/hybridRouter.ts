/**
 * Runs calls across a local and a remote path. Every item gets exactly one outcome, in order: items whose
 * path failed for path reasons (server down, 5xx, timeout, device lost) are recomputed once on the other
 * path; items that are themselves bad (undecodable image, oversize) fail without a pointless second try.
 * Real timings feed the cost models that drive the next decision.
 */
import { SightlineError, type SightlineErrorCode } from '../errors.js';
import { CircuitBreaker, type CircuitBreakerOptions, type BreakerState } from './circuitBreaker.js';
import { LatencyModel, type LatencyEstimate } from './latencyModel.js';
import { decideRoute, type RouteDecision, type RoutingPolicyOptions } from './routingPolicy.js';

export type PathSide = 'local' | 'remote';

/** One way to run items (an engine in this process, or a remote server). */
export interface PathRunner<TItem, TResult> {
  /** Provenance name: 'webgpu' | 'wasm' | 'tfjs-webgpu' | 'onnxruntime-node' | 'triton-http' | 'triton-grpc' | … */
  readonly backend: string;
  /** Local only: whether this path runs on a GPU. */
  readonly gpu?: boolean;
  /** False while the path cannot take work (not loaded, device lost and not yet recreated). */
  available(): boolean;
  /** One entry per item, in order: a result or the error for that item. May also throw for the whole call. */
  run(items: readonly TItem[], signal?: AbortSignal): Promise<Array<TResult | Error>>;
}

export type ItemOutcome<TResult> =
  | { ok: true; value: TResult; path: PathSide; backend: string; attempts: number }
  | { ok: false; error: SightlineError; path: PathSide; backend: string; attempts: number };

export interface RouteEvent {
  batchSize: number;
  decision: RouteDecision;
  localBackend: string | null;
  remoteBackend: string | null;
  /** Present when items were moved to the other path after a failure. */
  fallback?: { from: PathSide; to: PathSide; items: number; code: SightlineErrorCode | 'UNKNOWN' };
}

export interface HybridRouterOptions<TItem, TResult> {
  local?: PathRunner<TItem, TResult>;
  remote?: PathRunner<TItem, TResult>;
  policy?: RoutingPolicyOptions;
  breaker?: CircuitBreakerOptions;
  /** Seeds for the cost models, e.g. from a probe or from measurements on similar hardware. */
  localPrior?: Partial<LatencyEstimate>;
  remotePrior?: Partial<LatencyEstimate>;
  onRoute?: (event: RouteEvent) => void;
  /**
   * After two split calls that took ≥ 1.25× their predicted time (the paths slowed each other down — e.g. a
   * "remote" server on the same CPU), stop splitting for this long (default 60 s), then try again.
   */
  splitBackoffMs?: number;
}

/** Codes that describe the item itself: running it elsewhere would fail the same way. */
const ITEM_FAULTS: ReadonlySet<SightlineErrorCode> = new Set<SightlineErrorCode>([
  'E_IMAGE_EMPTY',
  'E_IMAGE_TOO_LARGE',
  'E_IMAGE_BUFFER',
  'E_IMAGE_DECODE',
  'E_UNSUPPORTED_SOURCE',
  'E_INVALID_OPTION',
  'E_ABORTED',
  'E_DISPOSED',
]);

export function isPathFault(e: unknown): boolean {
  return !(e instanceof SightlineError && ITEM_FAULTS.has(e.code));
}

export class HybridRouter<TItem, TResult> {
  readonly localModel: LatencyModel;
  readonly remoteModel: LatencyModel;
  readonly breaker: CircuitBreaker;
  private readonly local?: PathRunner<TItem, TResult>;
  private readonly remote?: PathRunner<TItem, TResult>;
  private readonly policy: RoutingPolicyOptions;
  private readonly onRoute?: (e: RouteEvent) => void;
  private busy = { local: 0, remote: 0 };
  private splitStrikes = 0;
  private splitBackoffUntil = 0;
  private readonly splitBackoffMs: number;

  constructor(o: HybridRouterOptions<TItem, TResult>) {
    if (!o.local && !o.remote) throw new SightlineError('E_INVALID_OPTION', 'a hybrid router needs a local path, a remote path, or both');
    this.local = o.local;
    this.remote = o.remote;
    this.policy = o.policy ?? {};
    this.onRoute = o.onRoute;
    this.localModel = new LatencyModel({ prior: o.localPrior });
    this.remoteModel = new LatencyModel({ prior: o.remotePrior });
    this.breaker = new CircuitBreaker(o.breaker);
    this.splitBackoffMs = o.splitBackoffMs ?? 60_000;
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** The decision the router would take now for a call of `batchSize` (no side effects). */
  plan(batchSize: number): RouteDecision {
    return decideRoute(
      {
        batchSize,
        local: { available: !!this.local?.available(), gpu: !!this.local?.gpu, busyMs: this.busy.local, model: this.localModel },
        remote: this.remote
          ? { configured: true, available: this.remote.available(), healthy: this.breaker.allowsTraffic, busyMs: this.busy.remote, model: this.remoteModel }
          : null,
      },
      now() < this.splitBackoffUntil ? { ...this.policy, allowSplit: false } : this.policy,
    );
  }

  /**
   * Seed the cost models: run `items` once on each available path, one path after the other (so they do not
   * slow each other down), twice per path — the first run only warms the path up. Failures are ignored (a path
   * that cannot run the probe stays unmeasured and the policy explores it later). Returns the measured ms.
   */
  async probe(items: readonly TItem[], signal?: AbortSignal): Promise<{ local?: number; remote?: number }> {
    const out: { local?: number; remote?: number } = {};
    for (const side of ['local', 'remote'] as const) {
      const runner = this.path(side);
      if (!runner || !runner.available() || items.length === 0) continue;
      try {
        await runner.run(items, signal);
        const t0 = now();
        const r = await runner.run(items, signal);
        const ms = now() - t0;
        if (r.length === items.length && r.every((x) => !(x instanceof Error))) {
          (side === 'local' ? this.localModel : this.remoteModel).observe(items.length, ms);
          out[side] = ms;
        }
      } catch {
        /* unmeasured: explored later */
      }
    }
    return out;
  }

  async run(items: readonly TItem[], signal?: AbortSignal): Promise<ItemOutcome<TResult>[]> {
    const n = items.length;
    const out = new Array<ItemOutcome<TResult> | undefined>(n);
    if (n === 0) return [];
    const decision = this.plan(n);
    this.emit({ batchSize: n, decision });
    const all = Array.from({ length: n }, (_, i) => i);
    const remoteIdx = all.slice(0, decision.remoteCount);
    const localIdx = all.slice(decision.remoteCount);

    const split = decision.target === 'split';
    const predicted = split
      ? Math.max(this.busy.local + this.localModel.predict(localIdx.length), this.busy.remote + this.remoteModel.predict(remoteIdx.length))
      : 0;
    const t0 = now();
    const [lf, rf] = await Promise.all([
      this.runOn('local', localIdx, items, out, 1, signal, !split),
      this.runOn('remote', remoteIdx, items, out, 1, signal, !split),
    ]);
    if (split && lf.idx.length === 0 && rf.idx.length === 0) this.judgeSplit(now() - t0, predicted);
    // One hop to the other path for items whose path failed; never back again (no ping-pong, no duplicates).
    const moves: Promise<unknown>[] = [];
    if (rf.idx.length) moves.push(this.fallback('remote', 'local', rf, items, out, signal));
    if (lf.idx.length) moves.push(this.fallback('local', 'remote', lf, items, out, signal));
    await Promise.all(moves);
    return out.map((o, i) => o ?? { ok: false, error: new SightlineError('E_INFERENCE', `item ${i} produced no result`), path: 'local', backend: 'none', attempts: 0 });
  }

  /** Splitting pays only if the paths really run in parallel; two slow splits in a row pause it. */
  private judgeSplit(actualMs: number, predictedMs: number): void {
    if (!(predictedMs > 0)) return;
    if (actualMs >= predictedMs * 1.25) {
      this.splitStrikes++;
      if (this.splitStrikes >= 2) {
        this.splitStrikes = 0;
        this.splitBackoffUntil = now() + this.splitBackoffMs;
      }
    } else {
      this.splitStrikes = 0;
    }
  }

  private async fallback(
    from: PathSide,
    to: PathSide,
    failed: { idx: number[]; errors: Map<number, Error> },
    items: readonly TItem[],
    out: Array<ItemOutcome<TResult> | undefined>,
    signal?: AbortSignal,
  ): Promise<void> {
    const target = to === 'local' ? this.local : this.remote;
    const usable = !!target && target.available() && (to === 'local' || this.breaker.allowsTraffic);
    const first = failed.errors.get(failed.idx[0]);
    const code = first instanceof SightlineError ? first.code : 'UNKNOWN';
    if (!usable) {
      for (const i of failed.idx) out[i] = fail(failed.errors.get(i), from, this.path(from)?.backend ?? 'none', 1);
      return;
    }
    this.emit({ batchSize: failed.idx.length, decision: this.plan(failed.idx.length), fallback: { from, to, items: failed.idx.length, code } });
    const again = await this.runOn(to, failed.idx, items, out, 2, signal);
    for (const i of again.idx) out[i] = fail(again.errors.get(i), to, target.backend, 2);
  }

  /** Runs `idx` on one side; fills `out` for successes and item faults; returns the path-faulted items. */
  private async runOn(
    side: PathSide,
    idx: number[],
    items: readonly TItem[],
    out: Array<ItemOutcome<TResult> | undefined>,
    attempt: number,
    signal?: AbortSignal,
    /** False for split calls: the two halves slow each other down on a shared machine, which would skew the models. */
    learn = true,
  ): Promise<{ idx: number[]; errors: Map<number, Error> }> {
    const failed = { idx: [] as number[], errors: new Map<number, Error>() };
    if (idx.length === 0) return failed;
    const runner = this.path(side);
    const model = side === 'local' ? this.localModel : this.remoteModel;
    const markAll = (e: Error) => {
      for (const i of idx) {
        failed.idx.push(i);
        failed.errors.set(i, e);
      }
    };
    if (!runner) {
      markAll(new SightlineError('E_BACKEND_UNAVAILABLE', `no ${side} path configured`));
      return failed;
    }
    if (side === 'remote' && !this.breaker.tryAcquire()) {
      markAll(new SightlineError('E_REMOTE_UNAVAILABLE', 'remote circuit breaker is open'));
      return failed;
    }
    const predicted = model.known ? model.predict(idx.length) : 0;
    this.busy[side] += predicted;
    const t0 = now();
    let results: Array<TResult | Error>;
    try {
      results = await runner.run(idx.map((i) => items[i]), signal);
      if (results.length !== idx.length) {
        throw new SightlineError('E_INFERENCE', `${runner.backend} returned ${results.length} results for ${idx.length} items`);
      }
    } catch (e) {
      results = idx.map(() => (e instanceof Error ? e : new Error(String(e))));
    } finally {
      this.busy[side] = Math.max(0, this.busy[side] - predicted);
    }
    const ms = now() - t0;
    let pathFaults = 0;
    results.forEach((r, j) => {
      const i = idx[j];
      if (!(r instanceof Error)) {
        out[i] = { ok: true, value: r, path: side, backend: runner.backend, attempts: attempt };
      } else if (!isPathFault(r)) {
        out[i] = fail(r, side, runner.backend, attempt);
      } else {
        pathFaults++;
        failed.idx.push(i);
        failed.errors.set(i, r);
      }
    });
    if (pathFaults === 0 && learn) model.observe(idx.length, ms);
    if (side === 'remote') {
      if (pathFaults === idx.length) this.breaker.onFailure();
      else this.breaker.onSuccess();
    }
    return failed;
  }

  private path(side: PathSide): PathRunner<TItem, TResult> | undefined {
    return side === 'local' ? this.local : this.remote;
  }

  private emit(e: Omit<RouteEvent, 'localBackend' | 'remoteBackend'>): void {
    this.onRoute?.({ ...e, localBackend: this.local?.backend ?? null, remoteBackend: this.remote?.backend ?? null });
  }
}

function fail<T>(e: Error | undefined, path: PathSide, backend: string, attempts: number): ItemOutcome<T> {
  const error =
    e instanceof SightlineError ? e : new SightlineError('E_INFERENCE', e?.message ?? 'unknown failure', { cause: e });
  return { ok: false, error, path, backend, attempts };
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
