/**
 * Static server for the e2e fixture app. Sends COOP/COEP so pages are cross-origin isolated (ORT's wasm
 * threads need it), serves ../shared read-only under /shared/ (never copied into the repo) and in-memory
 * files that tests register (generated tiny models, bad inputs). Listens on port 0: other agents run servers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fixtureDistDir, repoRoot } from './fixture.js';

/** Same rule as @sightline/testkit's sharedDir (kept local so the harness loads without the testkit barrel). */
function sharedDir(): string {
  return process.env.SIGHTLINE_SHARED ? resolve(process.env.SIGHTLINE_SHARED) : resolve(repoRoot, '..', 'shared');
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.map': 'application/json',
};

export interface FixtureServerOptions {
  /** Folder served at `/` (default: the built fixture app). */
  root?: string;
  /** Send COOP/COEP (default true). Without them the page is not cross-origin isolated: wasm runs 1 thread. */
  isolated?: boolean;
}

export interface MemoryFile {
  body: Uint8Array;
  type?: string;
}

export interface FixtureServer {
  url: string;
  port: number;
  /** Serve `bytes` at `path` (e.g. '/gen/tiny.onnx') until close(). */
  addFile(path: string, bytes: Uint8Array, type?: string): string;
  /** Count of requests per path, for cache tests. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

function inside(root: string, rel: string): string | null {
  const p = normalize(join(root, rel));
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep) ? p : null;
}

export async function startFixtureServer(opts: FixtureServerOptions = {}): Promise<FixtureServer> {
  const root = resolve(opts.root ?? fixtureDistDir);
  const shared = resolve(sharedDir());
  const isolated = opts.isolated ?? true;
  const memory = new Map<string, MemoryFile>();
  const hits = new Map<string, number>();

  const send = (req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string | number>, body?: Uint8Array | string | null, file?: string) => {
    const h: Record<string, string | number> = { 'Cache-Control': 'no-store', 'Cross-Origin-Resource-Policy': 'same-origin', ...headers };
    if (isolated) {
      h['Cross-Origin-Opener-Policy'] = 'same-origin';
      h['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    res.writeHead(status, h);
    if (req.method === 'HEAD') return void res.end();
    if (file) createReadStream(file).on('error', () => res.destroy()).pipe(res);
    else res.end(body ?? undefined);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return send(req, res, 400, {}, 'bad path');
    }
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(req, res, 405, {}, 'read-only');
    const mem = memory.get(path);
    if (mem) return send(req, res, 200, { 'Content-Type': mem.type ?? 'application/octet-stream', 'Content-Length': mem.body.byteLength }, mem.body);
    let file: string | null;
    if (path.startsWith('/shared/')) file = inside(shared, path.slice('/shared/'.length));
    else file = inside(root, path === '/' ? 'index.html' : path.slice(1));
    if (!file) return send(req, res, 403, {}, 'forbidden');
    let st;
    try {
      st = statSync(file);
      if (st.isDirectory()) {
        file = join(file, 'index.html');
        st = statSync(file);
      }
    } catch {
      return send(req, res, 404, { 'Content-Type': 'text/plain' }, 'not found');
    }
    send(req, res, 200, { 'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': st.size }, null, file);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    hits,
    addFile(path, bytes, type) {
      memory.set(path, { body: bytes, type });
      return url + path;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
