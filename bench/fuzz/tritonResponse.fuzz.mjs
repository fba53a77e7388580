// Fuzzes the KServe v2 response parser of @sightline/triton (built dist/): ≥ 100,000 seeded cases of valid
// and hostile bodies. Every case must either parse into outputs whose data matches their shapes, or throw
// a SightlineError. Anything else (TypeError, RangeError, OOB, a mismatch) exits non-zero.
// Usage: node bench/fuzz/tritonResponse.fuzz.mjs [cases=100000] [seed=1]   (build first: npx tsc -b packages/triton)
import { isSightlineError } from '../../packages/core/dist/index.js';
import { parseInferResponse } from '../../packages/triton/dist/index.js';
import { fuzzCase } from './tritonResponseCases.mjs';

const cases = Number(process.argv[2] ?? 100_000);
const seed = Number(process.argv[3] ?? 1);
const codes = {};
let parsed = 0;
const t0 = performance.now();
for (let i = 0; i < cases; i++) {
  const { body, headerLength } = fuzzCase(seed, i);
  try {
    const r = parseInferResponse(body, headerLength, { maxResponseBytes: 1 << 20 });
    for (const o of r.outputs) {
      const n = o.shape.reduce((a, b) => a * b, 1);
      if (o.data.length !== n) throw new Error(`case ${i}: output ${o.name} has ${o.data.length} elements for shape ${o.shape}`);
    }
    parsed++;
  } catch (e) {
    if (!isSightlineError(e)) {
      console.error(`FAIL seed=${seed} case=${i}: ${e?.stack ?? e}`);
      process.exit(1);
    }
    codes[e.code] = (codes[e.code] ?? 0) + 1;
  }
}
console.log(`tritonResponse fuzz: ${cases} cases (seed ${seed}) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${parsed} parsed, rejected ${JSON.stringify(codes)}`);
