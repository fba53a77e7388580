// Issue 7: `sightline detect --remote` through the real tritonserver reproduces the reference pipeline, over
// HTTP and gRPC, on ../shared/images and on coco128 (≥ 99% of reference detections ≥ 0.3 matched one-to-one).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchDetections, repoRoot, requireShared, sharedPath, type DetectReference } from '@sightline/testkit';
import { startTritonServer, type TritonServerHandle } from '../../triton/test-triton/harness/index.js';

const ok = requireShared(['models', 'yolov8n_dynamic_batch.onnx'], ['images'], ['datasets', 'coco128-lightly'], ['reference', 'detect_yolov8n.json'], ['reference', 'detect_yolov8n_coco128.json']);
const bin = join(repoRoot, 'packages', 'node', 'bin', 'sightline.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'sightline-cli-remote-'));

// Async spawn: the CLI talks to a server this same process started, so the test must not block its loop.
function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b) => (stdout += b));
    p.stderr.on('data', (b) => (stderr += b));
    p.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

function matchRate(ours: DetectReference, ref: DetectReference): { matched: number; total: number; misses: string[] } {
  let matched = 0;
  let total = 0;
  const misses: string[] = [];
  for (const [name, img] of Object.entries(ref.images)) {
    const mine = ours.images[name];
    expect(mine, `missing ${name}`).toBeDefined();
    const m = matchDetections(mine.detections, img.detections);
    matched += m.matched;
    total += m.total;
    for (const x of m.misses) misses.push(`${name}: ${x.ref.label} ${x.ref.score.toFixed(3)} (${x.reason})`);
  }
  return { matched, total, misses };
}

describe.skipIf(!ok)('sightline detect --remote (real Triton)', () => {
  let server: TritonServerHandle;
  beforeAll(async () => {
    if (!existsSync(join(repoRoot, 'packages', 'node', 'dist', 'cli', 'main.js'))) spawnSync('npx', ['tsc', '-b', 'packages/node'], { cwd: repoRoot, stdio: 'inherit' });
    server = await startTritonServer({ models: ['yolov8n'] });
  }, 300_000);
  afterAll(async () => {
    await server?.stop({ kill: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const protocol of ['http', 'grpc'] as const) {
    it(`images/ over ${protocol} reproduces detect_yolov8n.json`, async () => {
      const out = join(tmp, `images-${protocol}.json`);
      const url = protocol === 'http' ? server.httpUrl : server.grpcUrl;
      const r = await cli(['detect', sharedPath('images'), '--model', sharedPath('models', 'yolov8n_dynamic_batch.onnx'), '--remote', url, '--remote-model', 'yolov8n', '--protocol', protocol, '--json', out]);
      expect(r.status, r.stderr).toBe(0);
      const ours = JSON.parse(readFileSync(out, 'utf8')) as DetectReference;
      const ref = JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n.json'), 'utf8')) as DetectReference;
      const m = matchRate(ours, ref);
      console.log(`cli --remote ${protocol} images/: ${m.matched}/${m.total}`);
      expect(m.misses).toEqual([]);
    }, 300_000);
  }

  it('coco128 over http: ≥ 99% of reference detections matched', async () => {
    const out = join(tmp, 'coco.json');
    const r = await cli(['detect', sharedPath('datasets', 'coco128-lightly', 'images'), '--model', sharedPath('models', 'yolov8n_dynamic_batch.onnx'), '--remote', server.httpUrl, '--remote-model', 'yolov8n', '--json', out]);
    expect(r.status, r.stderr).toBe(0);
    const ours = JSON.parse(readFileSync(out, 'utf8')) as DetectReference;
    const ref = JSON.parse(readFileSync(sharedPath('reference', 'detect_yolov8n_coco128.json'), 'utf8')) as DetectReference;
    const m = matchRate(ours, ref);
    console.log(`cli --remote http coco128: ${m.matched}/${m.total} (${((100 * m.matched) / m.total).toFixed(2)}%)`, m.misses.slice(0, 5));
    expect(m.matched / m.total).toBeGreaterThanOrEqual(0.99);
  }, 900_000);
});
