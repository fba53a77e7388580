/** createDetector: the public object detection API (a thin main-thread proxy to the engine worker). */
import { EngineClient } from './engineClient.js';
import type { DetectOptions, DetectResult, DetectorOptions, ImageSource, ModelInfo } from './types.js';
import { watch, type WatchHandle, type WatchOptions } from './video/watch.js';

export interface Detector {
  readonly info: ModelInfo;
  detect(source: ImageSource, opts?: DetectOptions): Promise<DetectResult>;
  detectBatch(sources: ImageSource[], opts?: DetectOptions): Promise<DetectResult[]>;
  /** Live detection on a video or camera stream (latest frame wins; see video/watch.ts). */
  watch(source: HTMLVideoElement | MediaStream, opts: WatchOptions): WatchHandle;
  /** Test hook: destroy the GPU device to exercise device-loss recovery (false on WASM). */
  loseDeviceForTesting(): Promise<boolean>;
  dispose(): Promise<void>;
}

export async function createDetector(options: DetectorOptions): Promise<Detector> {
  const c = await EngineClient.create('detect', options);
  const frameOpts = (o: DetectOptions = {}) => ({ conf: o.conf, iou: o.iou, maxDet: o.maxDet, classes: o.classes });
  const detector: Detector = {
    get info() {
      return c.info;
    },
    detect: async (source, opts) => (await c.send<DetectResult>('detect', [source], frameOpts(opts), opts?.keepSource ?? false))[0],
    detectBatch: (sources, opts) => c.send<DetectResult>('detect', sources, frameOpts(opts), opts?.keepSource ?? false),
    loseDeviceForTesting: () => c.loseDevice(),
    watch: (source, opts) => watch(detector, source, opts),
    dispose: () => c.dispose(),
  };
  return detector;
}
