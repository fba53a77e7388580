// `npm test`: installs what the tests drive for real (Chromium, nginx, the Triton binary and Python tools),
// builds every package, then runs the unit, Triton-integration and browser suites. Fails fast with a
// readable message, prints how long each phase took, and ends with one "N passed, N failed" line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from './lib/env.mjs';

const ci = process.env.CI === 'true' || process.env.CI === '1';
const only = process.argv.slice(2); // e.g. `npm test -- unit triton`
const reportDir = join(repoRoot, '.cache', 'test-reports');
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });

const started = Date.now();
const phases = [];
const totals = { passed: 0, failed: 0, skipped: 0 };

function fail(msg) {
  console.error(`\n✖ npm test stopped: ${msg}`);
  summary();
  console.log(`${totals.passed} passed, ${Math.max(1, totals.failed)} failed`);
  process.exit(1);
}
function summary() {
  console.log('\nphase timings:');
  for (const p of phases) console.log(`  ${p.name.padEnd(22)} ${(p.ms / 1000).toFixed(1).padStart(7)} s  ${p.ok ? 'ok' : 'FAILED'}`);
  console.log(`  ${'total'.padEnd(22)} ${((Date.now() - started) / 1000).toFixed(1).padStart(7)} s`);
}
function phase(name, cmd, args, { timeoutMin = 30, env = {} } = {}) {
  console.log(`\n━━ ${name}: ${cmd} ${args.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ...env }, timeout: timeoutMin * 60_000, killSignal: 'SIGKILL' });
  const ok = r.status === 0;
  phases.push({ name, ms: Date.now() - t0, ok });
  if (r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGKILL') fail(`${name} exceeded its ${timeoutMin}-minute budget`);
  return ok;
}
function vitestPhase(project, timeoutMin) {
  const out = join(reportDir, `${project}.json`);
  const ok = phase(`tests: ${project}`, 'npx', ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`], { timeoutMin });
  if (existsSync(out)) {
    const j = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += j.numPassedTests ?? 0;
    // A suite that fails in beforeAll reports its tests as skipped: count the suite itself as a failure.
    totals.failed += (j.numFailedTests ?? 0) + (j.numFailedTestSuites ?? 0);
    totals.skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
    if ((j.numTotalTests ?? 0) === 0) fail(`the ${project} suite ran no test`);
  } else if (!ok) {
    fail(`the ${project} suite crashed before reporting`);
  }
  return ok;
}

// 0. Preconditions that would make every later failure confusing.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) fail(`Node ${process.versions.node} is too old; Vite 8 needs >= 20.19`);
const shared = process.env.SIGHTLINE_SHARED ? resolve(process.env.SIGHTLINE_SHARED) : resolve(repoRoot, '..', 'shared');
if (!existsSync(join(shared, 'models', 'yolov8n.onnx'))) {
  if (ci) fail(`../shared (real models, images, references) is missing at ${shared}; CI must provide it`);
  console.warn(`⚠ ${shared} not found: tests that need real models will be SKIPPED (they fail in CI)`);
}
if (!existsSync(join(repoRoot, 'node_modules', '.bin', 'vitest'))) {
  phase('npm install', 'npm', ['install', '--no-audit', '--no-fund'], { timeoutMin: 10 }) || fail('npm install failed');
}

const want = (p) => only.length === 0 || only.includes(p);
// 1. Real tools: Chromium, nginx, Python venv with tritonserver + pycocotools.
if (want('triton') || want('e2e') || want('unit')) {
  phase('setup: system', process.execPath, ['scripts/setup-system.mjs'], { timeoutMin: 10 }) || fail('could not install chromium/nginx/python3-venv (apt-get)');
  // setup-triton = setup-python (venv: nvidia-pytriton's tritonserver, onnxruntime, tritonclient, pycocotools)
  // + libpython for the python-backend stub + the .venv/triton-runtime tree the server runs from.
  phase('setup: triton + python', process.execPath, ['scripts/setup-triton.mjs'], { timeoutMin: 15 }) || fail('could not prepare the Triton server / Python venv (apt, pip)');
}
// 2. Types and build (dist/ is what the CLI and benches run).
phase('build (turbo → tsc -b)', 'npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { timeoutMin: 10 }) || fail('the TypeScript build failed (see errors above)');
phase('typecheck: demo app', 'npx', ['tsc', '-p', 'apps/demo', '--noEmit'], { timeoutMin: 5 }) || fail('the demo app does not typecheck (see errors above)');

// 3. Suites. Keep going after a failing suite so one run shows every failure.
let allOk = true;
if (want('unit')) allOk = vitestPhase('unit', 20) && allOk;
if (want('triton')) allOk = vitestPhase('triton', 20) && allOk;
if (want('e2e')) {
  phase('setup: browser fixtures', process.execPath, ['scripts/setup-browser.mjs'], { timeoutMin: 10 }) || fail('could not prepare the browser fixtures');
  allOk = vitestPhase('e2e', 30) && allOk;
}

summary();
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(allOk && totals.failed === 0 ? 0 : 1);
