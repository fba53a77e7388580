// Shared by the mixed-workload benches (hybrid-routing here, device/hybrid-gpu on a GPU machine): run order,
// per-strategy accumulators fed by onRoute, and the result rows scored against the best fixed strategy.
import { quantile, r3, summarize } from './harness.mjs';

/**
 * Run orders that balance carry-over (a Williams design): over one full cycle of rows every strategy runs in
 * every position once and right after every other strategy equally often (n rows for an even n, 2n for an odd
 * one). What runs just before matters here — a server still winding down, a GPU context just switched — and
 * the seeded shuffle this replaces put always-remote last in every round of the 4-strategy GPU bench (its
 * first draw was nearly constant for nearby seeds), so whatever ran first always followed it.
 */
export function balancedOrders(n) {
  const first = [0];
  for (let lo = 1, hi = n - 1; first.length < n; lo++, hi--) {
    first.push(lo);
    if (first.length < n) first.push(hi);
  }
  const rows = Array.from({ length: n }, (_, i) => first.map((x) => (x + i) % n));
  return n % 2 ? [...rows, ...rows.map((r) => [...r].reverse())] : rows;
}

/**
 * Every (round, mix, strategy) run, in order: all mixes each round, the strategies in the next row of the
 * balanced orders (offset per mix), so a number of rounds that is a multiple of the rows balances fully.
 */
export function* schedule(rounds, mixes, names) {
  const mixNames = Object.keys(mixes);
  const orders = balancedOrders(names.length);
  for (let round = 0; round < rounds; round++) {
    for (const [k, mixName] of mixNames.entries()) {
      for (const i of orders[(round + k) % orders.length]) yield { round, mixName, mix: mixes[mixName], name: names[i] };
    }
  }
}

/** The fixed strategies every run needs: `vs_best_fixed` divides by the better of the two. */
const BASELINES = ['always-local', 'always-remote'];

/**
 * The strategies a run uses, in `all`'s order: those named in `requested` ('|'-separated, since names contain
 * commas) plus the two baselines, else all but the opt-in `diagnostics`. An unknown name throws before any
 * run (on the GPU a typo would cost device time and end in a crash while scoring).
 */
export function selectStrategies(all, requested, diagnostics) {
  const want = requested?.split('|');
  const unknown = want?.filter((k) => !(k in all)) ?? [];
  if (unknown.length) throw new Error(`unknown strategy ${unknown.map((k) => `'${k}'`).join(', ')}; known: ${Object.keys(all).join(' | ')}`);
  return Object.keys(all).filter((k) => (want ? want.includes(k) || BASELINES.includes(k) : !diagnostics.includes(k)));
}

export function newAccumulator() {
  return { ips: [], frameLat: [], batchLat: [], reasons: {}, fallbacks: {}, gain: [], paths: { local: 0, remote: 0 }, estimates: [] };
}

/** onRoute handler counting reasons, and items recomputed on the other path by error code, while `counting()`. */
export function routeCounter(acc, counting) {
  return (e) => {
    if (!counting()) return;
    acc.reasons[e.decision.reason] = (acc.reasons[e.decision.reason] ?? 0) + 1;
    // A path that fails must show, not hide behind the fallback.
    if (e.fallback) {
      const k = `${e.fallback.from}→${e.fallback.to} ${e.fallback.code}`;
      acc.fallbacks[k] = (acc.fallbacks[k] ?? 0) + e.fallback.items;
    }
  };
}

/**
 * The policy's route per call, for --trace / TRACE=1: l/r/s = local/remote/split, * = exploration,
 * c = contention probe; batches with their predicted ms per path and the contention gain (g). `summary()` adds the
 * cost models. `router()`: the router of the run in progress (undefined until it exists).
 */
export function routeTrace(counting, router) {
  const parts = [];
  const gainOf = () => {
    const g = router()?.assessContention().gain;
    return g === undefined ? '?' : Math.round(g * 100) / 100;
  };
  return {
    onRoute(e) {
      if (!counting()) return;
      const d = e.decision;
      const tag = d.target[0] + (d.reason === 'probe' ? '*' : d.reason === 'contention-probe' ? 'c' : '');
      parts.push(e.batchSize > 1 ? ` [${e.batchSize}:${tag} L${Math.round(d.expectedLocalMs)}/R${Math.round(d.expectedRemoteMs)} g${gainOf()}${e.fallback ? ' fb' : ''}] ` : tag);
    },
    summary() {
      const r = router();
      const m = (x) => [1, 4, 16, 64].map((n) => Math.round(x.predict(n))).join('/');
      return `${parts.join('')} | after: local ${m(r.localModel)} remote ${m(r.remoteModel)} ms for 1/4/16/64, gain ${Math.round(r.assessContention().gain * 1000) / 1000}`;
    },
  };
}

const list = (o) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ');
const median = (xs) => summarize(xs).median;

/**
 * One row per (mix, strategy): median images/s, latency tails, and `vs_best_fixed` = median images/s ÷ the
 * better of always-local and always-remote (with the same ratio per round: min / median / max).
 */
export function mixRows(results, names, extra = () => ({})) {
  const rows = [];
  for (const [mixName, by] of Object.entries(results)) {
    const bestFixed = Math.max(median(by['always-local'].ips), median(by['always-remote'].ips));
    for (const name of names) {
      const a = by[name];
      const pr = summarize(a.ips.map((x, i) => x / Math.max(by['always-local'].ips[i], by['always-remote'].ips[i])));
      rows.push({
        case: `${mixName} · ${name}`,
        images_per_s: r3(median(a.ips)),
        images_per_s_range: `${r3(Math.min(...a.ips))}–${r3(Math.max(...a.ips))}`,
        frame_p95_ms: a.frameLat.length ? r3(summarize(a.frameLat).p95) : '',
        frame_p99_ms: a.frameLat.length ? r3(quantile([...a.frameLat].sort((x, y) => x - y), 0.99)) : '',
        batch_p95_ms: a.batchLat.length ? r3(summarize(a.batchLat).p95) : '',
        vs_best_fixed: r3(median(a.ips) / bestFixed),
        vs_best_fixed_rounds: `${r3(pr.min)} / ${r3(pr.median)} / ${r3(pr.max)}`,
        ...extra(a),
        fallbacks: list(a.fallbacks),
        routes: list(a.reasons),
        overlap_gain: a.gain.length ? r3(median(a.gain)) : '',
        rounds: a.ips.length,
      });
    }
  }
  return rows;
}
