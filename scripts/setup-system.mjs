// Installs the OS packages the tests drive for real: Debian Chromium (browser e2e), nginx (CORS proxy in
// front of Triton), python3-venv (the Triton/pycocotools venv). Idempotent and quick when already present.
import { existsSync } from 'node:fs';
import { mustRun, log } from './lib/run.mjs';
import { chromiumPath, nginxPath } from './lib/env.mjs';

const want = [];
if (!existsSync(chromiumPath)) want.push('chromium');
if (!existsSync(nginxPath)) want.push('nginx');
const venvOk = (await import('node:child_process')).spawnSync('python3', ['-c', 'import ensurepip, venv'], { stdio: 'ignore' }).status === 0;
if (!venvOk) want.push('python3-venv');
if (want.length === 0) {
  log('system packages present (chromium, nginx, python3-venv)');
} else {
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const apt = (args) => (sudo.length ? mustRun('sudo', ['apt-get', ...args], `apt-get ${args.join(' ')}`) : mustRun('apt-get', args, `apt-get ${args.join(' ')}`));
  log(`installing ${want.join(', ')} with apt-get`);
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', ...want]);
}
