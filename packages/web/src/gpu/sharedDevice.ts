/**
 * One GPUDevice per JS context, shared by onnxruntime-web's native WebGPU EP (passed as
 * `executionProviders: [{ name: 'webgpu', device }]`), tfjs' WebGPU backend and our WGSL passes.
 * Buffers of one device are invalid on another (ORT turns that into silent garbage), and Dawn reuses
 * compiled pipelines per device (a second ORT session on the same device is created in ~0.2 s instead of
 * ~30 s on an H100), so everything must go through this one device.
 */

import { gpuBufferStats, trackGpuBuffers, type GpuBufferStats } from './bufferStats.js';

export interface SharedGpu {
  device: GPUDevice;
  adapterInfo: GPUAdapterInfo;
  /** The device was created with `shader-f16` (fp16 models can run on the GPU). */
  hasShaderF16: boolean;
  /** Software adapter (SwiftShader): correct but ~60× slower than WASM. */
  isFallbackAdapter: boolean;
}

export interface SharedGpuOptions {
  /** `navigator.gpu` by default; Node + Dawn passes its own. */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
}

export interface GpuDeviceLostDetail {
  reason: GPUDeviceLostReason;
  message: string;
  device: GPUDevice;
}

/** Limits both ORT (JSEP and native) and tfjs request: ask for the adapter's maximum of each. */
const LIMIT_KEYS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxStorageBuffersPerShaderStage',
] as const;

/** Union of the optional features ORT and tfjs use; each is requested only when the adapter has it. */
const WANTED_FEATURES: readonly string[] = [
  'shader-f16',
  'timestamp-query',
  'chromium-experimental-timestamp-query-inside-passes',
  'subgroups',
  'bgra8unorm-storage',
];

let pending: Promise<SharedGpu | null> | null = null;
const lostTarget = new EventTarget();

/**
 * The shared device, created on first call; `null` when WebGPU or an adapter is unavailable (callers fall
 * back to WASM and report why). After a device loss the cache is cleared, so the next call creates a new one.
 */
export async function getSharedGpu(options: SharedGpuOptions = {}): Promise<SharedGpu | null> {
  if (!pending) {
    const p = createSharedGpu(options);
    pending = p;
    // A failed or null attempt is not cached: the adapter may appear later (e.g. after a driver reset).
    p.then(
      (r) => {
        if (!r && pending === p) pending = null;
      },
      () => {
        if (pending === p) pending = null;
      },
    );
  }
  return pending;
}

export async function getSharedGpuDevice(options: SharedGpuOptions = {}): Promise<GPUDevice | null> {
  return (await getSharedGpu(options))?.device ?? null;
}

/** Listen for loss of the shared device (the engine recreates its sessions). Returns an unsubscribe function. */
export function onSharedGpuLost(listener: (detail: GpuDeviceLostDetail) => void): () => void {
  const handler = (e: Event): void => listener((e as CustomEvent<GpuDeviceLostDetail>).detail);
  lostTarget.addEventListener('lost', handler);
  return () => lostTarget.removeEventListener('lost', handler);
}

/** Live buffers on the shared device (null before it exists): for diagnostics and leak tests. */
export async function sharedGpuBufferStats(): Promise<GpuBufferStats | null> {
  const g = pending ? await pending.catch(() => null) : null;
  return g ? gpuBufferStats(g.device) : null;
}

/** Forget the cached device (tests, or after the caller destroyed it). Does not destroy it. */
export function resetSharedGpu(): void {
  pending = null;
}

async function createSharedGpu({ gpu, powerPreference = 'high-performance' }: SharedGpuOptions): Promise<SharedGpu | null> {
  const g = gpu ?? (typeof navigator !== 'undefined' ? (navigator as Navigator & { gpu?: GPU }).gpu : undefined);
  if (!g) return null;
  const adapter = await g.requestAdapter({ powerPreference });
  if (!adapter) return null;
  const requiredLimits: Record<string, number> = {};
  for (const k of LIMIT_KEYS) {
    const v = (adapter.limits as unknown as Record<string, number | undefined>)[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f)) as GPUFeatureName[];
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  trackGpuBuffers(device);
  const shared: SharedGpu = {
    device,
    adapterInfo: adapter.info,
    hasShaderF16: device.features.has('shader-f16'),
    isFallbackAdapter: (adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true,
  };
  void device.lost.then((info) => {
    // Only clear the cache if it still points at this device (a newer one may already exist).
    if (pending) {
      void pending.then((cur) => {
        if (cur?.device === device) pending = null;
      });
    }
    lostTarget.dispatchEvent(
      new CustomEvent<GpuDeviceLostDetail>('lost', { detail: { reason: info.reason, message: info.message, device } }),
    );
  });
  return shared;
}
