// A real node:http server on a free port for client tests (retries, timeouts, hostile bodies).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface TestServer {
  url: string;
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer }[];
  close(): Promise<void>;
}

export async function startHttpServer(handler: (req: IncomingMessage, body: Buffer, res: ServerResponse, n: number) => void | Promise<void>): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      void Promise.resolve(handler(req, body, res, requests.length)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** Build a binary-extension response body from a header and blobs. */
export function binaryResponse(header: unknown, blobs: Uint8Array[] = []): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...blobs.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))]), headerLength: json.length };
}
