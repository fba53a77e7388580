// Starts the real tritonserver (prepared by scripts/setup-triton.mjs under .venv/triton-runtime) for
// benchmarks: free ports, detached process group, killed on exit.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './harness.mjs';

const venv = process.env.SIGHTLINE_VENV ?? join(repoRoot, '.venv');
const runtime = join(venv, 'triton-runtime');

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** `cpus`: pin the server to these cores (taskset list, e.g. '1'), so it works on hardware of its own. */
export async function startTritonForBench(repos, { cpus } = {}) {
  const [http, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
  const sp = readdirSync(join(venv, 'lib')).map((d) => join(venv, 'lib', d, 'site-packages', 'nvidia_pytriton.libs')).find((d) => existsSync(d));
  const args = [
    ...repos.map((r) => `--model-repository=${r}`),
    `--backend-directory=${join(runtime, 'backends')}`,
    `--http-port=${http}`, `--grpc-port=${grpc}`, `--metrics-port=${metrics}`,
    '--allow-metrics=false', '--exit-timeout-secs=3', '--log-verbose=0',
    '--backend-config=python,shm-default-byte-size=67108864', '--backend-config=python,shm-growth-byte-size=67108864',
  ];
  const env = { ...process.env, LD_LIBRARY_PATH: [sp, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'), PATH: `${join(venv, 'bin')}:${process.env.PATH}`, OMP_NUM_THREADS: '1' };
  const bin = join(runtime, 'bin', 'tritonserver');
  // taskset execs the server in place: same pid, same process group.
  const [cmd, argv] = cpus ? ['taskset', ['-c', cpus, bin, ...args]] : [bin, args];
  const p = spawn(cmd, argv, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  p.stdout.on('data', (b) => (log = (log + b).slice(-20000)));
  p.stderr.on('data', (b) => (log = (log + b).slice(-20000)));
  const kill = (sig) => { try { process.kill(-p.pid, sig); } catch { /* gone */ } };
  // The server runs in its own process group: take it down however this process ends.
  process.on('exit', () => kill('SIGKILL'));
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, () => { kill('SIGKILL'); process.exit(130); });
  const deadline = Date.now() + 240_000;
  for (;;) {
    if (p.exitCode !== null) throw new Error(`tritonserver exited:\n${log}`);
    try {
      if ((await fetch(`http://127.0.0.1:${http}/v2/health/ready`)).status === 200) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) { kill('SIGKILL'); throw new Error(`tritonserver not ready:\n${log}`); }
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    httpUrl: `http://127.0.0.1:${http}`,
    grpcUrl: `127.0.0.1:${grpc}`,
    stop: async () => {
      kill('SIGTERM');
      await new Promise((r) => { const t = setTimeout(() => { kill('SIGKILL'); r(); }, 8000); p.once('exit', () => { clearTimeout(t); r(); }); });
    },
  };
}

