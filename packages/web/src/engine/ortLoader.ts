/**
 * Loads onnxruntime-web lazily, one build per backend: `onnxruntime-web/webgpu` (the native C++ WebGPU EP,
 * 2.4× faster than the default JSEP entry on an H100 and the only build that honours a caller's GPUDevice)
 * and `onnxruntime-web/wasm` (the plain SIMD build, smallest wasm). Each build has its own `env`; thread
 * count must be set before that build's first session, so it is set here, once.
 */
import type * as OrtNs from 'onnxruntime-web';

export type Ort = typeof OrtNs;
export type OrtBuild = 'webgpu' | 'wasm';

const loaded = new Map<OrtBuild, Promise<Ort>>();
const threadsSet = new Map<OrtBuild, number>();

/** navigator.hardwareConcurrency capped at 4; 1 without cross-origin isolation (no SharedArrayBuffer). */
export function defaultThreads(): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  if (!isolated) return 1;
  const hc = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : 1;
  return Math.max(1, Math.min(4, hc || 1));
}

export function loadOrt(build: OrtBuild, numThreads: number): Promise<Ort> {
  let p = loaded.get(build);
  if (!p) {
    p = (build === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm')) as Promise<Ort>;
    loaded.set(build, p);
  }
  return p.then((ort) => {
    if (!threadsSet.has(build)) {
      // ORT's own default is ceil(cores/2) = 1 on 2 cores: 288 ms instead of 156 ms for YOLOv8n.
      ort.env.wasm.numThreads = numThreads;
      threadsSet.set(build, numThreads);
    }
    return ort;
  });
}

/**
 * Threads the given build really uses (fixed by its first session). Without cross-origin isolation there is
 * no SharedArrayBuffer and ORT silently runs one thread, whatever was asked for: report that, not the request.
 */
export function threadsOf(build: OrtBuild): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return isolated ? (threadsSet.get(build) ?? 1) : 1;
}
