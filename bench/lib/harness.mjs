// Shared benchmark plumbing: timing with warm-up, medians/percentiles, and the results file format
// { bench, date, machine, rows: [ { case, ours_ms, baseline_ms, ratio, ... } ] }.
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = dirname(dirname(fileURLToPath(import.meta.url)));
export const repoRoot = dirname(benchDir);

export function machine() {
  const c = cpus();
  return `${c.length}× ${c[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}

/** Time fn() `runs` times after `warmup` calls; returns sorted samples in ms and summary stats. */
export function timeSync(fn, { runs = 50, warmup = 10 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const s = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    s[i] = performance.now() - t0;
  }
  return summarize(Array.from(s));
}

export async function timeAsync(fn, { runs = 50, warmup = 10 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const s = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    s.push(performance.now() - t0);
  }
  return summarize(s);
}

export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p95: quantile(sorted, 0.95), min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

export const r3 = (x) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x);

/** Interleave ours/baseline measurement so both see the same machine state, then report medians. */
export function compareSync(ours, baseline, opts = {}) {
  const { runs = 50, warmup = 10 } = opts;
  for (let i = 0; i < warmup; i++) { ours(); baseline(); }
  const a = [], b = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now(); ours(); a.push(performance.now() - t);
    t = performance.now(); baseline(); b.push(performance.now() - t);
  }
  const o = summarize(a), bl = summarize(b);
  return { ours_ms: r3(o.median), baseline_ms: r3(bl.median), ratio: r3(bl.median / o.median), ours_p90_ms: r3(o.p90), baseline_p90_ms: r3(bl.p90) };
}

export function writeResult(name, rows, extra = {}) {
  const out = { bench: name, date: new Date().toISOString(), machine: machine(), ...extra, rows };
  mkdirSync(join(benchDir, 'results'), { recursive: true });
  const file = join(benchDir, 'results', `${name}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${file}`);
  return out;
}
