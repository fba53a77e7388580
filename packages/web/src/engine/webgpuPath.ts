/**
 * The WebGPU seam of the ONNX engine: where the GPUDevice comes from, whether a model can run on it, and the
 * session options that bind ORT's native WebGPU EP to that device. E2's GPU passes (packages/web/src/gpu)
 * plug in here: the shared device (so ORT, tfjs and our WGSL passes use one device) and, when present,
 * GPU pre/post-processing paths that replace the CPU letterbox/decode for this engine.
 */
import type * as OrtNs from 'onnxruntime-web';
import { getSharedGpu, type SharedGpu } from '../gpu/sharedDevice.js';

export interface GpuHandle {
  device: GPUDevice;
  hasShaderF16: boolean;
  isFallbackAdapter: boolean;
  adapterDescription: string;
}

/**
 * The context's shared device (E2's getSharedGpu: one device for ORT, tfjs and the WGSL passes), or a string
 * saying why there is none (reported in the fallback event). A lost device is dropped by getSharedGpu, so the
 * next call makes a new one.
 */
export async function acquireGpu(): Promise<GpuHandle | string> {
  if (typeof navigator === 'undefined' || !(navigator as Navigator & { gpu?: GPU }).gpu) {
    return 'WebGPU is not available in this browser/context (navigator.gpu is undefined)';
  }
  let shared: SharedGpu | null;
  try {
    shared = await getSharedGpu();
  } catch (e) {
    return `could not create a WebGPU device: ${(e as Error).message}`;
  }
  if (!shared) return 'no WebGPU adapter (requestAdapter returned null: WebGPU blocklisted or no GPU)';
  const info = shared.adapterInfo;
  return {
    device: shared.device,
    hasShaderF16: shared.hasShaderF16,
    isFallbackAdapter: shared.isFallbackAdapter,
    adapterDescription: [info.vendor, info.architecture, info.description].filter(Boolean).join(' '),
  };
}

/** Why a model cannot run on this device, or null when it can. */
export function gpuIncompatibility(gpu: GpuHandle, usesFloat16: boolean): string | null {
  if (usesFloat16 && !gpu.hasShaderF16) {
    return `the model uses float16 tensors and the WebGPU adapter (${gpu.adapterDescription || 'unknown'}) lacks shader-f16`;
  }
  return null;
}

export function webgpuSessionOptions(gpu: GpuHandle): OrtNs.InferenceSession.SessionOptions {
  return {
    executionProviders: [{ name: 'webgpu', device: gpu.device } as OrtNs.InferenceSession.WebGpuExecutionProviderOption],
    graphOptimizationLevel: 'all',
  };
}
