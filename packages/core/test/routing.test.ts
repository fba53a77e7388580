import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CircuitBreaker,
  HybridRouter,
  LatencyModel,
  SightlineError,
  decideRoute,
  type PathRunner,
  type RouteEvent,
} from '../src/index.js';

const model = (fixedMs: number, perImageMs: number) => {
  const m = new LatencyModel({ prior: { fixedMs, perImageMs } });
  return m;
};

describe('LatencyModel', () => {
  it('recovers fixed and per-image cost from calls of different sizes', () => {
    const m = new LatencyModel({ alpha: 0.1 });
    for (let i = 0; i < 40; i++) for (const n of [1, 4, 16, 64]) m.observe(n, 12 + 3.5 * n);
    expect(m.estimate.fixedMs).toBeCloseTo(12, 3);
    expect(m.estimate.perImageMs).toBeCloseTo(3.5, 3);
    expect(m.predict(10)).toBeCloseTo(47, 2);
  });
  it('with one batch size keeps the prior fixed part and attributes the rest per image', () => {
    const m = new LatencyModel({ prior: { fixedMs: 5 } });
    expect(m.known).toBe(false);
    m.observe(1, 25);
    expect(m.known).toBe(true);
    expect(m.estimate.perImageMs).toBeCloseTo(20, 6);
    expect(m.predict(1)).toBeCloseTo(25, 6);
  });
  it('tracks a path that slows down', () => {
    const m = new LatencyModel({ alpha: 0.3 });
    for (let i = 0; i < 20; i++) m.observe(1, 10);
    for (let i = 0; i < 20; i++) m.observe(1, 50);
    expect(m.predict(1)).toBeGreaterThan(45);
  });
  it('a stream of frames does not erase what a batch costs (each size class forgets only with its own calls)', () => {
    const m = new LatencyModel();
    for (let i = 0; i < 2; i++) m.observe(64, 1000);
    m.observe(4, 80);
    for (let i = 0; i < 300; i++) m.observe(1, 21 + (i % 3) - 1);
    expect(m.predict(1)).toBeCloseTo(21, -0.5);
    expect(m.predict(64) / 1000).toBeGreaterThan(0.9);
    expect(m.predict(64) / 1000).toBeLessThan(1.1);
    // A size class that gets slower is tracked by its own calls.
    for (let i = 0; i < 10; i++) m.observe(64, 2000);
    expect(m.predict(64)).toBeGreaterThan(1600);
  });
  it('a lone spike moves an established estimate by at most alpha × its mean; a real slowdown still gets through', () => {
    const m = new LatencyModel();
    for (let i = 0; i < 20; i++) m.observe(1, 17);
    m.observe(1, 120); // a GC pause or a stalled socket: ~7× the usual
    expect(m.predict(1)).toBeLessThan(17 * 1.21); // the newest sample weighs a little over alpha after 20 calls
    for (let i = 0; i < 20; i++) m.observe(1, 17);
    for (let i = 0; i < 15; i++) m.observe(1, 60); // the path really got 3.5× slower
    expect(m.predict(1)).toBeGreaterThan(55);
  });
  it('ignores nonsense samples', () => {
    const m = new LatencyModel();
    m.observe(0, 5);
    m.observe(2, Number.NaN);
    m.observe(2, -1);
    expect(m.known).toBe(false);
  });
});

describe('CircuitBreaker', () => {
  it('opens after the threshold, half-opens after the cool-down, closes on a probe success', () => {
    let t = 0;
    const b = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 100, now: () => t });
    b.onFailure();
    expect(b.state).toBe('closed');
    b.onFailure();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    t = 100;
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false); // one probe at a time
    b.onSuccess();
    expect(b.state).toBe('closed');
  });
  it('a failed probe re-opens with a longer cool-down', () => {
    let t = 0;
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 100, maxCooldownMs: 1000, now: () => t });
    b.onFailure();
    t = 100;
    expect(b.tryAcquire()).toBe(true);
    b.onFailure();
    expect(b.state).toBe('open');
    t = 250;
    expect(b.state).toBe('open'); // cool-down doubled to 200
    t = 300;
    expect(b.state).toBe('half-open');
  });
  it('property: never lets traffic through while open', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ dt: fc.integer({ min: 0, max: 300 }), ok: fc.boolean() }), { maxLength: 60 }), (steps) => {
        let t = 0;
        const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 200, now: () => t });
        for (const s of steps) {
          t += s.dt;
          const stateBefore = b.state;
          const got = b.tryAcquire();
          if (stateBefore === 'open' && got) return false;
          if (stateBefore === 'closed' && !got) return false;
          if (got) (s.ok ? b.onSuccess() : b.onFailure());
        }
        return true;
      }),
    );
  });
});

describe('decideRoute', () => {
  const local = (fixed: number, per: number, extra: Partial<{ available: boolean; gpu: boolean; busyMs: number }> = {}) => ({
    available: true,
    gpu: true,
    busyMs: 0,
    model: model(fixed, per),
    ...extra,
  });
  const remote = (fixed: number, per: number, extra: Partial<{ available: boolean; healthy: boolean; busyMs: number }> = {}) => ({
    configured: true,
    available: true,
    healthy: true,
    busyMs: 0,
    model: model(fixed, per),
    ...extra,
  });

  it('routes small batches locally and heavy batches remotely, with the crossover from the cost models', () => {
    const l = local(2, 20);
    const r = remote(60, 2);
    const d1 = decideRoute({ batchSize: 1, local: l, remote: r }, { allowSplit: false });
    expect(d1).toMatchObject({ target: 'local', reason: 'cost-model' });
    const d64 = decideRoute({ batchSize: 64, local: l, remote: r }, { allowSplit: false });
    expect(d64).toMatchObject({ target: 'remote', reason: 'cost-model', remoteCount: 64 });
    expect(d64.threshold).toBe(4); // 2+20n > 60+2n ⇔ n > 3.2
  });
  it('falls back when a path is missing or unhealthy, and says why', () => {
    expect(decideRoute({ batchSize: 64, local: local(1, 1), remote: null }).reason).toBe('remote-not-configured');
    expect(decideRoute({ batchSize: 64, local: local(1, 100), remote: remote(1, 1, { healthy: false }) })).toMatchObject({ target: 'local', reason: 'remote-unhealthy' });
    expect(decideRoute({ batchSize: 1, local: local(1, 1, { available: false }), remote: remote(100, 100) })).toMatchObject({ target: 'remote', reason: 'local-unavailable' });
  });
  it('sends work remote when there is no local GPU and nothing is measured yet', () => {
    const unknown = () => ({ configured: true, available: true, healthy: true, busyMs: 0, model: new LatencyModel() });
    const d = decideRoute({ batchSize: 1, local: { available: true, gpu: false, busyMs: 0, model: new LatencyModel() }, remote: unknown() });
    expect(d).toMatchObject({ target: 'remote', reason: 'no-webgpu' });
  });
  it('probes an unmeasured path with a cheap call so the cost model can take over', () => {
    const lUnknown = { available: true, gpu: false, busyMs: 0, model: new LatencyModel() };
    expect(decideRoute({ batchSize: 1, local: lUnknown, remote: remote(5, 5) })).toMatchObject({ target: 'local', reason: 'probe' });
    expect(decideRoute({ batchSize: 16, local: lUnknown, remote: remote(5, 5) })).toMatchObject({ target: 'remote', reason: 'cost-model' });
    const rUnknown = { configured: true, available: true, healthy: true, busyMs: 0, model: new LatencyModel() };
    expect(decideRoute({ batchSize: 16, local: local(1, 1), remote: rUnknown })).toMatchObject({ target: 'remote', reason: 'probe' });
    expect(decideRoute({ batchSize: 1, local: local(1, 1), remote: rUnknown })).toMatchObject({ target: 'local', reason: 'cost-model' });
  });
  it('honours an explicit threshold and forced modes', () => {
    const args = { local: local(1, 1), remote: remote(1, 1) };
    expect(decideRoute({ batchSize: 7, ...args }, { batchThreshold: 8 }).target).toBe('local');
    expect(decideRoute({ batchSize: 8, ...args }, { batchThreshold: 8 }).target).toBe('remote');
    expect(decideRoute({ batchSize: 100, ...args }, { mode: 'local' }).reason).toBe('forced-local');
    expect(decideRoute({ batchSize: 1, ...args }, { mode: 'remote' }).reason).toBe('forced-remote');
  });
  it('splits a batch so both paths finish together when that is clearly faster', () => {
    const d = decideRoute({ batchSize: 64, local: local(0, 10), remote: remote(0, 10) });
    expect(d.target).toBe('split');
    expect(d.localCount + d.remoteCount).toBe(64);
    expect(Math.abs(d.localCount - d.remoteCount)).toBeLessThanOrEqual(1);
  });
  it('property: counts always add up, and never exceed the batch; unavailable paths get nothing', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 256 }),
        fc.record({ lf: fc.double({ min: 0, max: 200, noNaN: true }), lp: fc.double({ min: 0, max: 200, noNaN: true }), rf: fc.double({ min: 0, max: 200, noNaN: true }), rp: fc.double({ min: 0, max: 200, noNaN: true }) }),
        fc.record({ la: fc.boolean(), ra: fc.boolean(), rh: fc.boolean(), lb: fc.double({ min: 0, max: 1000, noNaN: true }), rb: fc.double({ min: 0, max: 1000, noNaN: true }) }),
        (n, c, s) => {
          const d = decideRoute({ batchSize: n, local: local(c.lf, c.lp, { available: s.la, busyMs: s.lb }), remote: remote(c.rf, c.rp, { available: s.ra, healthy: s.rh, busyMs: s.rb }) });
          if (d.localCount + d.remoteCount !== n || d.localCount < 0 || d.remoteCount < 0) return false;
          const remoteOk = s.ra && s.rh;
          if (!remoteOk && s.la && d.remoteCount > 0) return false;
          if (!s.la && remoteOk && d.localCount > 0) return false;
          return true;
        },
      ),
    );
  });
  it('property: with idle paths the chosen plan is never predicted slower than either fixed choice', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 128 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        (n, lf, lp, rf, rp) => {
          const d = decideRoute({ batchSize: n, local: local(lf, lp), remote: remote(rf, rp) });
          const cost = (k: number) => Math.max(k < n ? lf + lp * (n - k) : 0, k > 0 ? rf + rp * k : 0);
          const chosen = cost(d.remoteCount);
          return chosen <= Math.min(cost(0), cost(n)) + 1e-9;
        },
      ),
    );
  });
});

/** A real (in-process) path whose behaviour per call is scripted by the test. */
class ScriptedPath implements PathRunner<number, string> {
  calls: number[][] = [];
  up = true;
  constructor(
    readonly backend: string,
    private readonly behave: (items: readonly number[]) => Array<string | Error> | Error,
    readonly gpu = false,
  ) {}
  available() {
    return this.up;
  }
  async run(items: readonly number[]) {
    this.calls.push([...items]);
    await new Promise((r) => setTimeout(r, 0));
    const r = this.behave(items);
    if (r instanceof Error) throw r;
    return r;
  }
}

describe('HybridRouter', () => {
  it('recomputes locally every item the remote path failed, once, in order, and reports the fallback', async () => {
    const remote = new ScriptedPath('triton-http', () => new SightlineError('E_REMOTE_NETWORK', 'connection refused'));
    const local = new ScriptedPath('wasm', (items) => items.map((i) => `L${i}`));
    const events: RouteEvent[] = [];
    const router = new HybridRouter({ local, remote, policy: { mode: 'remote' }, onRoute: (e) => events.push(e) });
    const out = await router.run([0, 1, 2, 3]);
    expect(out.map((o) => (o.ok ? o.value : 'ERR'))).toEqual(['L0', 'L1', 'L2', 'L3']);
    expect(out.every((o) => o.path === 'local' && o.attempts === 2)).toBe(true);
    expect(events.some((e) => e.fallback?.from === 'remote' && e.fallback.code === 'E_REMOTE_NETWORK')).toBe(true);
  });
  it('does not retry items that are themselves bad', async () => {
    const remote = new ScriptedPath('triton-http', (items) => items.map((i) => (i === 2 ? new SightlineError('E_IMAGE_DECODE', 'truncated jpeg') : `R${i}`)));
    const local = new ScriptedPath('wasm', (items) => items.map((i) => `L${i}`));
    const router = new HybridRouter({ local, remote, policy: { mode: 'remote' } });
    const out = await router.run([0, 1, 2]);
    expect(out[2]).toMatchObject({ ok: false, path: 'remote' });
    expect(!out[2].ok && out[2].error.code).toBe('E_IMAGE_DECODE');
    expect(local.calls).toEqual([]);
  });
  it('property: exactly one outcome per item, in order, under any failure pattern', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.func(fc.constantFrom('ok', 'path', 'item', 'throw')),
        fc.func(fc.constantFrom('ok', 'path', 'item', 'throw')),
        fc.constantFrom<'auto' | 'local' | 'remote'>('auto', 'local', 'remote'),
        async (n, lf, rf, mode) => {
          const mk = (name: string, f: (i: number) => string) =>
            new ScriptedPath(name, (items) => {
              if (items.length && f(items[0] * 1000 + items.length) === 'throw') return new SightlineError('E_REMOTE_HTTP', 'boom');
              return items.map((i) => {
                const k = f(i);
                return k === 'path' ? new SightlineError('E_INFERENCE', 'x') : k === 'item' ? new SightlineError('E_IMAGE_DECODE', 'bad') : `${name}:${i}`;
              });
            });
          const local = mk('local', lf);
          const remote = mk('remote', rf);
          const router = new HybridRouter({ local, remote, policy: { mode }, breaker: { failureThreshold: 1000 } });
          const items = Array.from({ length: n }, (_, i) => i);
          const out = await router.run(items);
          if (out.length !== n) return false;
          for (let i = 0; i < n; i++) {
            const o = out[i];
            if (o.ok && !o.value.endsWith(`:${i}`)) return false;
          }
          // No item was ever computed more than twice (original + one fallback hop).
          const seen = new Map<number, number>();
          for (const c of [...local.calls, ...remote.calls]) for (const i of c) seen.set(i, (seen.get(i) ?? 0) + 1);
          return [...seen.values()].every((v) => v <= 2);
        },
      ),
      { numRuns: 200 },
    );
  });
  it('opens the breaker after repeated remote failures and stops sending traffic there', async () => {
    const remote = new ScriptedPath('triton-http', () => new SightlineError('E_REMOTE_UNAVAILABLE', '503'));
    const local = new ScriptedPath('wasm', (items) => items.map((i) => `L${i}`));
    const router = new HybridRouter({ local, remote, policy: { mode: 'remote' }, breaker: { failureThreshold: 2, cooldownMs: 60_000 } });
    await router.run([1]);
    await router.run([2]);
    expect(router.breakerState).toBe('open');
    const callsBefore = remote.calls.length;
    const out = await router.run([3]);
    expect(out[0]).toMatchObject({ ok: true, value: 'L3' });
    expect(remote.calls.length).toBe(callsBefore);
  });
  it('probe() seeds both cost models and ignores a path that fails', async () => {
    const local = new ScriptedPath('wasm', (items) => items.map((i) => `L${i}`));
    const broken = new ScriptedPath('triton-http', () => new SightlineError('E_REMOTE_NETWORK', 'refused'));
    const router = new HybridRouter<number, string>({ local, remote: broken });
    const ms = await router.probe([0]);
    expect(ms.local).toBeGreaterThanOrEqual(0);
    expect(ms.remote).toBeUndefined();
    expect(router.localModel.known).toBe(true);
    expect(router.remoteModel.known).toBe(false);
    expect(local.calls).toHaveLength(8); // warm-up (1 + 4 images), two solo rounds (untimed, timed, timed batch); no concurrent rounds without a working remote
  });
  it('stops splitting batches when the two paths slow each other down (one shared CPU)', async () => {
    let running = 0;
    const sharedCpu = (name: string) =>
      new (class implements PathRunner<number, string> {
        readonly backend = name;
        available() {
          return true;
        }
        async run(items: readonly number[]) {
          running++;
          // 3 ms per item alone; twice as slow while the other path is also busy.
          for (let i = 0; i < items.length; i++) await new Promise((r) => setTimeout(r, running > 1 ? 6 : 3));
          running--;
          return items.map((i) => `${name}:${i}`);
        }
      })();
    const router = new HybridRouter<number, string>({
      local: sharedCpu('local'),
      remote: sharedCpu('remote'),
      localPrior: { fixedMs: 0, perImageMs: 3 },
      remotePrior: { fixedMs: 0, perImageMs: 3 },
    });
    const batch = Array.from({ length: 16 }, (_, i) => i);
    expect(router.plan(16).target).toBe('split');
    await router.run(batch);
    await router.run(batch);
    expect(router.plan(16).target).not.toBe('split');
    const out = await router.run(batch);
    expect(out.every((o, i) => o.ok && o.value.endsWith(`:${i}`))).toBe(true);
  });
  it('learns per-path costs from real timings', async () => {
    const local = new ScriptedPath('wasm', (items) => items.map((i) => `L${i}`));
    const router = new HybridRouter<number, string>({ local });
    await router.run([1, 2, 3]);
    expect(router.localModel.known).toBe(true);
    expect(router.localModel.estimate.samples).toBe(1);
  });
});
