// Starts Debian's nginx as a foreground process with the generated CORS proxy config (the same text
// `sightline triton init` writes to nginx.conf), on a free port, everything under a temp prefix, and stops
// it afterwards. Shared by the nginx integration test and the browser e2e.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateNginxConf } from '../../src/modelRepository/nginxConf.js';
import { freePort } from './tritonServer.js';

export const NGINX_PATH = process.env.SIGHTLINE_NGINX ?? '/usr/sbin/nginx';

export interface StartNginxOptions {
  /** Triton HTTP endpoint: `http://host:port` or `host:port`. */
  upstream: string;
  /** CORS origin(s); default '*'. */
  allowOrigin?: string | string[];
  /** Readiness wait (default 15 s). */
  readyTimeoutMs?: number;
}

export interface NginxProxyHandle {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The generated config text nginx runs with. */
  config: string;
  stop(): Promise<void>;
  logs(): string;
}

const live = new Set<ChildProcess>();
let hook = false;

export async function startNginxProxy(opts: StartNginxOptions): Promise<NginxProxyHandle> {
  if (!existsSync(NGINX_PATH)) throw new Error(`nginx not found at ${NGINX_PATH}: run \`node scripts/setup-system.mjs\` (apt-get install nginx)`);
  if (!hook) {
    hook = true;
    process.on('exit', () => {
      for (const p of live) p.kill('SIGKILL');
    });
  }
  const upstream = opts.upstream.replace(/^https?:\/\//, '').replace(/\/$/, '');
  const dir = mkdtempSync(join(tmpdir(), 'sightline-nginx-'));
  // Workers drop to an unprivileged user when the master runs as root; they must reach the temp paths.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const config = generateNginxConf({ upstream, listen: `127.0.0.1:${port}`, allowOrigin: opts.allowOrigin ?? '*', runDir: dir, timeoutSeconds: 120 });
  writeFileSync(join(dir, 'nginx.conf'), config);
  let log = '';
  const p = spawn(NGINX_PATH, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(p);
  p.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  p.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  let exited = false;
  const exit = new Promise<void>((res) => p.once('exit', () => {
    exited = true;
    live.delete(p);
    res();
  }));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (exited) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nginx exited during start-up:\n${log}`);
    }
    try {
      // Any answer from nginx (even a 502 while the upstream starts) means it is listening.
      await fetch(`${url}/v2/health/live`, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`nginx did not listen on ${url} within the timeout:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, config, stop, logs: () => log };
}
