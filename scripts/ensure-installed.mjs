// Lets the README's commands work on a fresh clone: runs `npm install` once when the workspace's
// dependencies are not there yet (npm itself needs nothing installed to run a script).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from './lib/env.mjs';

if (!existsSync(join(repoRoot, 'node_modules', 'vite', 'package.json')) || !existsSync(join(repoRoot, 'node_modules', '@sightline', 'core'))) {
  console.log('[setup] dependencies missing: npm install');
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('[setup] FAILED: npm install');
    process.exit(1);
  }
}
