// Static server for the built demo: COOP/COEP (cross-origin isolation → WASM threads), a strict CSP without
// 'unsafe-inline' on every response (workers take their CSP from their own response), and ../shared served
// read-only at run time: the default model at /models/default.onnx and sample images under /samples/.
// Nothing from ../shared is ever copied into the repo or the build output.
import { createServer } from 'node:http';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { repoRoot } from './build.mjs';

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.onnx': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.svg': 'image/svg+xml',
  '.map': 'application/json', '.ico': 'image/x-icon',
};
const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp']);

export function sharedDir() {
  return process.env.SIGHTLINE_SHARED ? resolve(process.env.SIGHTLINE_SHARED) : resolve(repoRoot, '..', 'shared');
}

/** The CSP: ORT needs 'wasm-unsafe-eval' to compile its wasm and blob:/self workers for threads. */
export function contentSecurityPolicy(remoteUrls = []) {
  const connect = ["'self'", ...remoteUrls.map((u) => new URL(u).origin)].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob:",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function inside(root, rel) {
  const p = normalize(join(root, rel));
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep) ? p : null;
}

/**
 * Start the server. `remoteUrls`: Triton/KServe endpoints the page may call (added to connect-src);
 * default from $SIGHTLINE_REMOTE_URLS (space separated).
 */
export async function startDemoServer({ root, port = 0, host = '127.0.0.1', remoteUrls, shared = sharedDir() } = {}) {
  const remotes = remoteUrls ?? (process.env.SIGHTLINE_REMOTE_URLS ?? '').split(/\s+/).filter(Boolean);
  const csp = contentSecurityPolicy(remotes);
  const model = join(shared, 'models', 'yolov8n.onnx');
  const labels = join(shared, 'models', 'coco80.txt');
  const imagesDir = join(shared, 'images');
  const samples = existsSync(imagesDir) ? readdirSync(imagesDir).filter((f) => IMAGE_EXT.has(extname(f).toLowerCase())).sort() : [];
  const config = {
    defaultModel: existsSync(model) ? { url: '/models/default.onnx', name: 'yolov8n.onnx', bytes: statSync(model).size } : null,
    samples: samples.map((f) => `/samples/${encodeURIComponent(f)}`),
    remoteUrls: remotes,
  };

  const server = createServer((req, res) => {
    const headers = {
      'Content-Security-Policy': csp,
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    };
    const send = (status, type, body, file, size) => {
      res.writeHead(status, { ...headers, 'Content-Type': type, ...(size !== undefined ? { 'Content-Length': size } : {}), 'Cache-Control': file ? 'no-cache' : 'no-store' });
      if (req.method === 'HEAD') return void res.end();
      if (file) createReadStream(file).on('error', () => res.destroy()).pipe(res);
      else res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'read-only');
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(400, 'text/plain', 'bad path');
    }
    if (path === '/config.json') return send(200, 'application/json', JSON.stringify(config));
    let file = null;
    if (path === '/models/default.onnx') file = config.defaultModel ? model : null;
    else if (path === '/models/default.labels.txt') file = existsSync(labels) ? labels : null;
    else if (path.startsWith('/samples/')) file = inside(imagesDir, path.slice('/samples/'.length));
    else file = inside(root, path === '/' ? 'index.html' : path.slice(1));
    if (!file) return send(404, 'text/plain', 'not found');
    let st;
    try {
      st = statSync(file);
      if (st.isDirectory()) {
        file = join(file, 'index.html');
        st = statSync(file);
      }
    } catch {
      return send(404, 'text/plain', 'not found');
    }
    send(200, MIME[extname(file).toLowerCase()] ?? 'application/octet-stream', null, file, st.size);
  });
  await new Promise((r, j) => {
    server.once('error', j);
    server.listen(port, host, r);
  });
  const actual = server.address().port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    url: `http://${shownHost}:${actual}`,
    port: actual,
    config,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
