// Issue 5, item 5: the remote path runs where only `fetch` exists. A real Deno process (npm package `deno`)
// imports the BUILT core and Triton packages, detects bus.jpg through the real tritonserver, and must agree
// with the reference pipeline.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchDetections, repoRoot, requireShared, sharedPath, type DetectReference } from '@sightline/testkit';
import { startTritonServer, type TritonServerHandle } from './harness/index.js';

const ok = requireShared(['models', 'yolov8n_dynamic_batch.onnx'], ['images', 'bus.jpg'], ['reference', 'detect_yolov8n.json']);
const denoBin = join(repoRoot, 'node_modules', '.bin', 'deno');

describe.skipIf(!ok)('remote detection from Deno (fetch only)', () => {
  let server: TritonServerHandle;
  let dir: string;
  beforeAll(async () => {
    if (!existsSync(denoBin)) throw new Error(`deno is not installed (${denoBin}); run npm install`);
    // Deno resolves @sightline/* through node_modules to the packages' dist/ (the `source` condition is Vite-only).
    const build = spawnSync('npx', ['tsc', '-b', 'packages/core', 'packages/triton'], { cwd: repoRoot, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`tsc -b failed:\n${build.stdout}${build.stderr}`);
    dir = mkdtempSync(join(tmpdir(), 'sightline-deno-'));
    server = await startTritonServer({ models: ['yolov8n'] });
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('detects bus.jpg through Triton with the same boxes as the reference pipeline', async () => {
    const { data, info } = await sharp(sharedPath('images', 'bus.jpg')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const pixels = join(dir, 'bus.rgb');
    writeFileSync(pixels, data);
    const r = spawnSync(
      denoBin,
      ['run', '--quiet', '--allow-read', '--allow-net', '--allow-env', join(repoRoot, 'packages/triton/test-triton/deno/detectViaTriton.ts'), server.httpUrl, 'yolov8n', pixels, String(info.width), String(info.height), sharedPath('models', 'coco80.txt')],
      { cwd: repoRoot, encoding: 'utf8', timeout: 180_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } },
    );
    expect(r.status, `deno failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.runtime).toMatch(/^deno /);
    expect(out.error).toBeUndefined();
    const ref = JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n.json'), 'utf8')) as DetectReference;
    const m = matchDetections(out.detections, ref.images['bus.jpg'].detections);
    console.log(`deno → triton bus.jpg: ${m.matched}/${m.total} matched, max box error ${m.maxBoxError.toFixed(2)} px, ${out.bytesSent} B up, ${out.bytesReceived} B down`);
    expect(m.misses).toEqual([]);
    expect(m.matched).toBe(m.total);
  }, 240_000);
});
