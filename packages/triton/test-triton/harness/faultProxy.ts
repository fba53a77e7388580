// A real HTTP reverse proxy in front of tritonserver whose behaviour a test can change at any moment:
// pass through, answer 503, add latency, or reset connections. Fault injection without mocking the server.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultMode = { kind: 'pass' } | { kind: 'status'; status: number; body?: string } | { kind: 'delay'; ms: number } | { kind: 'reset' };

export interface FaultProxy {
  url: string;
  mode: FaultMode;
  /** Requests seen, by path prefix ('/v2/models/x/infer' → counted under 'infer'). */
  hits: { total: number; infer: number };
  stop(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const proxy: FaultProxy = { url: '', mode: { kind: 'pass' }, hits: { total: 0, infer: 0 }, stop: async () => {} };
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  };
  const server = createServer((req, res) => {
    proxy.hits.total++;
    if (req.url?.endsWith('/infer')) proxy.hits.infer++;
    const m = proxy.mode;
    if (m.kind === 'status') {
      req.resume();
      res.writeHead(m.status, { 'content-type': 'application/json' });
      res.end(m.body ?? JSON.stringify({ error: 'injected failure' }));
    } else if (m.kind === 'reset') {
      req.socket.destroy();
    } else if (m.kind === 'delay') {
      setTimeout(() => forward(req, res), m.ms);
    } else {
      forward(req, res);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return proxy;
}
