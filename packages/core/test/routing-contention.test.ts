import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ContentionModel, HybridRouter, PathActivity, decideRoute, LatencyModel, type PathRunner, type RouteEvent } from '../src/index.js';

/**
 * Discrete-event simulation on a virtual clock: each path serves its calls one at a time, in order (as the
 * engines do); the call at the head of each path consumes its resource. Two paths on one resource share it
 * (processor sharing, with `efficiency` < 1 for the cost of switching between them); paths on separate
 * resources do not slow each other down. The router runs unmodified against it, with the simulated clock.
 */
interface Resource {
  efficiency: number;
  /** Extra ms a call pays when the call before it on this resource was the other path's (its wind-down). */
  switchMs?: number;
  last?: SimPath;
}
interface Job {
  remaining: number;
  done: () => void;
}

class Sim {
  t = 0;
  /** Virtual ms during which both paths were serving a call. */
  bothActiveMs = 0;
  private timers: { at: number; fire: () => void }[] = [];
  private readonly paths: SimPath[] = [];
  readonly now = () => this.t;

  add(p: SimPath): void {
    this.paths.push(p);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((fire) => this.timers.push({ at: this.t + ms, fire }));
  }

  private rate(p: SimPath): number {
    const sharing = this.paths.filter((q) => q.queue.length > 0 && q.resource === p.resource).length;
    return sharing <= 1 ? 1 : p.resource.efficiency / sharing;
  }

  private advance(): boolean {
    const active = this.paths.filter((p) => p.queue.length > 0);
    let next = Math.min(...this.timers.map((x) => x.at));
    for (const p of active) next = Math.min(next, this.t + p.queue[0].remaining / this.rate(p));
    if (!Number.isFinite(next)) return false;
    const dt = next - this.t;
    const rates = active.map((p) => this.rate(p));
    if (active.length >= 2) this.bothActiveMs += dt;
    active.forEach((p, i) => (p.queue[0].remaining -= rates[i] * dt));
    this.t = next;
    for (const p of active) {
      if (p.queue[0].remaining <= 1e-9) p.queue.shift()!.done();
    }
    const due = this.timers.filter((x) => x.at <= this.t);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const x of due) x.fire();
    return true;
  }

  /** Runs the simulation until `work` settles. */
  async drive<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let step = 0; step < 1_000_000; step++) {
      // Let every promise continuation that the last event released run before the next event.
      for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
      if (settled) return work;
      if (!this.advance()) throw new Error('simulation stalled');
    }
    throw new Error('simulation did not finish');
  }
}

class SimPath implements PathRunner<number, string> {
  readonly queue: Job[] = [];
  calls: number[] = [];
  /** The first `calls` calls take `ms` longer (a cold start the start-up probe happens to see). */
  slowFirst = { calls: 0, ms: 0 };
  /** Every `every`-th call (and the `length` − 1 after it) takes `ms` longer (a GC pause, a stalled socket, outside load). */
  spikes: { every: number; ms: number; length?: number } = { every: 0, ms: 0 };
  /** What a call on the other path pays right after this path's call, when not the resource's switchMs. */
  windDownMs?: number;
  /** Extra ms for a call of `images` starting at virtual time `at` (outside load, one slow call). */
  extra?: (images: number, at: number) => number;
  constructor(
    private readonly sim: Sim,
    readonly backend: string,
    public resource: Resource,
    public fixedMs: number,
    public perImageMs: number,
  ) {
    sim.add(this);
  }
  available(): boolean {
    return true;
  }
  run(items: readonly number[]): Promise<Array<string | Error>> {
    this.calls.push(items.length);
    const last = this.resource.last;
    let penalty = last && last !== this ? (last.windDownMs ?? this.resource.switchMs ?? 0) : 0;
    if (this.spikes.every > 0 && this.calls.length % this.spikes.every < (this.spikes.length ?? 1)) penalty += this.spikes.ms;
    penalty += this.extra?.(items.length, this.sim.t) ?? 0;
    if (this.slowFirst.calls > 0) {
      this.slowFirst.calls--;
      penalty += this.slowFirst.ms;
    }
    this.resource.last = this;
    return new Promise((resolve) => this.queue.push({ remaining: this.fixedMs + this.perImageMs * items.length + penalty, done: () => resolve(items.map((i) => `${this.backend}:${i}`)) }));
  }
}

interface Setup {
  shared: boolean;
  local: [fixed: number, perImage: number];
  remote: [fixed: number, perImage: number];
  efficiency?: number;
  switchMs?: number;
  localSlowFirst?: { calls: number; ms: number };
}
interface Mix {
  frames: number;
  batches: number;
  batchSize: number;
  /** Virtual ms before each batch. */
  gapMs: number;
}

function world(s: Setup) {
  const sim = new Sim();
  const cpu: Resource = { efficiency: s.efficiency ?? 0.9, switchMs: s.switchMs };
  const local = new SimPath(sim, 'onnxruntime-node', cpu, ...s.local);
  if (s.localSlowFirst) local.slowFirst = { ...s.localSlowFirst };
  const remote = new SimPath(sim, 'triton-http', s.shared ? cpu : { efficiency: 1 }, ...s.remote);
  return { sim, local, remote };
}

async function runMix(
  s: Setup,
  mix: Mix,
  mode: 'auto' | 'local' | 'remote',
  opts: { probe?: boolean; reprobeMs?: number; interleave?: boolean; remotePrior?: { fixedMs: number; perImageMs: number }; localPrior?: { fixedMs: number; perImageMs: number }; onSim?: (w: ReturnType<typeof world>) => void } = {},
) {
  const w = world(s);
  opts.onSim?.(w);
  const events: (RouteEvent & { t: number })[] = [];
  const router = new HybridRouter<number, string>({
    local: w.local,
    remote: w.remote,
    policy: { mode },
    now: w.sim.now,
    contention: { reprobeMs: opts.reprobeMs ?? 30_000, interleave: opts.interleave },
    localPrior: opts.localPrior,
    remotePrior: opts.remotePrior,
    onRoute: (e) => events.push({ ...e, t: w.sim.t }),
  });
  if (opts.probe) await w.sim.drive(router.probe([0]));
  const t0 = w.sim.t;
  const both0 = w.sim.bothActiveMs;
  const frameLat: number[] = [];
  let images = 0;
  const work = Promise.all([
    (async () => {
      for (let i = 0; i < mix.frames; i++) {
        const t = w.sim.t;
        const [o] = await router.run([i]);
        if (!o.ok) throw o.error;
        frameLat.push(w.sim.t - t);
        images++;
      }
    })(),
    (async () => {
      for (let b = 0; b < mix.batches; b++) {
        await w.sim.sleep(mix.gapMs);
        const out = await router.run(Array.from({ length: mix.batchSize }, (_, i) => i));
        if (!out.every((o, i) => o.ok && o.value.endsWith(`:${i}`))) throw new Error('batch lost or reordered items');
        images += out.length;
      }
    })(),
  ]);
  await w.sim.drive(work);
  const wall = w.sim.t - t0;
  frameLat.sort((a, b) => a - b);
  return {
    ips: (images / wall) * 1000,
    frameP99: frameLat.length ? frameLat[Math.round(0.99 * (frameLat.length - 1))] : Number.NaN,
    overlapShare: (w.sim.bothActiveMs - both0) / wall,
    events,
    router,
    w,
  };
}

async function compare(s: Setup, mix: Mix, opts: { probe?: boolean; interleave?: boolean } = {}) {
  const local = await runMix(s, mix, 'local');
  const remote = await runMix(s, mix, 'remote');
  const policy = await runMix(s, mix, 'auto', opts);
  return { local, remote, policy, best: Math.max(local.ips, remote.ips) };
}

// A fast local GPU path and a GPU server on its own machine (cf. the H100 figures in docs/benchmarks.md).
const independent: Setup = { shared: false, local: [1, 8], remote: [15, 1.5] };
// CPU engine and a "remote" server on the same two cores; the server is the dearer path per image.
const sharedCpu: Setup = { shared: true, local: [2, 100], remote: [10, 130], efficiency: 0.9 };
const framesAndBatches = (batchSize: number, frames: number, batches: number, gapMs: number): Mix => ({ frames, batches, batchSize, gapMs });

describe('HybridRouter on a simulated clock: independent vs shared resources', () => {
  it('independent remote: keeps offloading and splitting big batches while frames stay local, beating both fixed choices', async () => {
    const mix = framesAndBatches(64, 300, 6, 300);
    for (const probe of [true, false]) {
      const r = await compare(independent, mix, { probe });
      const reasons = new Set(r.policy.events.map((e) => e.decision.reason));
      expect(reasons.has('contended')).toBe(false);
      expect(r.policy.router.assessContention()).toMatchObject({ contended: false });
      const batches = r.policy.events.filter((e) => e.batchSize === 64);
      expect(batches.length).toBe(6);
      expect(batches.every((e) => e.decision.remoteCount > 0)).toBe(true);
      expect(batches.some((e) => e.decision.target === 'split')).toBe(true);
      expect(r.policy.ips).toBeGreaterThan(r.best * 1.05);
      expect(r.policy.overlapShare).toBeGreaterThan(0.1);
    }
  });

  it('shared CPU, interleave on: learns the paths contend, stops overlapping, matches the best fixed path, frames flow between chunks', async () => {
    const cases = [
      // Batches back to back under the frame stream (the bench's mix), with the start-up probe (Node default).
      { probe: true, mix: framesAndBatches(16, 120, 12, 50), minRatio: 0.99 },
      // No probe (browser default): learned online from the first calls. Occasional batches, so the frame
      // stream has measured the local engine alone before the first overlap; that overlap is the price.
      { probe: false, mix: framesAndBatches(16, 300, 6, 1500), minRatio: 0.97 },
    ];
    for (const { probe, mix, minRatio } of cases) {
      const r = await compare(sharedCpu, mix, { probe, interleave: true });
      const ev = r.policy.events;
      const first = ev.findIndex((e) => e.decision.reason === 'contended');
      expect(first).toBeGreaterThanOrEqual(0);
      if (probe) expect(first).toBe(0); // the start-up probe already measured the contention
      expect(r.policy.router.assessContention().contended).toBe(true);
      // After the verdict: no splits, every call on the cheaper (local) path, batches fed in chunks.
      // (Apart from a re-probe once the 30 s back-off is over: these mixes run ~30 virtual seconds.)
      // Also apart from single frames that re-measure the unused path while both are idle: every 10 s, or
      // every ~(ratio − 1) / 1 % calls (the remote looks ~37 % dearer here: one in ~37).
      const refresh = ev.slice(first).filter((e) => e.decision.reason === 'probe');
      expect(refresh.every((e) => e.batchSize === 1)).toBe(true);
      expect(refresh.length).toBeLessThanOrEqual(Math.ceil(r.policy.w.sim.t / 10_000) + Math.ceil(ev.length / 37));
      const after = ev.slice(first).filter((e) => e.decision.reason !== 'contention-probe' && e.decision.reason !== 'probe');
      expect(ev.filter((e) => e.decision.reason === 'contention-probe').every((e) => e.t >= 30_000)).toBe(true);
      expect(after.every((e) => e.decision.target === 'local' && e.decision.reason === 'contended')).toBe(true);
      // Chunked once calls of two sizes have measured the fixed cost per call (after the first batch).
      expect(after.filter((e) => e.batchSize === 16).slice(1).every((e) => (e.decision.chunkSize ?? 16) < 16)).toBe(true);
      expect(r.policy.ips).toBeGreaterThanOrEqual(r.best * minRatio);
      // Chunking lets frames in between batch chunks: past the first batch (run whole, before calls of two sizes
      // measured the fixed cost) no frame waits for a whole batch as with always-local.
      expect(r.policy.frameP99).toBeLessThan(r.local.frameP99 / 3);
    }
  });

  it('shared CPU, by default (interleave off): once contended, batches run whole on the cheaper path, as always-local runs them', async () => {
    const r = await compare(sharedCpu, framesAndBatches(16, 120, 12, 50), { probe: true });
    const ev = r.policy.events;
    const first = ev.findIndex((e) => e.decision.reason === 'contended');
    expect(first).toBe(0);
    const contended = ev.filter((e) => e.decision.reason === 'contended');
    expect(contended.every((e) => e.decision.target === 'local' && e.decision.chunkSize === undefined)).toBe(true);
    expect(r.policy.ips).toBeGreaterThanOrEqual(r.best * 0.99);
    // Same schedule as always-local: a frame that meets a batch waits for all of it, no more.
    expect(r.policy.frameP99).toBeGreaterThan(r.local.frameP99 * 0.9);
    expect(r.policy.frameP99).toBeLessThan(r.local.frameP99 * 1.1);
  });

  it('the start-up probe measures per-image cost: a server cheaper for one image but dearer per image gets no batches', async () => {
    // One image: server 130 ms, local 140 ms. Sixteen: server 2080 ms, local 1640 ms (40 ms of it per call).
    // Probing with single images only, both look linear through zero and the batch goes to the server.
    const perCall: Setup = { shared: true, local: [40, 100], remote: [0, 130], efficiency: 0.9 };
    const r = await compare(perCall, framesAndBatches(16, 40, 4, 300), { probe: true });
    const { fixedMs, perImageMs } = r.policy.router.localModel.estimate;
    expect(fixedMs).toBeGreaterThan(30);
    expect(perImageMs).toBeLessThan(110);
    const batches = r.policy.events.filter((e) => e.batchSize === 16);
    expect(batches).toHaveLength(4);
    expect(batches.every((e) => e.decision.target === 'local')).toBe(true);
  });

  it('shared CPU, batches only: no splitting after the first measured overlap', async () => {
    // With the start-up probe (the Node default): batches alone never measure an unmeasured local engine.
    const r = await compare(sharedCpu, framesAndBatches(16, 0, 24, 0), { probe: true });
    // At most one overlapped split to learn from.
    const splits = r.policy.events.filter((e) => e.decision.reason === 'cost-model-split');
    expect(splits.length).toBeLessThanOrEqual(1);
    const settled = r.policy.events.slice(-6).filter((e) => e.decision.reason !== 'contention-probe' && e.decision.reason !== 'probe');
    expect(settled.every((e) => e.decision.reason === 'contended' && e.decision.target === 'local')).toBe(true);
    expect(r.policy.ips).toBeGreaterThanOrEqual(r.best * 0.95);
  });

  it('re-probes after the back-off and resumes offloading once the server is really independent', async () => {
    let moveAt = Number.POSITIVE_INFINITY;
    let remotePath: SimPath | undefined;
    const r = await runMix(sharedCpu, framesAndBatches(16, 600, 40, 1500), 'auto', {
      probe: true,
      reprobeMs: 5_000,
      onSim: (w) => {
        remotePath = w.remote;
        // At 20 s the server moves to a GPU machine of its own.
        moveAt = 20_000;
        void w.sim.sleep(moveAt).then(() => {
          w.remote.resource = { efficiency: 1 };
          w.remote.fixedMs = 15;
          w.remote.perImageMs = 20;
        });
      },
    });
    expect(remotePath).toBeDefined();
    const probes = r.events.filter((e) => e.decision.reason === 'contention-probe');
    const before = probes.filter((e) => e.t < moveAt);
    // Still shared: re-probes come with a growing back-off (5 s, then 10 s, ...), not on every batch.
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThanOrEqual(3);
    for (let i = 2; i < before.length; i++) expect(before[i].t - before[i - 1].t).toBeGreaterThan(before[i - 1].t - before[i - 2].t);
    // Once independent, a re-probe measures it and batches go remote again.
    const late = r.events.filter((e) => e.t > moveAt + 45_000 && e.batchSize === 16);
    expect(late.length).toBeGreaterThan(3);
    expect(late.every((e) => e.decision.remoteCount > 0 && e.decision.reason !== 'contended')).toBe(true);
    expect(r.router.assessContention().contended).toBe(false);
  });

  it('a path whose estimate came out too high is re-measured after ~(ratio − 1) / 1 % calls elsewhere, then chosen', async () => {
    // The remote is really the cheaper path for frames (independent, 40 ms vs 100 ms), but its seed says 140 ms.
    const s: Setup = { shared: false, local: [0, 100], remote: [10, 30] };
    const r = await runMix(s, framesAndBatches(1, 300, 0, 0), 'auto', { localPrior: { fixedMs: 0, perImageMs: 100 }, remotePrior: { fixedMs: 0, perImageMs: 140 } });
    const at = r.events.findIndex((e) => e.decision.reason === 'probe');
    expect(at).toBeGreaterThanOrEqual(40); // 1.4× dearer: not before 40 calls went elsewhere (≤ 1 % of their time)
    expect(r.events[at].decision.target).toBe('remote');
    const after = r.events.slice(at + 1);
    expect(after.filter((e) => e.decision.reason !== 'probe').every((e) => e.decision.target === 'remote')).toBe(true);
    // Local (now 2.5× dearer) is still re-measured, once per ~150 calls: at most 1 % of their time.
    expect(after.filter((e) => e.decision.reason === 'probe').length).toBeLessThanOrEqual(Math.ceil(after.length / 150));
  });

  it('paths that look alike are re-measured within a few calls: one noisy probe does not decide a whole stream', async () => {
    // Shared CPU, local really 20 % cheaper, but a start-up probe made it look 5 % dearer.
    const s: Setup = { shared: true, local: [0, 100], remote: [0, 120], efficiency: 0.9 };
    const r = await runMix(s, framesAndBatches(1, 200, 0, 0), 'auto', { localPrior: { fixedMs: 0, perImageMs: 126 }, remotePrior: { fixedMs: 0, perImageMs: 120 } });
    const firstLocal = r.events.findIndex((e) => e.decision.target === 'local');
    expect(firstLocal).toBeGreaterThanOrEqual(0);
    expect(firstLocal).toBeLessThanOrEqual(8);
    expect(r.events.filter((e) => e.decision.target === 'local').length).toBeGreaterThan(180);
  });

  it('shared CPU where switching paths costs (a thread pool winding down): the stream settles on the cheaper path', async () => {
    // Local 85 ms, remote 95 ms a frame; a frame right after the other path's call pays 15 ms more, and the
    // local engine's first calls are slow, so the start-up probe puts the stream on the server. Measured from
    // calls right after a switch, the local path would keep looking dearer (100 vs 95 ms) for good;
    // explorations send two frames and measure the second.
    const s: Setup = { shared: true, local: [0, 85], remote: [0, 95], efficiency: 0.9, switchMs: 15, localSlowFirst: { calls: 8, ms: 60 } };
    const r = await compare(s, framesAndBatches(1, 400, 0, 0), { probe: true });
    const late = r.policy.events.slice(-200);
    // Local but for the explorations: two frames every ~(95/85 − 1)/1 % ≈ 12 calls.
    expect(late.filter((e) => e.decision.target === 'local').length).toBeGreaterThanOrEqual(160);
    expect(r.policy.ips).toBeGreaterThanOrEqual(r.best * 0.95);
  });

  it("a frame stream stays on the cheaper path through the other path's rare latency spikes", async () => {
    // The H100 host: WebGPU frames ~17 ms with a long tail (p99 ~3× p95), the server ~33 ms; both lean on
    // the same client CPU. Every 25th local frame stalls for 100 ms.
    const s: Setup = { shared: true, local: [2, 15], remote: [8, 25], efficiency: 0.9, switchMs: 5 };
    const r = await runMix(s, framesAndBatches(1, 600, 0, 0), 'auto', { probe: true, onSim: (w) => (w.local.spikes = { every: 25, ms: 100 }) });
    const remote = r.events.filter((e) => e.decision.target === 'remote');
    // Only explorations go remote (two frames each, at most every ~100 frames here).
    expect(remote.every((e) => e.decision.reason === 'probe')).toBe(true);
    expect(remote.length).toBeLessThanOrEqual(14);
  });

  it('a frame stream stays on the cheaper path when a burst of outside load slows a few of its frames', async () => {
    // The shared 2-core machine: local frames 62 ms, server frames 75 ms; when a batch arrives, its JPEG decode
    // (outside the router) slows the next three local frames by 40 ms each. Averaged in, those made local
    // look dearer than the server after every batch.
    const s: Setup = { shared: true, local: [0, 62], remote: [0, 75], efficiency: 0.9, switchMs: 10 };
    const r = await runMix(s, framesAndBatches(1, 400, 0, 0), 'auto', { probe: true, onSim: (w) => (w.local.spikes = { every: 40, ms: 40, length: 3 }) });
    const remote = r.events.filter((e) => e.decision.target === 'remote');
    expect(remote.every((e) => e.decision.reason === 'probe')).toBe(true);
  });

  it('a frame stream that left its path during a burst of outside load returns within a few calls of its end', async () => {
    // The H100 host: WebGPU frames 8 ms, the server (same GPU) 14 ms. For 300 ms, outside load makes local
    // frames 20 ms: the stream moves to the server, which is right; once the burst is over, it must come back
    // soon, not after the ~60 calls a 1.4× dearer-looking path waits with a 1 % exploration budget.
    const s: Setup = { shared: true, local: [0.5, 7.5], remote: [2, 12], efficiency: 0.9, switchMs: 1 };
    const burst = { from: 2000, to: 2300 };
    const r = await runMix(s, framesAndBatches(1, 600, 0, 0), 'auto', {
      probe: true,
      onSim: (w) => (w.local.extra = (_n, at) => (at >= burst.from && at < burst.to ? 12 : 0)),
    });
    const preferredRemote = (e: RouteEvent & { t: number }) => e.decision.target === 'remote' && e.decision.reason === 'contended';
    expect(r.events.some((e) => e.t >= burst.from && e.t < burst.to && preferredRemote(e))).toBe(true);
    // Back within a few calls: re-measured after 4 calls on the server, then 8, 16, … while it stays slow.
    expect(r.events.filter((e) => e.t >= burst.to && preferredRemote(e)).length).toBeLessThanOrEqual(12);
    expect(r.events.slice(-100).filter((e) => e.decision.target === 'local').length).toBeGreaterThanOrEqual(98);
  });

  it('one slow batch does not send every later batch to a path that is really dearer', async () => {
    // Shared GPU, batches only: a 64-image batch takes 518 ms locally and 551 ms on the server, but the first
    // local one took 100 ms more. Frames' explorations never re-measure a batch size: batches explore within
    // their size class, after ~(ratio − 1) / 1 % batches elsewhere (618 / 551: 12).
    const s: Setup = { shared: true, local: [0, 8.1], remote: [20, 8.3], efficiency: 0.9, switchMs: 1 };
    let slow = 1;
    const r = await runMix(s, framesAndBatches(64, 0, 60, 0), 'auto', {
      probe: true,
      onSim: (w) => (w.local.extra = (n) => (n === 64 && slow-- > 0 ? 100 : 0)),
    });
    const batches = r.events.filter((e) => e.batchSize === 64);
    expect(batches).toHaveLength(60);
    expect(batches[0].decision.target).toBe('local'); // the slow one
    const back = batches.findIndex((e) => e.decision.target === 'local' && e.decision.reason === 'probe');
    expect(back).toBeGreaterThanOrEqual(12);
    expect(back).toBeLessThanOrEqual(14);
    const after = batches.slice(back + 1);
    // (A contention re-probe after the 30 s back-off may overlap the two once.)
    expect(after.filter((e) => e.decision.reason === 'contended').every((e) => e.decision.target === 'local')).toBe(true);
    expect(after.filter((e) => e.decision.reason === 'contended').length).toBeGreaterThan(after.length * 0.8);
    // The server (6 % dearer) is re-tried once per ~7 batches: ~1 % of the batches' time.
    const retries = after.filter((e) => e.decision.reason === 'probe');
    expect(retries.every((e) => e.decision.target === 'remote')).toBe(true);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries.length).toBeLessThanOrEqual(Math.ceil(after.length / 7));
  });

  it('a batch stays on the path measured at its size unless the extrapolated other is clearly cheaper; that size is measured there soon', async () => {
    // Shared CPU, 16-image batches: local 68 ms an image (1088 a batch), the server 5 + 68 (1093 on the
    // probe's line through 1 and 4 images) but 130 ms more at 8 images and up (1223: shipping megabytes).
    // The first local batch reads 1168 (frames decoding beside it). Compared plainly, 1093 < 1168 sent the
    // next batch to the server, 12 % dearer.
    const s: Setup = { shared: true, local: [0, 68], remote: [5, 68], efficiency: 0.9, switchMs: 0 };
    let slow = 1;
    const r = await runMix(s, framesAndBatches(16, 0, 16, 0), 'auto', {
      probe: true,
      onSim: (w) => {
        w.local.extra = (n) => (n === 16 && slow-- > 0 ? 80 : 0);
        w.remote.extra = (n) => (n >= 8 ? 130 : 0);
      },
    });
    const batches = r.events.filter((e) => e.batchSize === 16);
    expect(batches).toHaveLength(16);
    expect(batches[0].decision.target).toBe('local');
    expect(batches[1].decision.target).toBe('local');
    // Exploration compares the plain predictions (1093 looks cheaper than 1128): after 4 batches elsewhere.
    const firstRemote = batches.findIndex((e) => e.decision.target === 'remote');
    expect(firstRemote).toBeGreaterThanOrEqual(4);
    expect(firstRemote).toBeLessThanOrEqual(5);
    expect(batches[firstRemote].decision.reason).toBe('probe');
    // Measured there (1223), the server is the dearer path: the next batches stay local (next re-try ~13 later).
    expect(batches.slice(firstRemote + 1, firstRemote + 9).every((e) => e.decision.target === 'local')).toBe(true);
    expect(batches.filter((e) => e.decision.target === 'remote').length).toBeLessThanOrEqual(2);
  });

  it('explorations on a shared resource are spaced so that the switches they cause stay within ~1 % too', async () => {
    // Local 72 ms, server 86 ms a frame, 35 ms of wind-down after a switch either way: an exploration (two
    // server frames, then back) costs 2 × 14 + 2 × 35 = 98 ms, 1.4 local frames; at the old spacing (calls'
    // difference alone: every ~39 frames) that was 3.5 % of the stream.
    const s: Setup = { shared: true, local: [0, 72], remote: [0, 86], efficiency: 0.9, switchMs: 35 };
    const r = await compare(s, framesAndBatches(1, 800, 0, 0), { probe: true });
    const starts = r.policy.events.flatMap((e, i, all) => (e.decision.reason === 'probe' && all[i - 1]?.decision.reason !== 'probe' ? [i] : []));
    const gaps = starts.slice(1).map((at, i) => at - starts[i]);
    expect(gaps.length).toBeGreaterThanOrEqual(3); // it still explores
    // Expected ~1.36 / 1 % ≈ 136 frames apart once the first exploration measured the switches.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(110);
    expect(r.policy.ips).toBeGreaterThanOrEqual(r.local.ips * 0.98);
  });

  it("the start-up probe measures each path's own cost, not the other path's wind-down", async () => {
    // Measured on the shared 2-core machine: local frames 71-75 ms and server frames 86-93 ms in a stream, but
    // a local call right after a server call pays the server's spinning thread pool (~30 ms), a server call
    // after a local one ~5 ms. Timed right after the other path's call, local looked dearer (86-112 ms).
    const s: Setup = { shared: true, local: [0, 72], remote: [0, 86], efficiency: 0.9 };
    const w = world(s);
    w.remote.windDownMs = 30;
    w.local.windDownMs = 5;
    const router = new HybridRouter<number, string>({ local: w.local, remote: w.remote, now: w.sim.now });
    await w.sim.drive(router.probe([0]));
    expect(router.localModel.predict(1)).toBeGreaterThan(72 * 0.95);
    expect(router.localModel.predict(1)).toBeLessThan(72 * 1.05);
    expect(router.remoteModel.predict(1)).toBeLessThan(86 * 1.05);
    expect(router.assessContention().contended).toBe(true);
    expect(router.plan(1)).toMatchObject({ target: 'local', reason: 'contended' });
  });

  it('property: over long mixes the policy stays within 5 % of the best fixed choice, shared or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.integer({ min: 20, max: 200 }),
        fc.integer({ min: 20, max: 200 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 4, max: 32 }),
        fc.integer({ min: 0, max: 4 }),
        async (shared, lp, rp, rf, batchSize, batches) => {
          const s: Setup = { shared, local: [1, lp], remote: [rf, rp], efficiency: 0.85 };
          // Short gaps: with long ones, whichever stream ends last idles the machine, which says nothing about routing.
          const mix = framesAndBatches(batchSize, 150, batches, 10);
          const r = await compare(s, mix, { probe: true });
          return r.policy.ips >= r.best * 0.95;
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('HybridRouter: the contention verdict', () => {
  /** A path whose calls end when the test says so, on a clock the test moves. */
  class ManualPath implements PathRunner<number, string> {
    readonly pending: Array<() => void> = [];
    constructor(readonly backend: string) {}
    available(): boolean {
      return true;
    }
    run(items: readonly number[]): Promise<Array<string | Error>> {
      return new Promise((resolve) => this.pending.push(() => resolve(items.map((i) => `${this.backend}:${i}`))));
    }
    finish(): void {
      this.pending.shift()!();
    }
  }
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };

  it('stands until a re-probe: one stray overlapped call that ran at full speed does not flip it', async () => {
    let t = 0;
    const local = new ManualPath('onnxruntime-node');
    const remote = new ManualPath('triton-http');
    const events: RouteEvent[] = [];
    const router = new HybridRouter<number, string>({ local, remote, now: () => t, contention: { reprobeMs: 600_000, alpha: 1 }, onRoute: (e) => events.push(e) });
    // alpha 1: the newest overlapped sample alone sets a slowdown, so one stray sample would be enough to flip.
    // Start-up probe on one resource: 100 ms local and 130 ms remote per image alone (a warm-up of 1 and 4
    // images on each path, then two rounds alternating between the paths: an untimed call, a timed one and a
    // timed 4-image one), twice as long when overlapped.
    const probing = router.probe([0]);
    const round = (path: ManualPath, ms: number) => [[path, ms], [path, ms], [path, 4 * ms]] as const;
    const warm = (path: ManualPath, ms: number) => [[path, ms], [path, 4 * ms]] as const;
    for (const [path, ms] of [...warm(local, 100), ...warm(remote, 130), ...round(local, 100), ...round(remote, 130), ...round(local, 100), ...round(remote, 130)]) {
      await settle();
      t += ms;
      path.finish();
    }
    for (let round = 0; round < 3; round++) {
      await settle();
      t += 200;
      local.finish();
      t += 60;
      remote.finish();
    }
    await probing;
    expect(router.assessContention().contended).toBe(true);

    // 10 s later the unused remote is refreshed by one frame, and a local batch starts while it runs; that
    // frame happens to take its solo time (a noisy sample that says "independent").
    t += 10_000;
    const frame = router.run([1]);
    await settle();
    expect(events.at(-1)!.decision).toMatchObject({ reason: 'probe', target: 'remote' });
    const batch = router.run([1, 2, 3, 4, 5, 6, 7, 8]);
    await settle();
    expect(events.at(-1)!.decision).toMatchObject({ reason: 'contended', target: 'local' });
    t += 130;
    remote.finish();
    await frame;
    t += 800;
    local.finish();
    await batch;
    // Before the re-probe the verdict is unchanged: the next batch stays local, whole.
    expect(router.assessContention().contended).toBe(true);
    expect(router.plan(8)).toMatchObject({ reason: 'contended', target: 'local' });
  });
});

describe('PathActivity', () => {
  it('a call queued behind another is charged from the end of that call; overlap is the share the other side worked', () => {
    const a = new PathActivity();
    const first = a.begin('local', 0);
    const second = a.begin('local', 10); // queued behind `first`
    const r = a.begin('remote', 50);
    expect(a.end(first, 100)).toEqual({ serviceMs: 100, overlap: 0.5 });
    expect(a.end(r, 150)).toEqual({ serviceMs: 100, overlap: 1 });
    expect(a.end(second, 200)).toEqual({ serviceMs: 100, overlap: 0.5 });
    expect(a.busy('local')).toBe(false);
  });
});

describe('ContentionModel', () => {
  it('recovers the slowdown of processor sharing, and de-rates overlapped samples to solo cost', () => {
    const c = new ContentionModel();
    // 100 ms of local work and 130 ms of remote work on one resource at half speed each: local ends at 200 ms,
    // remote at 230 ms, overlapped for 200 of its 230 ms.
    expect(c.observe('local', 100, 200, 1)).toBeCloseTo(100, 6);
    expect(c.observe('remote', 130, 230, 200 / 230)).toBeCloseTo(130, 6);
    expect(c.slowdown('local')).toBeCloseTo(2, 6);
    expect(c.slowdown('remote')).toBeCloseTo(2, 6);
    expect(c.assess(100, 130)).toMatchObject({ contended: true });
  });
  it('detect: false keeps measuring but never calls the paths contended', () => {
    const c = new ContentionModel({ detect: false });
    c.observe('local', 100, 200, 1);
    c.observe('remote', 130, 260, 1);
    expect(c.assess(100, 130)).toMatchObject({ contended: false, slowdown: { local: 2, remote: 2 } });
  });
  it('independent paths add up; unmeasured paths are given the benefit of the doubt', () => {
    const c = new ContentionModel();
    expect(c.assess(100, 130).contended).toBe(false);
    c.observe('local', 100, 101, 1);
    c.observe('remote', 130, 131, 1);
    const a = c.assess(100, 130);
    expect(a.contended).toBe(false);
    expect(a.gain).toBeGreaterThan(1.7);
    // By default overlapping must gain 35 %: paths that slow each other by 1.6× (1.25 together) run in turn.
    const e = new ContentionModel();
    e.observe('local', 100, 160, 1);
    e.observe('remote', 100, 160, 1);
    expect(e.assess(100, 100)).toMatchObject({ contended: true });
    expect(e.assess(100, 100).gain).toBeCloseTo(1.25, 6);
  });
  it('a call slowed by something it never overlapped does not teach a slowdown; one sample claims at most 4×', () => {
    const c = new ContentionModel();
    c.observe('local', 119, 120, 1);
    c.observe('remote', 130, 131, 1);
    // 363 ms for 119 ms of work with the other path busy 53 % of it: even stopped cold while overlapped, the
    // other 47 % at full speed would have finished it. The cause is elsewhere (a JPEG decode on the same core).
    c.observe('local', 119, 363, 0.53);
    expect(c.slowdown('local')).toBeCloseTo(1.0, 1);
    expect(c.assess(119, 130).contended).toBe(false);
    // Fully overlapped and 10× slower: counted, but as 4× (the cap), averaged with what came before.
    c.observe('local', 119, 1190, 1);
    expect(c.slowdown('local')).toBeCloseTo((1 + 4) / 2, 1);
  });

  it('a contended verdict stands while only the per-image costs move; a new slowdown sample re-judges it', () => {
    const c = new ContentionModel({ margin: 0.1 });
    c.observe('local', 10, 18, 1);
    c.observe('remote', 10, 18, 1);
    // 1.8× each way: with one path twice as dear, overlapping loses (gain 0.83).
    expect(c.judge(10, 20).contended).toBe(true);
    // A batch measured alone makes the paths look alike: the same slowdowns would now give 1.11, past the
    // margin, but nothing was overlapped to say so.
    expect(c.assess(10, 10)).toMatchObject({ contended: true });
    expect(c.assess(10, 10).gain).toBeCloseTo(2 / 1.8, 6);
    // Overlapped again, at full speed both ways: that measurement decides.
    c.observe('local', 10, 10, 1);
    c.observe('remote', 10, 10, 1);
    expect(c.assess(10, 10).contended).toBe(false);
    // A verdict of independent paths follows the costs both ways.
    const d = new ContentionModel({ margin: 0.1 });
    d.observe('local', 10, 18, 1);
    d.observe('remote', 10, 18, 1);
    expect(d.judge(10, 10).contended).toBe(false);
    expect(d.judge(10, 20).contended).toBe(true);
  });

  it('assess only reads the verdict: asking while the costs say contended records nothing', () => {
    const c = new ContentionModel({ margin: 0.1 });
    c.observe('local', 10, 18, 1);
    c.observe('remote', 10, 18, 1);
    expect(c.assess(10, 20).contended).toBe(true);
    // Nothing acted on that reading, so the costs moving back decide alone (judge would have kept it).
    expect(c.assess(10, 10).contended).toBe(false);
    expect(c.judge(10, 10).contended).toBe(false);
    expect(c.judge(10, 20).contended).toBe(true);
    expect(c.assess(10, 10).contended).toBe(true);
  });

  it('property: the verdict is contended exactly when overlapping loses to the best path by more than the margin', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 500, noNaN: true }),
        fc.double({ min: 1, max: 500, noNaN: true }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        (pl, pr, kl, kr) => {
          const c = new ContentionModel({ margin: 0.05 });
          c.observe('local', pl, pl * kl, 1);
          c.observe('remote', pr, pr * kr, 1);
          const gain = (1 / (pl * kl) + 1 / (pr * kr)) * Math.min(pl, pr);
          if (Math.abs(gain - 1.05) < 1e-6) return true;
          return c.assess(pl, pr).contended === gain < 1.05;
        },
      ),
    );
  });
});

describe('decideRoute with contended paths', () => {
  const known = (fixedMs: number, perImageMs: number) => new LatencyModel({ prior: { fixedMs, perImageMs } });
  it('queues on the cheaper path whatever is busy, never splits, and chunks by the measured fixed cost', () => {
    const input = {
      batchSize: 64,
      local: { available: true, gpu: false, busyMs: 5_000, model: known(2, 10) },
      remote: { configured: true, available: true, healthy: true, busyMs: 0, model: known(10, 12) },
    };
    expect(decideRoute(input).target).toBe('remote'); // busy local: independent paths would offload
    const unfitted = new LatencyModel();
    unfitted.observe(1, 12); // one size only: the fixed cost is not measured, so no chunking on a guess
    expect(decideRoute({ ...input, local: { ...input.local, model: unfitted }, contended: true })).toMatchObject({ target: 'local', reason: 'contended' });
    expect(decideRoute({ ...input, local: { ...input.local, model: unfitted }, contended: true, otherCalls: 1, interleave: true }).chunkSize).toBeUndefined();
    const d = decideRoute({ ...input, contended: true, otherCalls: 1, interleave: true });
    expect(decideRoute({ ...input, contended: true, interleave: true }).chunkSize).toBeUndefined(); // nothing else waiting: no chunks
    expect(decideRoute({ ...input, contended: true, otherCalls: 1, interleave: false }).chunkSize).toBeUndefined(); // interleave off: the batch runs whole
    expect(d).toMatchObject({ target: 'local', reason: 'contended', localCount: 64, remoteCount: 0, chunkSize: 20 }); // 2 ms fixed = 1 % of 20 images
  });
  it('a path predicted for a size it never ran must be >10 % cheaper than one measured at that size', () => {
    const measured = (...calls: Array<[number, number]>) => {
      const m = new LatencyModel();
      for (const [n, ms] of calls) m.observe(n, ms);
      return m;
    };
    // Local ran 16-image batches; the server only the probe's 1 and 4 images, whose line gives 1109 ms at 16.
    const local = { available: true, gpu: false, busyMs: 0, model: measured([1, 72], [16, 1186]) };
    const remote = { configured: true, available: true, healthy: true, busyMs: 0, model: measured([1, 74], [4, 281]) };
    expect(remote.model.predict(16)).toBeCloseTo(1109, 0);
    for (const contended of [true, false]) {
      const input = { batchSize: 16, local, remote, contended };
      const opts = { allowSplit: false };
      expect(decideRoute(input, opts)).toMatchObject({ target: 'local', expectedRemoteMs: remote.model.predict(16) });
      // Clearly cheaper (904 ms): taken on the extrapolation.
      expect(decideRoute({ ...input, remote: { ...remote, model: measured([1, 74], [4, 240]) } }, opts).target).toBe('remote');
      // Once measured at that size, the plain comparison decides (1150 < 1186).
      expect(decideRoute({ ...input, remote: { ...remote, model: measured([1, 74], [4, 281], [16, 1150]) } }, opts).target).toBe('remote');
      // Frames: both measured at 1 image, so the cheaper one wins by any margin.
      expect(decideRoute({ ...input, batchSize: 1, local: { ...local, model: measured([1, 75]) }, remote: { ...remote, model: measured([1, 74]) } }, opts).target).toBe('remote');
    }
  });
  it('forced modes and health still come first', () => {
    const input = {
      batchSize: 4,
      local: { available: true, gpu: false, busyMs: 0, model: known(0, 10) },
      remote: { configured: true, available: true, healthy: false, busyMs: 0, model: known(0, 1) },
      contended: true,
    };
    expect(decideRoute(input).reason).toBe('remote-unhealthy');
    expect(decideRoute({ ...input, remote: { ...input.remote, healthy: true } }, { mode: 'remote' }).reason).toBe('forced-remote');
  });
});
