// Where the test tooling lives. Everything installed by scripts/setup-*.mjs goes into git-ignored folders of
// the repo (.venv/) or the OS (apt), so a fresh machine needs only Node/npm, pip and apt.
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const venvDir = process.env.SIGHTLINE_VENV ? resolve(process.env.SIGHTLINE_VENV) : join(repoRoot, '.venv');
export const venvPython = join(venvDir, 'bin', 'python');
/**
 * A second, small venv with numpy 2 (and onnxruntime): the python-backend stub embeds whichever Python is on
 * PATH, and generated models must work with numpy 1 and 2 alike (the stub misreads numpy 2 arrays unless
 * tensors go through DLPack).
 */
export const numpy2VenvDir = join(dirname(venvDir), `${basename(venvDir)}-numpy2`);

/** The real tritonserver binary shipped in the nvidia-pytriton wheel. */
export function tritonServerDir() {
  const lib = join(venvDir, 'lib');
  for (const py of ['python3.11', 'python3.12', 'python3.13', 'python3.10']) {
    const d = join(lib, py, 'site-packages', 'pytriton', 'tritonserver');
    if (existsSync(join(d, 'bin', 'tritonserver'))) return d;
  }
  return null;
}
export const chromiumPath = process.env.SIGHTLINE_CHROMIUM ?? '/usr/bin/chromium';
export const nginxPath = '/usr/sbin/nginx';
