// Builds the demo with Vite's JS API. Workspace packages are bundled from source (the `source` export
// condition, as in the root vite.config.ts), so a fresh `npm install` is enough: no package build first.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const demoDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(demoDir, '..', '..');
export const defaultOutDir = join(repoRoot, '.cache', 'demo-dist');

export async function buildDemo({ outDir = defaultOutDir, quiet = true } = {}) {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: demoDir,
    base: '/',
    logLevel: quiet ? 'warn' : 'info',
    resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
    worker: { format: 'es' },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: true,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 100_000,
      // Inline assets would become data: URLs; keep every file a same-origin request (CSP 'self').
      assetsInlineLimit: 0,
      // Quiet `npm run demo`: the worker-URL transform is slow once and rolldown would report it every build.
      rolldownOptions: { checks: { pluginTimings: false } },
    },
  });
  return outDir;
}
