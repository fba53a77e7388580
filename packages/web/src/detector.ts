/** createDetector: the public object detection API (a thin main-thread proxy to the engine worker). */
import { EngineClient } from './engineClient.js';
import type { DetectOptions, DetectResult, DetectorOptions, ImageSource, ItemError, ModelInfo, RemoteTarget } from './types.js';
import { watch, type WatchHandle, type WatchOptions } from './video/watch.js';
import type { GpuBufferStats } from './gpu/bufferStats.js';

export interface Detector {
  readonly info: ModelInfo;
  detect(source: ImageSource, opts?: DetectOptions): Promise<DetectResult>;
  detectBatch(sources: ImageSource[], opts?: DetectOptions): Promise<DetectResult[]>;
  /** Live detection on a video or camera stream (latest frame wins; see video/watch.ts). */
  watch(source: HTMLVideoElement | MediaStream, opts: WatchOptions): WatchHandle;
  /** Test hook: destroy the GPU device to exercise device-loss recovery (false on WASM). */
  loseDeviceForTesting(): Promise<boolean>;
  /** Live GPU buffers on the worker's shared device (null on WASM): diagnostics for long-running pages. */
  gpuBufferStats(): Promise<GpuBufferStats | null>;
  dispose(): Promise<void>;
}

/**
 * With `remote`: each call is routed between the local engine and Triton; `detectBatch` returns exactly one
 * outcome per source, in order — a result (with `route`) or `{ error, route }` for that source alone.
 */
export interface HybridDetector extends Omit<Detector, 'detectBatch'> {
  detectBatch(sources: ImageSource[], opts?: DetectOptions): Promise<Array<DetectResult | ItemError>>;
}

export function isItemError(o: DetectResult | ItemError | unknown): o is ItemError {
  return typeof o === 'object' && o !== null && 'error' in o && (o as ItemError).error instanceof Error;
}

export function createDetector(options: DetectorOptions & { remote: RemoteTarget }): Promise<HybridDetector>;
export function createDetector(options: DetectorOptions): Promise<Detector>;
export async function createDetector(options: DetectorOptions): Promise<Detector | HybridDetector> {
  const c = await EngineClient.create('detect', options);
  const frameOpts = (o: DetectOptions = {}) => ({ conf: o.conf, iou: o.iou, maxDet: o.maxDet, classes: o.classes });
  const hybrid = !!options.remote;
  const common = {
    get info() {
      return c.info;
    },
    loseDeviceForTesting: () => c.loseDevice(),
    gpuBufferStats: () => c.gpuBufferStats(),
    dispose: () => c.dispose(),
  };
  if (hybrid) {
    const detector: HybridDetector = {
      ...common,
      get info() {
        return c.info;
      },
      async detect(source, opts) {
        const [o] = await c.sendSettled<DetectResult>('detect', [source], frameOpts(opts), opts?.keepSource ?? false);
        if (isItemError(o)) throw o.error;
        return o;
      },
      detectBatch: (sources, opts) => c.sendSettled<DetectResult>('detect', sources, frameOpts(opts), opts?.keepSource ?? false),
      watch: (source, opts) => watch(detector as unknown as Detector, source, opts),
    };
    return detector;
  }
  const detector: Detector = {
    ...common,
    get info() {
      return c.info;
    },
    detect: async (source, opts) => (await c.send<DetectResult>('detect', [source], frameOpts(opts), opts?.keepSource ?? false))[0],
    detectBatch: (sources, opts) => c.send<DetectResult>('detect', sources, frameOpts(opts), opts?.keepSource ?? false),
    watch: (source, opts) => watch(detector, source, opts),
  };
  return detector;
}
