// Prepares the browser e2e suite: Debian Chromium (via setup-system.mjs) and the Vite-built fixture app
// (e2e/fixtures → .cache/e2e-fixture, rebuilt only when sources changed). Idempotent and quick when done.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { chromiumPath, repoRoot } from './lib/env.mjs';
import { log, mustRun } from './lib/run.mjs';

if (!existsSync(chromiumPath)) mustRun(process.execPath, [join(repoRoot, 'scripts', 'setup-system.mjs')], 'install Chromium');
else log(`chromium present at ${chromiumPath}`);

// The fixture builder is TypeScript; run it through vite-node-free Node by letting Vite bundle-load it.
const t0 = performance.now();
const r = spawnSync(process.execPath, ['--input-type=module', '-e', `
  const { createServer } = await import('vite');
  const server = await createServer({ configFile: false, root: ${JSON.stringify(repoRoot)}, logLevel: 'error', server: { middlewareMode: true, hmr: false }, appType: 'custom', resolve: { conditions: ['source', 'module', 'browser', 'development|production'] } });
  try {
    const { buildFixture } = await server.ssrLoadModule('/e2e/harness/fixture.ts');
    await buildFixture();
  } finally {
    await server.close();
  }
`], { stdio: 'inherit', cwd: repoRoot });
if (r.status !== 0) {
  console.error('[setup] FAILED: building the e2e fixture app');
  process.exit(1);
}
log(`e2e fixture app ready (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
