// `npm run fuzz`: builds the packages, then runs every bench/fuzz/*.fuzz.mjs in its own process with its
// default case count and seed. `npm run fuzz -- <filter>` runs a subset; exits non-zero if any fuzzer fails.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fuzzDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(dirname(fuzzDir));
const filter = process.argv[2];
const build = spawnSync('npx', ['tsc', '-b'], { cwd: repoRoot, stdio: 'inherit' });
if (build.status !== 0) console.warn(`[fuzz] tsc -b exited ${build.status}; fuzzing whatever dist/ was emitted`);
const fuzzers = readdirSync(fuzzDir).filter((f) => f.endsWith('.fuzz.mjs') && (!filter || f.includes(filter))).sort();
const failed = [];
for (const f of fuzzers) {
  console.log(`\n=== ${f}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(fuzzDir, f)], { cwd: repoRoot, stdio: 'inherit' });
  console.log(`=== ${f}: exit ${r.status ?? r.signal} after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (r.status !== 0) failed.push(f);
}
if (failed.length) console.error(`\nfuzz FAILED: ${failed.join(', ')}`);
else console.log(`\nfuzz: all ${fuzzers.length} fuzzers passed`);
process.exit(failed.length ? 1 : 0);
