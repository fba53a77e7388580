/** Running statistics of a watch loop: completed-frame FPS over a sliding window and smoothed stage times. */
import type { BackendName, Timings } from '../types.js';

export interface WatchStats {
  /** Detections completed per second over the last ~5 s (slow WASM models finish a frame every second or so). */
  fps: number;
  /** Frames sent to the detector. */
  frames: number;
  /** New video frames that arrived while a detection was in flight and were skipped (latest frame wins). */
  dropped: number;
  /** Frames skipped by the `fps` cap. */
  throttled: number;
  /** Detections in flight now (0 or 1). */
  inFlight: number;
  /** Most detections ever in flight at once (1: frames were never queued). */
  maxInFlight: number;
  /** Smoothed per-stage times in ms (worker stages plus `capture` on the main thread and `latency` end to end). */
  timings: Timings & { capture: number; latency: number };
  backend: BackendName | null;
  paused: boolean;
  errors: number;
}

const WINDOW_MS = 5000;
const ALPHA = 0.2;

export class StatsMeter {
  readonly s: WatchStats = {
    fps: 0,
    frames: 0,
    dropped: 0,
    throttled: 0,
    inFlight: 0,
    maxInFlight: 0,
    timings: { preprocess: 0, inference: 0, postprocess: 0, total: 0, capture: 0, latency: 0 },
    backend: null,
    paused: false,
    errors: 0,
  };
  // Ring of completion times; fixed size so a long session allocates nothing per frame.
  private readonly times = new Float64Array(256);
  private head = 0;
  private count = 0;

  complete(now: number, t: Timings, capture: number, latency: number, backend: BackendName): void {
    this.times[this.head] = now;
    this.head = (this.head + 1) % this.times.length;
    if (this.count < this.times.length) this.count++;
    let n = 0;
    let oldest = now;
    for (let i = 0; i < this.count; i++) {
      const v = this.times[(this.head - 1 - i + this.times.length) % this.times.length];
      if (now - v > WINDOW_MS) break;
      oldest = v;
      n++;
    }
    // One completion in the window (first frame, or a very slow model): estimate from its own latency.
    this.s.fps = n > 1 && now > oldest ? ((n - 1) * 1000) / (now - oldest) : latency > 0 ? 1000 / latency : 0;
    const m = this.s.timings;
    const first = this.s.backend === null;
    const ema = (prev: number, v: number) => (first ? v : prev + ALPHA * (v - prev));
    m.preprocess = ema(m.preprocess, t.preprocess);
    m.inference = ema(m.inference, t.inference);
    m.postprocess = ema(m.postprocess, t.postprocess);
    m.total = ema(m.total, t.total);
    m.capture = ema(m.capture, capture);
    m.latency = ema(m.latency, latency);
    this.s.backend = backend;
  }

  /** A copy callers can keep. */
  snapshot(): WatchStats {
    return { ...this.s, timings: { ...this.s.timings } };
  }

  resetRate(): void {
    this.count = 0;
    this.s.fps = 0;
  }
}
