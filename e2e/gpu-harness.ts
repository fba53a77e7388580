/**
 * Fixture app for the GPU-pass and TF.js e2e files: a separate Vite build of e2e/fixtures/gpu (its own page
 * exposing `window.gpuFixture`), served by the shared harness' COOP/COEP server. Kept apart from the main
 * fixture so the GPU helpers never ship inside the library's test page. Rebuilt only when a source changed.
 */
import { existsSync, readdirSync, statSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, openFixture, startFixtureServer, repoRoot, e2eDir, type LaunchedBrowser, type FixtureServer, type OpenedFixture } from './harness/index.js';

const srcDir = join(e2eDir, 'fixtures', 'gpu');
const outDir = join(repoRoot, '.cache', 'e2e-gpu-fixture');
const stampFile = join(outDir, '.stamp');
const SOURCES = [srcDir, join(repoRoot, 'packages', 'web', 'src', 'gpu'), join(repoRoot, 'packages', 'web', 'src', 'tfjs'), join(repoRoot, 'packages', 'core', 'src')];

function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n = Math.max(n, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return n;
}

export async function buildGpuFixture(): Promise<string> {
  const stamp = String(Math.max(...SOURCES.map(newest)));
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && existsSync(join(outDir, 'index.html'))) return outDir;
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: srcDir,
    base: '/',
    logLevel: 'warn',
    resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: false, sourcemap: false, reportCompressedSize: false, chunkSizeWarningLimit: 100_000 },
  });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(stampFile, stamp);
  return outDir;
}

export interface GpuE2E {
  launched: LaunchedBrowser;
  server: FixtureServer;
  open(): Promise<OpenedFixture>;
  close(): Promise<void>;
}

export async function setupGpuE2E(): Promise<GpuE2E> {
  const root = await buildGpuFixture();
  const server = await startFixtureServer({ root });
  let launched: LaunchedBrowser;
  try {
    launched = await launchBrowser({ webgpu: true });
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    launched,
    server,
    open: () => openFixture(launched.browser, server),
    close: async () => {
      await launched.close();
      await server.close();
    },
  };
}
