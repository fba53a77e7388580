// Creates .venv/ with the real Triton server (nvidia-pytriton wheel ships the tritonserver binary), the
// Python pieces its python-backend models use (onnxruntime, numpy), and the test/bench tooling
// (tritonclient for the client benchmark, pycocotools as the mAP oracle). Idempotent.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mustRun, log } from './lib/run.mjs';
import { venvDir, venvPython, tritonServerDir, numpy2VenvDir } from './lib/env.mjs';

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

// The numpy-2 environment for the python-backend stub (see numpy2VenvDir): only what generated models import.
const numpy2Requirements = ['numpy==2.4.6', 'onnxruntime==1.32.0'];
const numpy2Python = join(numpy2VenvDir, 'bin', 'python');
const numpy2Stamp = join(numpy2VenvDir, '.sightline-requirements');
if (existsSync(numpy2Python) && existsSync(numpy2Stamp) && readFileSync(numpy2Stamp, 'utf8') === numpy2Requirements.join('\n')) {
  log(`numpy-2 venv ready (${numpy2VenvDir})`);
} else {
  if (!existsSync(numpy2Python)) mustRun('python3', ['-m', 'venv', numpy2VenvDir], 'python3 -m venv (numpy-2 venv)');
  log(`pip install into ${numpy2VenvDir}: ${numpy2Requirements.join(' ')}`);
  mustRun(numpy2Python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', ...numpy2Requirements], 'pip install of the numpy-2 venv');
  writeFileSync(numpy2Stamp, numpy2Requirements.join('\n'));
  log('numpy-2 venv ready');
}
