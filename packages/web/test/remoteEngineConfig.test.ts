// The remote classifier reads its input from the served model config: whatever that config lacks or gets
// wrong must end in E_REMOTE_PROTOCOL, not a TypeError. A real Triton refuses to load such models, so a
// scripted HTTP server serves the configs.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteError } from '@sightline/core';
import { RemoteEngine } from '../src/engine/remoteEngine.js';

const configs: Record<string, unknown> = {
  noinput: { name: 'noinput', max_batch_size: 0, output: [{ name: 'logits', data_type: 'TYPE_FP32', dims: [1, 1000] }] },
  fp16: { name: 'fp16', max_batch_size: 8, input: [{ name: 'x', data_type: 'TYPE_FP16', dims: [3, 224, 224] }], output: [{ name: 'logits', data_type: 'TYPE_FP32', dims: [1000] }] },
  unbatched: { name: 'unbatched', max_batch_size: 0, input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [1, 3, 224, 224] }], output: [{ name: 'logits', data_type: 'TYPE_FP32', dims: [1, 1000] }] },
};

let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    const m = /^\/v2\/models\/([^/]+)\/config$/.exec(req.url ?? '');
    const body = m ? configs[m[1]] : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('RemoteEngine.create("classify") against the served config', () => {
  it.each(['noinput', 'fp16'])('%s: E_REMOTE_PROTOCOL naming the input it needs', async (model) => {
    const e = await RemoteEngine.create('classify', { url, model }, []).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(RemoteError);
    expect(e).toMatchObject({ code: 'E_REMOTE_PROTOCOL', message: expect.stringContaining('must take one FP32 [3,S,S] input') });
  });

  it('max_batch_size 0: the batch dim listed first is not taken for the channels', async () => {
    const engine = await RemoteEngine.create('classify', { url, model: 'unbatched' }, []);
    await engine.dispose();
  });
});
