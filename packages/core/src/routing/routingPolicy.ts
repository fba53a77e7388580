/**
 * Where one call runs. Pure function of what is known right now: path availability and health, measured
 * cost models, how much work each path already has queued, and whether the two paths were measured to
 * slow each other down. Independent paths: large batches may be split so that both finish at about the same
 * time, and calls go wherever they finish first — which is how a hybrid setup beats either path alone.
 * Contended paths (a "remote" server on the same CPU): running both at once does not add throughput, so
 * every call queues on the path that is cheaper for it and runs there as it would on that path alone (with
 * `interleave`, a batch meeting other calls goes in chunks small enough that a frame waits for one chunk).
 */
import type { LatencyModel } from './latencyModel.js';

export type RouteTarget = 'local' | 'remote' | 'split';
export type RouteReason =
  | 'forced-local'
  | 'forced-remote'
  | 'remote-not-configured'
  | 'remote-unhealthy'
  | 'local-unavailable'
  | 'no-webgpu'
  | 'batch-threshold'
  | 'cost-model'
  | 'cost-model-split'
  | 'probe'
  /** The paths were measured to share a resource: the call queues on the cheaper path, no overlap. */
  | 'contended'
  /** The paths contended; after a back-off this call runs overlapped again to re-measure. */
  | 'contention-probe';

export interface RoutingPolicyOptions {
  /** 'auto' routes per call; 'local'/'remote' pin every call (failures still fall back). */
  mode?: 'auto' | 'local' | 'remote';
  /** Fixed threshold: batches of at least this many images go remote. Overrides the cost model. */
  batchThreshold?: number;
  /** Without a GPU locally, prefer a configured remote until measurements say otherwise (default true). */
  preferRemoteWithoutGpu?: boolean;
  /** Allow splitting one batch across both paths (default true). */
  allowSplit?: boolean;
  /** Batch size treated as "heavy" before any remote measurement exists (default 8). */
  defaultThreshold?: number;
}

export interface PathState {
  available: boolean;
  /** Estimated milliseconds of work already queued on this path. */
  busyMs: number;
  model: LatencyModel;
}

export interface RouteInput {
  batchSize: number;
  local: PathState & { gpu: boolean };
  remote: (PathState & { configured: boolean; healthy: boolean }) | null;
  /** Running both paths at once was measured not to pay (see ContentionModel). */
  contended?: boolean;
  /** Other calls in flight or just finished (e.g. a frame stream): with `interleave`, a contended batch is then fed in chunks. */
  otherCalls?: number;
  /** Chunk contended batches while other calls are active (ContentionOptions.interleave; default false). */
  interleave?: boolean;
}

export interface RouteDecision {
  target: RouteTarget;
  reason: RouteReason;
  /** Images to run locally / remotely (sums to batchSize). */
  localCount: number;
  remoteCount: number;
  expectedLocalMs: number;
  expectedRemoteMs: number;
  /** Smallest batch for which remote is predicted faster, when both models are known. */
  threshold: number | null;
  /** Largest call to send the target path at once (the batch is fed to it in chunks of this size); absent = all at once. */
  chunkSize?: number;
}

/** Chunks keep the per-call fixed cost at or below this share of the work. */
const CHUNK_OVERHEAD = 0.01;
/**
 * A path's prediction for a call size it never ran is an extrapolation from other sizes, and it is compared
 * with one measured at that size under real load. That favours the path not in use: on the shared 2-core
 * machine the server's 16-image cost, extrapolated from the probe's 1- and 4-image calls, read 1065-1132 ms
 * where it mattered while it really takes ~1220-1265 (always-remote), and after one local batch had measured
 * 1095-1241 with frames decoding beside it, the next batch went to the 10-13 % dearer server in 7 of 20
 * frames + batches runs (this margin keeps 6 of those 7 local). An extrapolated cost therefore counts this
 * much dearer when choosing a path; the exploration rule (which compares the plain predictions) still
 * measures that size there within a few calls.
 */
const EXTRAPOLATED_MARGIN = 0.1;
/** A path's predicted ms for a call of `n`, as compared when choosing between the paths (see EXTRAPOLATED_MARGIN). */
const comparedMs = (m: LatencyModel, n: number): number => m.predict(n) * (m.measuredAt(n) ? 1 : 1 + EXTRAPOLATED_MARGIN);

export function decideRoute(input: RouteInput, options: RoutingPolicyOptions = {}): RouteDecision {
  const { mode = 'auto', batchThreshold, preferRemoteWithoutGpu = true, allowSplit = true, defaultThreshold = 8 } = options;
  const n = Math.max(0, Math.floor(input.batchSize));
  const { local, remote } = input;
  const remoteUsable = !!remote && remote.configured && remote.available && remote.healthy;
  const expL = local.available && local.model.known ? local.busyMs + local.model.predict(n) : Number.NaN;
  const expR = remoteUsable && remote.model.known ? remote.busyMs + remote.model.predict(n) : Number.NaN;
  const threshold = crossover(local, remote);
  const make = (target: RouteTarget, reason: RouteReason, remoteCount = target === 'remote' ? n : 0): RouteDecision => ({
    target,
    reason,
    localCount: n - remoteCount,
    remoteCount,
    expectedLocalMs: expL,
    expectedRemoteMs: expR,
    threshold,
  });

  if (!remote || !remote.configured) return make('local', local.available ? (mode === 'local' ? 'forced-local' : 'remote-not-configured') : 'local-unavailable');
  if (!local.available) return make('remote', 'local-unavailable');
  if (!remoteUsable) return make('local', 'remote-unhealthy');
  if (mode === 'local') return make('local', 'forced-local');
  if (mode === 'remote') return make('remote', 'forced-remote');
  if (batchThreshold !== undefined) return n >= batchThreshold ? make('remote', 'batch-threshold') : make('local', 'batch-threshold');

  const lKnown = local.model.known;
  const rKnown = remote.model.known;
  // Exploration: a path nobody has measured yet gets a call sized to seed its model cheaply — a heavy batch
  // for the server, a small call for the local engine — so the cost model can take over from the defaults.
  if (!lKnown && !rKnown) {
    if (!local.gpu && preferRemoteWithoutGpu) return make('remote', 'no-webgpu');
    return n >= defaultThreshold ? make('remote', 'probe') : make('local', 'probe');
  }
  if (!rKnown) {
    if (n >= defaultThreshold || (!local.gpu && preferRemoteWithoutGpu)) return make('remote', !local.gpu && preferRemoteWithoutGpu ? 'no-webgpu' : 'probe');
    return make('local', 'cost-model');
  }
  if (!lKnown) return n <= 2 ? make('local', 'probe') : make('remote', 'cost-model');

  if (input.contended) {
    // One resource behind both paths: whatever runs elsewhere slows this down as much as it gains, so take
    // the path that does this call's work for least, regardless of what is queued (queues share the resource).
    const side = comparedMs(local.model, n) <= comparedMs(remote.model, n) ? local : remote;
    const d = make(side === local ? 'local' : 'remote', 'contended');
    const chunk = input.interleave === true && (input.otherCalls ?? 0) > 0 ? chunkSize(n, side.model) : n;
    return chunk < n ? { ...d, chunkSize: chunk } : d;
  }

  // Both known: minimise the time until the last image of this call is done.
  const localFirst = local.busyMs + comparedMs(local.model, n) <= remote.busyMs + comparedMs(remote.model, n);
  let best = make(localFirst ? 'local' : 'remote', 'cost-model');
  let bestMs = localFirst ? expL : expR;
  if (allowSplit && n >= 2) {
    const k = bestSplit(n, local, remote);
    if (k > 0 && k < n) {
      const ms = Math.max(local.busyMs + local.model.predict(n - k), remote.busyMs + remote.model.predict(k));
      if (ms < bestMs * 0.95) {
        best = make('split', 'cost-model-split', k);
        bestMs = ms;
      }
    }
  }
  return best;
}

/**
 * Smallest call size whose fixed cost is at most CHUNK_OVERHEAD of its per-image work. Until calls of
 * different sizes have measured the fixed cost, the batch runs whole: a GPU's batching gain is not given away
 * on a guess.
 */
function chunkSize(n: number, model: LatencyModel): number {
  const { fixedMs, perImageMs } = model.estimate;
  if (!model.fixedKnown || !(perImageMs > 0)) return n;
  return Math.min(n, Math.max(1, Math.ceil(fixedMs / (CHUNK_OVERHEAD * perImageMs))));
}

/** Remote share k minimising max(local(n−k), remote(k)) for linear cost models. */
function bestSplit(n: number, local: PathState, remote: PathState): number {
  const l = local.model.estimate;
  const r = remote.model.estimate;
  const denom = l.perImageMs + r.perImageMs;
  if (!(denom > 0)) return 0;
  const k = (local.busyMs + l.fixedMs + l.perImageMs * n - remote.busyMs - r.fixedMs) / denom;
  let bestK = 0;
  let bestMs = Infinity;
  for (const cand of [Math.floor(k), Math.ceil(k)]) {
    const c = Math.min(n, Math.max(0, cand));
    const ms = Math.max(c < n ? local.busyMs + local.model.predict(n - c) : 0, c > 0 ? remote.busyMs + remote.model.predict(c) : 0);
    if (ms < bestMs) {
      bestMs = ms;
      bestK = c;
    }
  }
  return bestK;
}

function crossover(local: PathState, remote: PathState | null): number | null {
  if (!remote || !local.model.known || !remote.model.known) return null;
  const l = local.model.estimate;
  const r = remote.model.estimate;
  if (r.perImageMs >= l.perImageMs) return r.fixedMs <= l.fixedMs ? 1 : null;
  return Math.max(1, Math.floor((r.fixedMs - l.fixedMs) / (l.perImageMs - r.perImageMs)) + 1);
}
