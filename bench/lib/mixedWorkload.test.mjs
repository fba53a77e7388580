// The mixed-workload benches' run order: a comparison of strategies is only fair if none always runs right
// after the same neighbour (a server winding down, a GPU context just switched) or in the same position.
import { describe, expect, it } from 'vitest';
import { balancedOrders, schedule, selectStrategies } from './mixedWorkload.mjs';

describe('balancedOrders', () => {
  it('over one cycle: each strategy once per position and right after every other one equally often', () => {
    for (let n = 2; n <= 8; n++) {
      const rows = balancedOrders(n);
      expect(rows.length).toBe(n % 2 ? 2 * n : n);
      const perPosition = Array.from({ length: n }, () => new Map());
      const follows = new Map();
      for (const row of rows) {
        expect([...row].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
        row.forEach((x, i) => perPosition[i].set(x, (perPosition[i].get(x) ?? 0) + 1));
        for (let i = 1; i < n; i++) follows.set(`${row[i - 1]}>${row[i]}`, (follows.get(`${row[i - 1]}>${row[i]}`) ?? 0) + 1);
      }
      for (const m of perPosition) expect(new Set(m.values())).toEqual(new Set([rows.length / n]));
      expect(follows.size).toBe(n * (n - 1));
      expect(new Set(follows.values())).toEqual(new Set([rows.length / n]));
    }
  });

  it('schedule walks the rows round by round, offset per mix', () => {
    const names = ['always-local', 'always-remote', 'policy', 'A/A'];
    const runs = [...schedule(4, { a: {}, b: {} }, names)];
    expect(runs).toHaveLength(32);
    const last = runs.filter((r) => r.mixName === 'a').filter((_, i) => i % 4 === 3).map((r) => r.name);
    expect(new Set(last).size).toBe(4);
    expect(runs.slice(0, 4).map((r) => r.name)).toEqual(balancedOrders(4)[0].map((i) => names[i]));
    expect(runs.slice(4, 8).map((r) => r.name)).toEqual(balancedOrders(4)[1].map((i) => names[i]));
  });
});

describe('selectStrategies', () => {
  const all = { 'always-local': 0, 'always-remote': 0, policy: 0, 'probe, then always-local': 0 };
  it('by default every strategy but the diagnostics; when named, those (names with commas) and both baselines, in order', () => {
    expect(selectStrategies(all, undefined, ['probe, then always-local'])).toEqual(['always-local', 'always-remote', 'policy']);
    expect(selectStrategies(all, 'probe, then always-local|always-local', ['probe, then always-local'])).toEqual(['always-local', 'always-remote', 'probe, then always-local']);
    expect(selectStrategies(all, 'policy', [])).toEqual(['always-local', 'always-remote', 'policy']);
  });
  it('an unknown name throws before anything runs, naming the known ones', () => {
    expect(() => selectStrategies(all, 'policy|polcy', [])).toThrow(/unknown strategy 'polcy'; known: always-local \| always-remote/);
  });
});
