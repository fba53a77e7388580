// Prepares the real Triton server for `npm run test:triton`: system packages, the Python venv (nvidia-pytriton
// ships the tritonserver binary; onnxruntime/numpy for the python-backend models), libpython for the
// python-backend stub, and a runtime dir .venv/triton-runtime/ = the wheel's tritonserver tree with the stub
// for the venv's Python put where the python backend looks for it (what PyTriton does at start-up).
// Idempotent and quick when everything is present.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mustRun, log } from './lib/run.mjs';
import { repoRoot, venvDir, venvPython, tritonServerDir } from './lib/env.mjs';

mustRun(process.execPath, [join(repoRoot, 'scripts', 'setup-system.mjs')], 'scripts/setup-system.mjs');
mustRun(process.execPath, [join(repoRoot, 'scripts', 'setup-python.mjs')], 'scripts/setup-python.mjs');

const serverDir = tritonServerDir();
if (!serverDir) {
  console.error('[setup] FAILED: the tritonserver binary of nvidia-pytriton was not found in the venv');
  process.exit(1);
}
const pyVersion = spawnSync(venvPython, ['-c', 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")'], { encoding: 'utf8' }).stdout.trim();
const stub = join(serverDir, 'python_backend_stubs', pyVersion, 'triton_python_backend_stub');
if (!existsSync(stub)) {
  console.error(`[setup] FAILED: nvidia-pytriton has no python-backend stub for Python ${pyVersion} (${join(serverDir, 'python_backend_stubs')})`);
  process.exit(1);
}
const sitePackages = join(serverDir, '..', '..');
const libsDir = join(sitePackages, 'nvidia_pytriton.libs');

// The stub links against a shared libpython (Debian: package libpython3.X).
const missing = () => {
  const r = spawnSync('ldd', [stub], { encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: libsDir } });
  return (r.stdout ?? '').split('\n').filter((l) => l.includes('not found')).map((l) => l.trim());
};
let notFound = missing();
if (notFound.some((l) => l.startsWith('libpython'))) {
  const pkg = `libpython${pyVersion}`;
  log(`python-backend stub needs a shared libpython; installing ${pkg} with apt-get`);
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const apt = (args) => mustRun(sudo.length ? 'sudo' : 'apt-get', sudo.length ? ['apt-get', ...args] : args, `apt-get ${args.join(' ')}`);
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', pkg]);
  notFound = missing();
}
if (notFound.length) {
  console.error(`[setup] FAILED: the python-backend stub cannot load: ${notFound.join('; ')}`);
  process.exit(1);
}

const runtime = join(venvDir, 'triton-runtime');
const stampFile = join(runtime, '.sightline-stamp');
const stamp = `${serverDir}\n${pyVersion}`;
if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && existsSync(join(runtime, 'backends', 'python', 'triton_python_backend_stub'))) {
  log(`triton runtime ready (${runtime})`);
} else {
  log(`preparing triton runtime in ${runtime}`);
  rmSync(runtime, { recursive: true, force: true });
  mkdirSync(runtime, { recursive: true });
  for (const entry of readdirSync(serverDir)) {
    if (entry === 'python_backend_stubs' || entry === '__pycache__') continue;
    cpSync(join(serverDir, entry), join(runtime, entry), { recursive: true });
  }
  cpSync(stub, join(runtime, 'backends', 'python', 'triton_python_backend_stub'));
  writeFileSync(stampFile, stamp);
  log('triton runtime ready');
}

// Quick sanity check: the binary starts (prints its usage) with the bundled libraries.
const check = spawnSync(join(runtime, 'bin', 'tritonserver'), ['--help'], { encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: libsDir } });
if (check.error || !/model-repository/.test(`${check.stdout}${check.stderr}`)) {
  console.error(`[setup] FAILED: tritonserver does not run: ${check.error?.message ?? (check.stderr || '').slice(0, 2000)}`);
  process.exit(1);
}
log('tritonserver binary runs');
