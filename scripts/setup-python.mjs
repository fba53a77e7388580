// Creates .venv/ with the real Triton server (nvidia-pytriton wheel ships the tritonserver binary), the
// Python pieces its python-backend models use (onnxruntime, numpy), and the test/bench tooling
// (tritonclient for the client benchmark, pycocotools as the mAP oracle). Idempotent.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mustRun, log } from './lib/run.mjs';
import { venvDir, venvPython, tritonServerDir } from './lib/env.mjs';

const requirements = [
  'nvidia-pytriton==0.7.0',
  'onnxruntime==1.32.0',
  'numpy==1.26.4',
  'tritonclient[http,grpc]==2.73.0',
  'pycocotools==2.0.11',
];
const stamp = join(venvDir, '.sightline-requirements');
const wanted = requirements.join('\n');
if (existsSync(venvPython) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && tritonServerDir()) {
  log(`python venv ready (${venvDir})`);
} else {
  if (!existsSync(venvPython)) {
    log(`creating ${venvDir}`);
    mustRun('python3', ['-m', 'venv', venvDir], 'python3 -m venv (apt-get install python3-venv?)');
  }
  log(`pip install ${requirements.join(' ')}`);
  mustRun(venvPython, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', ...requirements], 'pip install of the Triton/pycocotools tooling');
  if (!tritonServerDir()) {
    console.error('[setup] FAILED: nvidia-pytriton installed but its tritonserver binary was not found');
    process.exit(1);
  }
  writeFileSync(stamp, wanted);
  log('python venv ready');
}
