/**
 * Runs calls across a local and a remote path. Every item gets exactly one outcome, in order: items whose
 * path failed for path reasons (server down, 5xx, timeout, device lost) are recomputed once on the other
 * path; items that are themselves bad (undecodable image, oversize) fail without a pointless second try.
 * Real timings feed the cost models that drive the next decision: each call's service time (queueing behind
 * earlier calls on the same path excluded) and how much of it the other path was working too. Overlapped
 * calls teach the contention model whether the paths are independent; when they are not, calls stop
 * overlapping (reason 'contended') until a re-probe after a growing back-off says otherwise. That verdict is
 * only revised by such a re-probe: a stray overlap meanwhile (a refresh call meeting a batch) is one noisy
 * sample, and letting it flip the verdict sent whole batches to the dearer path mid-stream.
 */
import { SightlineError, type SightlineErrorCode } from '../errors.js';
import { CircuitBreaker, type CircuitBreakerOptions, type BreakerState } from './circuitBreaker.js';
import { ContentionModel, type ContentionAssessment, type ContentionOptions } from './contentionModel.js';
import { LatencyModel, type LatencyEstimate } from './latencyModel.js';
import { PathActivity, type ActivitySample, type PathSide } from './pathActivity.js';
import { decideRoute, type RouteDecision, type RouteInput, type RouteReason, type RoutingPolicyOptions } from './routingPolicy.js';

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
  /** How overlapped calls decide whether the paths contend, and how often to re-try overlap when they do. */
  contention?: ContentionOptions;
  /** Clock in ms for timings and back-offs (default performance.now()); tests drive a simulated one. */
  now?: () => number;
}

/** Batch size at which the two paths' per-image costs are compared for the contention verdict. */
const REFERENCE_BATCH = 8;
/**
 * A call that ended this recently counts as a stream still going (a closed-loop caller decodes its next
 * frame between calls), so a batch arriving in that gap is still fed in chunks.
 */
const STREAM_GAP_MS = 250;
/**
 * Rounds of the start-up probe's solo phase. Each round visits each path in turn (alternating, so a machine
 * that gets busier meanwhile weighs on both alike) with one untimed call, then a timed call of the probe items
 * and a timed call of PROBE_BATCH copies. The untimed call absorbs the wind-down of the path visited before
 * (see SWITCH_BLIND_IMAGES): timed straight after it, CPU-Triton/onnxruntime-node frames measured 86-112 ms
 * in the probe against 71-75 in the stream that followed, and the estimates sent 5 of 8 frame streams to the
 * dearer path.
 */
const SOLO_ROUNDS = 2;
/**
 * The timed batch call's size in probe items: two call sizes separate a path's fixed cost from its per-image
 * cost. From single images alone a batch's cost is a guess (1 image × n), and it guesses low for a server that
 * ships megabytes per image (CPU Triton here: 161 ms for one frame, 206 ms per image in a 16-image batch),
 * which sent batches to the dearer path.
 */
const PROBE_BATCH = 4;
/** How stale a path's estimate may get before a small call re-measures it, if it looks at most this much dearer. */
const REFRESH_MS = 10_000;
const REFRESH_FACTOR = 1.5;
/**
 * Besides that, a path that looks dearer is re-measured after every ~(ratio − 1) / EXPLORE_COST calls that went
 * elsewhere (at least EXPLORE_MIN_CALLS), whatever the ratio: if the estimate was right, that costs at most
 * EXPLORE_COST of the calls' time; if it was wrong (one noisy start-up probe made the cheaper path look 40 %
 * dearer, so a whole run went to the other one), a few calls correct it. The closer the two look, the more
 * often, since that is where a wrong estimate is likeliest to decide and exploring costs least.
 */
const EXPLORE_COST = 0.01;
const EXPLORE_MIN_CALLS = 4;
/** Calls elsewhere before a path whose exploration costs `cost` calls (beyond staying) is re-measured. */
const exploreInterval = (cost: number): number => Math.max(EXPLORE_MIN_CALLS, Math.ceil(cost / EXPLORE_COST));
/** Calls of up to this many images explore by calls of any size; larger ones by calls of their size class. */
const SMALL_CALL_IMAGES = 2;
/**
 * A path the small calls left because it got dearer while in use — its estimate rose by more than this
 * factor over its best since it was preferred (a burst of outside load; on the H100 host a stretch of ~18 ms
 * WebGPU frames among the usual 8 moved a frame stream to the 14 ms server) — is re-measured after
 * EXPLORE_MIN_CALLS calls elsewhere, then after twice as many each time it still looks dearer, until the
 * cost-based interval is the shorter. With that interval alone it waited ~60 frames, long after the burst.
 */
const ABANDONED_RISE = 1.1;
/**
 * While the paths contend, a small call right after a call on the other path pays for that path's wind-down
 * (its CPU thread pool still spinning, caches gone): on the shared 2-core machine a local frame took 100 ms
 * right after a remote one and 85 ms after a local one. Such a call teaches its path nothing; the exploration
 * of a contended path therefore sends two calls in a row, and the second is the one measured. Larger calls
 * learn anyway (the switch is a few % of them).
 */
const SWITCH_BLIND_IMAGES = 2;
/** Weight of the newest switch cost (see `switchMs`); switches are rare, so a few decide. */
const SWITCH_ALPHA = 0.3;
/**
 * A re-measurement of a path the router rarely uses counts as this many ordinary calls: what its size class
 * holds is older (a start-up probe's cold calls), and at one call's weight a path whose probe said 160 ms for
 * an 85 ms frame took five explorations (hundreds of calls) to be chosen again. 5 is more than half of a
 * size class's window (9 calls, see LatencyModel), so one exploration sets the class's median: if it was an
 * outlier low, the calls it attracts correct it at once; if high, the path waits one more interval.
 */
const EXPLORE_WEIGHT = 5;

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
  readonly contention: ContentionModel;
  readonly breaker: CircuitBreaker;
  private readonly local?: PathRunner<TItem, TResult>;
  private readonly remote?: PathRunner<TItem, TResult>;
  private readonly policy: RoutingPolicyOptions;
  private readonly onRoute?: (e: RouteEvent) => void;
  private readonly now: () => number;
  private readonly activity = new PathActivity();
  private busy = { local: 0, remote: 0 };
  /** run() calls in progress, and when the last one ended. */
  private calls = 0;
  private lastCallEnd = Number.NEGATIVE_INFINITY;
  /** When each path last produced a sample (or was sent a refresh call); seeds count as fresh at creation. */
  private readonly lastSampleAt: { local: number; remote: number };
  /** Calls routed without each path since it last got one. */
  private readonly callsWithout = { local: 0, remote: 0 };
  /**
   * The same for calls larger than SMALL_CALL_IMAGES, per size class: batches explore by the same ratio rule,
   * counted within their class. A batch is placed from its own class's calls, which the frames' explorations
   * do not re-measure, so one slow call (a 634 ms local batch among 520 ms ones on the H100) sent every later
   * batch to a path 10 % dearer, for good. Re-trying such a path until it had three calls of the size instead
   * cost 7 % of a 4-batch run on the shared 2-core machine: the ~1 % budget holds for batches too.
   */
  private readonly batchCallsWithout = new Map<number, { local: number; remote: number }>();
  /** The path of the last call that ran in turn (contended), and a contended exploration's pending second call. */
  private lastInTurn: PathSide | 'both' | null = null;
  private exploreAgain: PathSide | null = null;
  /** The path small calls go to by preference, and its lowest predicted ms for one image since it became so. */
  private preferred: { side: PathSide; ms: number } | null = null;
  /** Calls elsewhere after which an abandoned path is re-measured (doubling); infinite: the cost rule only. */
  private readonly recheckAfter = { local: Number.POSITIVE_INFINITY, remote: Number.POSITIVE_INFINITY };
  /**
   * What a small contended call pays for following the other path's call (its wind-down), per side: learned
   * from the switch-blind calls, as their ms beyond the path's estimate. An exploration costs two of those
   * switches (there and back), which the exploration interval has to pay for. NaN until the first one.
   */
  private readonly switchMs = { local: Number.NaN, remote: Number.NaN };
  /** Since when an unmeasured path has been setting aside overlapped samples, waiting for a solo one. */
  private readonly heldBackSince: { local: number | null; remote: number | null } = { local: null, remote: null };
  /**
   * Tail of the calls that run one at a time while the paths contend: they share one resource, and two calls
   * on it at once only slow each other down (measured: combined rate 0.7-1.0× one path's), so a call placed on
   * the other path waits for the one running instead of overlapping it — one queue, as a fixed path has.
   */
  private contendedTail: Promise<void> = Promise.resolve();
  /** When overlap may be tried again while the paths contend (null: not contended, or not yet scheduled). */
  private reprobeAt: number | null = null;
  private reprobeWait: number;

  constructor(o: HybridRouterOptions<TItem, TResult>) {
    if (!o.local && !o.remote) throw new SightlineError('E_INVALID_OPTION', 'a hybrid router needs a local path, a remote path, or both');
    this.local = o.local;
    this.remote = o.remote;
    this.policy = o.policy ?? {};
    this.onRoute = o.onRoute;
    this.now = o.now ?? defaultNow;
    this.localModel = new LatencyModel({ prior: o.localPrior });
    this.remoteModel = new LatencyModel({ prior: o.remotePrior });
    this.contention = new ContentionModel(o.contention);
    this.reprobeWait = this.contention.reprobeMs;
    this.lastSampleAt = { local: this.now(), remote: this.now() };
    this.breaker = new CircuitBreaker({ now: this.now, ...o.breaker });
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** Whether running both paths at once currently pays, from the measured per-image costs and slowdowns (no side effects). */
  assessContention(): ContentionAssessment {
    return this.contentionVerdict(false);
  }

  /** `act`: work is about to run on this verdict, so a contended one is recorded (ContentionModel.judge). */
  private contentionVerdict(act: boolean): ContentionAssessment {
    const per = (m: LatencyModel) => (m.known ? m.predict(REFERENCE_BATCH) / REFERENCE_BATCH : Number.NaN);
    const [l, r] = [per(this.localModel), per(this.remoteModel)];
    return act ? this.contention.judge(l, r) : this.contention.assess(l, r);
  }

  /** The decision the router would take now for a call of `batchSize` (no side effects). */
  plan(batchSize: number): RouteDecision {
    return this.decide(batchSize, false);
  }

  /** `commit`: this decision is going to run, so a re-probe it takes is spent and the back-off advances. */
  private decide(batchSize: number, commit: boolean): RouteDecision {
    const d0 = this.decideRoute(batchSize, commit);
    if (commit) this.notePreference(d0);
    const d = this.refreshing(d0, commit) ?? d0;
    if (commit) {
      const counts = [this.callsWithout];
      if (batchSize > SMALL_CALL_IMAGES) {
        const k = LatencyModel.sizeClass(batchSize);
        let c = this.batchCallsWithout.get(k);
        if (!c) this.batchCallsWithout.set(k, (c = { local: 0, remote: 0 }));
        counts.push(c);
      }
      for (const c of counts) {
        c.local = d.localCount > 0 ? 0 : c.local + 1;
        c.remote = d.remoteCount > 0 ? 0 : c.remote + 1;
      }
    }
    return d;
  }

  /** Tracks the small calls' preferred path; one it leaves after getting dearer is due a quick re-measure. */
  private notePreference(d: RouteDecision): void {
    if ((d.reason !== 'cost-model' && d.reason !== 'contended') || d.target === 'split' || d.localCount + d.remoteCount > SMALL_CALL_IMAGES) return;
    const ms = this.modelOf(d.target).predict(1);
    const was = this.preferred;
    if (was?.side === d.target) {
      if (ms < was.ms) was.ms = ms;
      return;
    }
    if (was && this.modelOf(was.side).predict(1) > was.ms * ABANDONED_RISE) this.recheckAfter[was.side] = EXPLORE_MIN_CALLS;
    this.preferred = { side: d.target, ms };
  }

  private modelOf(side: PathSide): LatencyModel {
    return side === 'local' ? this.localModel : this.remoteModel;
  }

  /**
   * A path the policy stopped choosing is never measured again, so an estimate that came out too high (one
   * noisy probe call, a cold start, a busy moment) would stick for good. A small call goes to such a path after
   * ~(ratio − 1)/EXPLORE_COST calls elsewhere (at most EXPLORE_COST of their time, however much dearer it looks),
   * and every REFRESH_MS while it looks within REFRESH_FACTOR — never to a path that is busy, and alone on the
   * machine when the paths contend, so the sample is a solo one. Sooner for a path left because it got
   * dearer (ABANDONED_RISE). Batches: the same ratio rule, counting calls of their own size class.
   */
  private refreshing(d: RouteDecision, commit: boolean): RouteDecision | null {
    const again = this.exploreAgain;
    if (commit) this.exploreAgain = null;
    if (d.reason !== 'cost-model' && d.reason !== 'contended') return null;
    if (d.target === 'split') return null;
    const n = d.localCount + d.remoteCount;
    const chosen = d.target;
    const other: PathSide = chosen === 'local' ? 'remote' : 'local';
    if (other === 'remote' && !(this.remote?.available() && this.breaker.allowsTraffic)) return null;
    if (other === 'local' && !this.local?.available()) return null;
    if (n <= SMALL_CALL_IMAGES && again === other && d.reason === 'contended') return this.probeOn(other, d);
    const model = this.modelOf(other);
    if (!model.known) return null;
    const chosenMs = this.modelOf(chosen).predict(n);
    const ratio = model.predict(n) / chosenMs;
    if (!(ratio > 0)) return null;
    const idle = !this.activity.busy(other) && !(d.reason === 'contended' && this.activity.busy(chosen));
    if (n > SMALL_CALL_IMAGES) {
      const without = this.batchCallsWithout.get(LatencyModel.sizeClass(n))?.[other] ?? 0;
      return idle && without >= exploreInterval(ratio - 1) ? this.probeOn(other, d) : null;
    }
    const t = this.now();
    const stale = ratio <= REFRESH_FACTOR && t - this.lastSampleAt[other] >= REFRESH_MS;
    // What an exploration costs beyond staying, in calls on the chosen path: one call's difference, or while
    // contended two calls' plus a switch there and one back (on the shared 2-core machine: 2 × 0.2 of a
    // frame, plus ~35 ms of wind-down on a 72 ms frame — more than the calls themselves).
    const cost = d.reason === 'contended' ? 2 * (ratio - 1) + ((this.switchMs.local || 0) + (this.switchMs.remote || 0)) / chosenMs : ratio - 1;
    const interval = Math.min(this.recheckAfter[other], exploreInterval(cost));
    if (!stale && this.callsWithout[other] < interval) return null;
    if (!idle) return null;
    if (commit) {
      this.lastSampleAt[other] = t; // one refresh at a time
      if (d.reason === 'contended') this.exploreAgain = other;
      this.recheckAfter[other] *= 2;
    }
    return this.probeOn(other, d);
  }

  private probeOn(side: PathSide, d: RouteDecision): RouteDecision {
    const n = d.localCount + d.remoteCount;
    const { chunkSize: _unused, ...rest } = d;
    return { ...rest, target: side, reason: 'probe', localCount: side === 'local' ? n : 0, remoteCount: side === 'remote' ? n : 0 };
  }

  private decideRoute(batchSize: number, commit: boolean): RouteDecision {
    const input: RouteInput = {
      batchSize,
      local: { available: !!this.local?.available(), gpu: !!this.local?.gpu, busyMs: this.busy.local, model: this.localModel },
      remote: this.remote
        ? { configured: true, available: this.remote.available(), healthy: this.breaker.allowsTraffic, busyMs: this.busy.remote, model: this.remoteModel }
        : null,
      otherCalls: Math.max(0, this.calls - (commit ? 1 : 0)) + (this.now() - this.lastCallEnd < STREAM_GAP_MS ? 1 : 0),
      interleave: this.contention.interleave,
    };
    if (!this.contentionVerdict(commit).contended) {
      if (commit) {
        this.reprobeAt = null;
        this.reprobeWait = this.contention.reprobeMs;
      }
      return decideRoute(input, this.policy);
    }
    const t = this.now();
    if (commit && this.reprobeAt === null) this.reprobeAt = t + this.reprobeWait;
    if (this.reprobeAt !== null && t >= this.reprobeAt) {
      // Back-off over: let the cost model place this call as if the paths were independent; if that overlaps
      // the two paths, it re-measures the slowdowns (which then replace the old ones).
      const free = decideRoute(input, this.policy);
      if ((free.reason === 'cost-model' || free.reason === 'cost-model-split') && this.overlaps(free)) {
        if (commit) {
          this.reprobeWait = Math.min(this.contention.maxReprobeMs, Math.max(1, this.reprobeWait) * 2);
          this.reprobeAt = t + this.reprobeWait;
          this.contention.forget();
        }
        return { ...free, reason: 'contention-probe' };
      }
    }
    return decideRoute({ ...input, contended: true }, this.policy);
  }

  private overlaps(d: RouteDecision): boolean {
    return d.target === 'split' || (d.target === 'local' && this.activity.busy('remote')) || (d.target === 'remote' && this.activity.busy('local'));
  }

  /**
   * Seed the cost models. Each available path first runs `items` and a batch of PROBE_BATCH copies untimed (first
   * calls of a size allocate and compile); then SOLO_ROUNDS rounds, each path in turn: one untimed call of `items`
   * (it pays the wind-down of the path before), one timed call of `items`, one timed batch — never both paths
   * at once, so they do not slow each other down. Then, when both paths work, three calls on both at once,
   * which measure whether they slow each other down. Single calls are noisy (one grey frame took 100-190 ms
   * on the same server here): with two samples per path, which path looked cheaper was a coin toss. Failures
   * are ignored (a path that cannot run the probe stays unmeasured and the policy explores it later).
   * Returns the last solo ms per path for a call of `items`.
   */
  async probe(items: readonly TItem[], signal?: AbortSignal): Promise<{ local?: number; remote?: number }> {
    const out: { local?: number; remote?: number } = {};
    if (items.length === 0) return out;
    const batch = Array.from({ length: items.length * PROBE_BATCH }, (_, i) => items[i % items.length]);
    const live: PathSide[] = [];
    for (const side of ['local', 'remote'] as const) {
      const runner = this.path(side);
      if (!runner || !runner.available()) continue;
      try {
        await runner.run(items, signal);
        await runner.run(batch, signal);
        live.push(side);
      } catch {
        /* unmeasured: explored later */
      }
    }
    for (let round = 0; round < SOLO_ROUNDS; round++) {
      for (const side of [...live]) {
        const runner = this.path(side)!;
        const ms = await this.soloRound(side, runner, items, batch, signal).catch(() => null);
        if (ms === null) live.splice(live.indexOf(side), 1);
        else out[side] = ms;
      }
    }
    if (out.local !== undefined && out.remote !== undefined) {
      for (let round = 0; round < 3; round++) {
        await Promise.all([this.timedProbe('local', this.local!, items, signal), this.timedProbe('remote', this.remote!, items, signal)]).catch(() => {});
      }
      // Both paths are winding down now: the first contended call after this is a switch for either.
      this.lastInTurn = 'both';
    }
    return out;
  }

  /** One solo round of the probe on one path; the ms of its timed `items` call, or null if a call failed. */
  private async soloRound(side: PathSide, runner: PathRunner<TItem, TResult>, items: readonly TItem[], batch: readonly TItem[], signal?: AbortSignal): Promise<number | null> {
    await runner.run(items, signal);
    const ms = await this.timedProbe(side, runner, items, signal);
    if (ms === null) return null;
    return (await this.timedProbe(side, runner, batch, signal)) === null ? null : ms;
  }

  /** One measured probe call; its timing is learned only when every item succeeded. Returns the service ms. */
  private async timedProbe(side: PathSide, runner: PathRunner<TItem, TResult>, items: readonly TItem[], signal?: AbortSignal): Promise<number | null> {
    const { results, sample } = await this.exec(side, runner, items, signal);
    if (results.some((r) => r instanceof Error)) return null;
    this.learn(side, items.length, sample, true);
    return sample.serviceMs;
  }

  async run(items: readonly TItem[], signal?: AbortSignal): Promise<ItemOutcome<TResult>[]> {
    const n = items.length;
    const out = new Array<ItemOutcome<TResult> | undefined>(n);
    if (n === 0) return [];
    this.calls++;
    try {
      return await this.route(items, out, signal);
    } finally {
      this.calls--;
      this.lastCallEnd = this.now();
    }
  }

  private async route(items: readonly TItem[], out: Array<ItemOutcome<TResult> | undefined>, signal?: AbortSignal): Promise<ItemOutcome<TResult>[]> {
    const n = items.length;
    const decision = this.decide(n, true);
    this.emit({ batchSize: n, decision });
    const all = Array.from({ length: n }, (_, i) => i);
    const remoteIdx = all.slice(0, decision.remoteCount);
    const localIdx = all.slice(decision.remoteCount);
    const chunk = (side: PathSide) => (decision.target === side ? decision.chunkSize : undefined);
    const [lf, rf] = await Promise.all([
      this.runOn('local', localIdx, items, out, 1, signal, chunk('local'), decision.reason),
      this.runOn('remote', remoteIdx, items, out, 1, signal, chunk('remote'), decision.reason),
    ]);
    // One hop to the other path for items whose path failed; never back again (no ping-pong, no duplicates).
    const moves: Promise<unknown>[] = [];
    if (rf.idx.length) moves.push(this.fallback('remote', 'local', rf, items, out, signal));
    if (lf.idx.length) moves.push(this.fallback('local', 'remote', lf, items, out, signal));
    await Promise.all(moves);
    return out.map((o, i) => o ?? { ok: false, error: new SightlineError('E_INFERENCE', `item ${i} produced no result`), path: 'local', backend: 'none', attempts: 0 });
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

  /**
   * Runs `idx` on one side, `chunkSize` items per call (one after the other, so other calls for this path can
   * get in between); fills `out` for successes and item faults; returns the path-faulted items.
   */
  private async runOn(
    side: PathSide,
    idx: number[],
    items: readonly TItem[],
    out: Array<ItemOutcome<TResult> | undefined>,
    attempt: number,
    signal?: AbortSignal,
    chunkSize = idx.length,
    reason?: RouteReason,
  ): Promise<{ idx: number[]; errors: Map<number, Error> }> {
    const failed = { idx: [] as number[], errors: new Map<number, Error>() };
    if (idx.length === 0) return failed;
    const runner = this.path(side);
    const model = side === 'local' ? this.localModel : this.remoteModel;
    const markAll = (part: readonly number[], e: Error) => {
      for (const i of part) {
        failed.idx.push(i);
        failed.errors.set(i, e);
      }
    };
    if (!runner) {
      markAll(idx, new SightlineError('E_BACKEND_UNAVAILABLE', `no ${side} path configured`));
      return failed;
    }
    const oneAtATime = reason === 'contended' || (reason === 'probe' && this.contentionVerdict(true).contended);
    // The whole call counts as queued work on this path until each chunk is done.
    const predicted = model.known ? model.predict(idx.length) : 0;
    let pending = predicted;
    this.busy[side] += predicted;
    const step = Math.max(1, Math.min(idx.length, Math.floor(chunkSize) || idx.length));
    try {
      for (let start = 0; start < idx.length; start += step) {
        const part = idx.slice(start, start + step);
        if (side === 'remote' && !this.breaker.tryAcquire()) {
          markAll(part, new SightlineError('E_REMOTE_UNAVAILABLE', 'remote circuit breaker is open'));
          continue;
        }
        let switched = false;
        const call = () => this.exec(side, runner, part.map((i) => items[i]), signal);
        const { results, sample } = oneAtATime
          ? await this.inTurn(() => {
              switched = this.lastInTurn !== null && this.lastInTurn !== side;
              this.lastInTurn = side;
              return call();
            })
          : await call();
        const done = (predicted * part.length) / idx.length;
        this.busy[side] = Math.max(0, this.busy[side] - done);
        pending -= done;
        let pathFaults = 0;
        results.forEach((r, j) => {
          const i = part[j];
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
        const blind = switched && part.length <= SWITCH_BLIND_IMAGES;
        if (pathFaults === 0 && blind && model.known) {
          const expected = model.predict(part.length);
          const extra = Math.min(expected, Math.max(0, sample.serviceMs - expected));
          // The first one sets it (an exploration is rare: learning it at SWITCH_ALPHA would take several).
          const was = this.switchMs[side];
          this.switchMs[side] = Number.isNaN(was) ? extra : was + SWITCH_ALPHA * (extra - was);
        }
        if (pathFaults === 0 && !blind) {
          this.learn(side, part.length, sample, reason === 'contention-probe' || !this.contentionVerdict(true).contended, reason === 'probe' ? EXPLORE_WEIGHT : 1);
        }
        if (side === 'remote') {
          if (pathFaults === part.length) this.breaker.onFailure();
          else this.breaker.onSuccess();
        }
      }
    } finally {
      this.busy[side] = Math.max(0, this.busy[side] - pending);
    }
    return failed;
  }

  /** Runs `fn` after every earlier contended call has ended (see contendedTail). */
  private async inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.contendedTail;
    let done!: () => void;
    this.contendedTail = new Promise<void>((r) => (done = r));
    try {
      await before;
      return await fn();
    } finally {
      done();
    }
  }

  /** One call on one path, with its service time and overlap; a thrown error becomes every item's error. */
  private async exec(
    side: PathSide,
    runner: PathRunner<TItem, TResult>,
    items: readonly TItem[],
    signal?: AbortSignal,
  ): Promise<{ results: Array<TResult | Error>; sample: ActivitySample }> {
    const ticket = this.activity.begin(side, this.now());
    let results: Array<TResult | Error>;
    try {
      results = await runner.run(items, signal);
      if (results.length !== items.length) {
        throw new SightlineError('E_INFERENCE', `${runner.backend} returned ${results.length} results for ${items.length} items`);
      }
    } catch (e) {
      results = items.map(() => (e instanceof Error ? e : new Error(String(e))));
    }
    const sample = this.activity.end(ticket, this.now());
    return { results, sample };
  }

  /**
   * Feeds the contention model, then the path's cost model with what the call would have cost alone.
   * `measureContention` false: the overlap only de-rates the sample (the verdict stands until a re-probe).
   */
  private learn(side: PathSide, images: number, sample: ActivitySample, measureContention: boolean, weight = 1): void {
    const model = side === 'local' ? this.localModel : this.remoteModel;
    // A path's first sample sets its solo cost, against which every later slowdown is judged: taken while
    // the other path was busy, it would carry that slowdown and hide it for good. So wait for a solo one —
    // for as long as a re-probe back-off at most; the exploration rules keep routing meanwhile.
    if (!model.known && sample.overlap >= this.contention.minOverlap) {
      const t = this.now();
      const since = (this.heldBackSince[side] ??= t);
      if (t - since < this.contention.reprobeMs) return;
    }
    this.lastSampleAt[side] = this.now();
    // Predicted now, not at dispatch: a call that queued may have started before its path had any estimate.
    const soloMs = model.known ? model.predict(images) : Number.NaN;
    model.observe(images, this.contention.observe(side, soloMs, sample.serviceMs, sample.overlap, measureContention), weight);
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

function defaultNow(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
