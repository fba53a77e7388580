// What the seeded fuzzers share: their command line `[cases] [seed=1] [only=<case index>]`, one random stream
// per (seed, case) so any case can be replayed alone, and the range of case indices a run covers.

/** `node <fuzzer> [cases=defaultCases] [seed=1] [only]`: `only` runs that one case index alone. */
export function fuzzArgs(defaultCases, argv = process.argv) {
  return {
    cases: Number(argv[2] ?? defaultCases),
    seed: Number(argv[3] ?? 1),
    only: argv[4] !== undefined ? Number(argv[4]) : undefined,
  };
}

/** mulberry32, seeded from (seed, case index): case i draws the same values whatever ran before it. */
export function rngFor(seed, i) {
  let a = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul((i + 1) | 0, 0x85ebca6b)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The case indices of a run, [first, end): all `cases`, or just `only`. */
export function caseRange({ cases, only }) {
  return only !== undefined ? { first: only, end: only + 1 } : { first: 0, end: cases };
}

/** Seconds since `t0` (a performance.now() value), as the fuzzers print them. */
export function secondsSince(t0) {
  return ((performance.now() - t0) / 1000).toFixed(1);
}
