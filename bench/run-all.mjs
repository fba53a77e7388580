// `npm run bench`: builds the packages, runs every bench/*.bench.mjs in its own process (a quiet
// process per benchmark), then regenerates docs/benchmarks.md. `npm run bench -- <filter>` runs a subset.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { benchDir, repoRoot } from './lib/harness.mjs';

const filter = process.argv[2];
const build = spawnSync('npx', ['tsc', '-b'], { cwd: repoRoot, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const benches = readdirSync(benchDir).filter((f) => f.endsWith('.bench.mjs') && (!filter || f.includes(filter))).sort();
let failed = 0;
for (const b of benches) {
  console.log(`\n=== ${b}`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(benchDir, b)], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) { failed++; console.error(`bench ${b} failed (exit ${r.status})`); }
}
spawnSync(process.execPath, [join(benchDir, 'write-markdown.mjs')], { cwd: repoRoot, stdio: 'inherit' });
process.exit(failed ? 1 : 0);
