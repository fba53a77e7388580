// Starts the real `tritonserver` binary (from the nvidia-pytriton wheel, prepared by
// scripts/setup-triton.mjs) on free ports with a temporary model repository, waits until it is ready and
// stops it (whole process group) afterwards. One server per test file keeps CI (2 cores) fast.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTestModelRepository, type ModelRepositoryOptions } from './modelRepository.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export interface TritonPaths {
  /** Runtime dir with bin/tritonserver and backends/python/triton_python_backend_stub. */
  runtimeDir: string;
  /** Shared libraries bundled with the wheel (LD_LIBRARY_PATH). */
  libsDir: string;
  venvBin: string;
}

const venvDir = (): string => (process.env.SIGHTLINE_VENV ? resolve(process.env.SIGHTLINE_VENV) : join(repoRoot, '.venv'));

/**
 * bin/ of the numpy-2 venv that scripts/setup-python.mjs makes beside .venv (null when absent; in CI that is
 * an error, since setup always makes it).
 */
export function numpy2VenvBin(): string | null {
  const bin = join(`${venvDir()}-numpy2`, 'bin');
  if (existsSync(join(bin, 'python'))) return bin;
  if (process.env.CI === 'true') throw new Error(`${bin}/python is missing: run \`node scripts/setup-python.mjs\``);
  return null;
}

/** Locate what scripts/setup-triton.mjs prepared; a readable error when it has not run. */
export function tritonPaths(): TritonPaths {
  const venv = venvDir();
  const runtimeDir = join(venv, 'triton-runtime');
  const sp = existsSync(join(venv, 'lib')) ? readdirSync(join(venv, 'lib')).filter((d) => d.startsWith('python3')).map((d) => join(venv, 'lib', d, 'site-packages')) : [];
  const libsDir = sp.map((s) => join(s, 'nvidia_pytriton.libs')).find((d) => existsSync(d));
  if (!existsSync(join(runtimeDir, 'bin', 'tritonserver')) || !existsSync(join(runtimeDir, 'backends', 'python', 'triton_python_backend_stub')) || !libsDir) {
    throw new Error(`Triton runtime not prepared under ${runtimeDir}: run \`node scripts/setup-triton.mjs\` (npm run test:triton does it)`);
  }
  return { runtimeDir, libsDir, venvBin: join(venv, 'bin') };
}

/** A free TCP port (listen on 0, then release it). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

export interface StartTritonOptions extends ModelRepositoryOptions {
  /** Use this repository instead of writing the test models. */
  modelRepository?: string;
  /** Readiness wait (default 180 s). */
  readyTimeoutMs?: number;
  /** Extra tritonserver arguments. */
  args?: string[];
  /** bin/ of the venv whose Python the python-backend stub embeds (default: the .venv one). */
  pythonBin?: string;
  /** Print the server log as it comes (default: only on failure). */
  verbose?: boolean;
}

export interface TritonServerHandle {
  httpUrl: string;
  /** host:port for gRPC clients. */
  grpcUrl: string;
  metricsUrl: string;
  httpPort: number;
  grpcPort: number;
  modelRepository: string;
  /** Stop the server (SIGTERM to the group, SIGKILL after a grace period or at once with `kill: true`). */
  stop(opts?: { kill?: boolean }): Promise<void>;
  /** Stop and start again on the same ports and repository. */
  restart(): Promise<void>;
  logs(): string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function killGroup(p: ChildProcess, sig: NodeJS.Signals): void {
  try {
    if (p.pid) process.kill(-p.pid, sig);
  } catch {
    /* already gone */
  }
}

/** Start tritonserver with the test model repository; resolves once /v2/health/ready answers 200. */
export async function startTritonServer(opts: StartTritonOptions = {}): Promise<TritonServerHandle> {
  const paths = tritonPaths();
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Never leave a server behind if the test process dies.
    process.on('exit', () => {
      for (const p of live) killGroup(p, 'SIGKILL');
    });
  }
  let ownedRepo: string | undefined;
  let repo = opts.modelRepository;
  if (!repo) {
    ownedRepo = mkdtempSync(join(tmpdir(), 'sightline-triton-repo-'));
    writeTestModelRepository(ownedRepo, opts);
    repo = ownedRepo;
  }
  const [httpPort, grpcPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  let proc: ChildProcess | undefined;
  let log = '';

  const launch = async (): Promise<void> => {
    log = '';
    const args = [
      `--model-repository=${repo}`,
      `--backend-directory=${join(paths.runtimeDir, 'backends')}`,
      `--http-port=${httpPort}`,
      `--grpc-port=${grpcPort}`,
      `--metrics-port=${metricsPort}`,
      '--allow-grpc=true',
      '--allow-http=true',
      '--allow-metrics=true',
      '--exit-timeout-secs=3',
      '--log-verbose=0',
      // Python-backend tensors travel through /dev/shm; start big enough for a batch of 8 images.
      '--backend-config=python,shm-default-byte-size=16777216',
      '--backend-config=python,shm-growth-byte-size=16777216',
      ...(opts.args ?? []),
    ];
    const env = {
      ...process.env,
      LD_LIBRARY_PATH: [paths.libsDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      // The python-backend stub embeds the interpreter it finds on PATH: the venv with onnxruntime/numpy.
      PATH: `${opts.pythonBin ?? paths.venvBin}:${process.env.PATH ?? ''}`,
      OMP_NUM_THREADS: '1',
    };
    const p = spawn(join(paths.runtimeDir, 'bin', 'tritonserver'), args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    live.add(p);
    const onData = (b: Buffer) => {
      const s = b.toString();
      if (opts.verbose) process.stderr.write(s);
      log = (log + s).slice(-200_000);
    };
    p.stdout?.on('data', onData);
    p.stderr?.on('data', onData);
    let exited: string | undefined;
    p.once('exit', (code, sig) => {
      exited = `exit ${code ?? sig}`;
      live.delete(p);
    });
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 180_000);
    while (Date.now() < deadline) {
      if (exited) break;
      try {
        const r = await fetch(`${httpUrl}/v2/health/ready`, { signal: AbortSignal.timeout(2000) });
        await r.arrayBuffer();
        if (r.status === 200) return;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const why = exited ? `it exited (${exited})` : 'it did not become ready in time';
    killGroup(p, 'SIGKILL');
    throw new Error(`tritonserver failed to start: ${why}\n--- server log (tail) ---\n${log.slice(-6000)}`);
  };

  const stop = async (o: { kill?: boolean } = {}): Promise<void> => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise<void>((r) => p.once('exit', () => r()));
    killGroup(p, o.kill ? 'SIGKILL' : 'SIGTERM');
    const t = setTimeout(() => killGroup(p, 'SIGKILL'), 8000);
    await gone;
    clearTimeout(t);
    // The python stubs are in the same group; make sure none linger.
    killGroup(p, 'SIGKILL');
  };

  await launch();
  return {
    httpUrl,
    grpcUrl: `127.0.0.1:${grpcPort}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    httpPort,
    grpcPort,
    modelRepository: repo,
    stop: async (o) => {
      await stop(o);
      if (ownedRepo && !o?.kill) {
        rmSync(ownedRepo, { recursive: true, force: true });
        ownedRepo = undefined;
      }
    },
    restart: async () => {
      await stop();
      await launch();
    },
    logs: () => log,
  };
}
