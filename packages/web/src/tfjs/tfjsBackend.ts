/**
 * Picks the tfjs backend: WebGPU on the context's shared GPUDevice (so tfjs tensors can feed ORT through
 * `dataToGPU()` + `Tensor.fromGpuBuffer` and vice versa), else tfjs' wasm backend when it is installed, else
 * cpu. Every fallback comes with a reason. The backend must keep the name 'webgpu': tfjs registers kernels per
 * backend name, and another name fails with "Kernel '…' not registered".
 */
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { EngineError } from '@sightline/core';
import { getSharedGpu } from '../gpu/sharedDevice.js';

export type TfjsBackendName = 'webgpu' | 'wasm' | 'cpu';
export type TfjsBackendPreference = 'auto' | TfjsBackendName;

export interface TfjsBackendChoice {
  backend: TfjsBackendName;
  /** The device tfjs runs on (the shared one), when on WebGPU. */
  device: GPUDevice | null;
  /** Why a backend earlier in the preference order was not used (empty when the first choice worked). */
  fallbacks: string[];
}

/** The device the registered 'webgpu' backend was built on, to avoid re-registering for the same device. */
let registeredDevice: GPUDevice | null = null;

async function useWebGpu(device?: GPUDevice): Promise<GPUDevice | string> {
  let dev = device;
  let info: GPUAdapterInfo | undefined;
  if (!dev) {
    const shared = await getSharedGpu();
    if (!shared) return 'no WebGPU adapter';
    dev = shared.device;
    info = shared.adapterInfo;
  }
  if (registeredDevice !== dev || tf.getBackend() !== 'webgpu') {
    if (registeredDevice !== dev) {
      if (tf.findBackend('webgpu') || tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
      const d = dev;
      tf.registerBackend('webgpu', () => new WebGPUBackend(d, info ?? d.adapterInfo), 3);
      registeredDevice = dev;
    }
    const ok = await tf.setBackend('webgpu');
    if (!ok) return 'tf.setBackend("webgpu") returned false';
  }
  await tf.ready();
  return dev;
}

export async function selectTfjsBackend(preference: TfjsBackendPreference = 'auto', device?: GPUDevice): Promise<TfjsBackendChoice> {
  const order: TfjsBackendName[] = preference === 'auto' ? ['webgpu', 'wasm', 'cpu'] : [preference];
  const fallbacks: string[] = [];
  for (const name of order) {
    try {
      if (name === 'webgpu') {
        const r = await useWebGpu(device);
        if (typeof r === 'string') {
          fallbacks.push(`webgpu: ${r}`);
          continue;
        }
        return { backend: 'webgpu', device: r, fallbacks };
      }
      // wasm exists only if @tensorflow/tfjs-backend-wasm was installed and imported by the app.
      if (name === 'wasm' && !tf.findBackendFactory('wasm')) {
        fallbacks.push('wasm: @tensorflow/tfjs-backend-wasm is not installed');
        continue;
      }
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { backend: name, device: null, fallbacks };
      }
      fallbacks.push(`${name}: tf.setBackend returned false`);
    } catch (e) {
      fallbacks.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new EngineError('E_BACKEND_UNAVAILABLE', `no tfjs backend available (${fallbacks.join('; ')})`, { details: { fallbacks } });
}
