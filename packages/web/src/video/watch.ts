/**
 * Live detection on a <video> or MediaStream. Each new video frame (requestVideoFrameCallback, falling back
 * to requestAnimationFrame) is captured as a VideoFrame (ImageBitmap where VideoFrame is missing) and
 * transferred to the worker. Latest frame wins: while a detection is in flight, newer frames only replace a
 * single pending slot and the superseded ones are counted as dropped, so a slow model never builds a queue
 * and results are never older than one inference. Pauses while the page is hidden.
 */
import { EngineError, IouTracker, OptionError, type TrackerOptions } from '@sightline/core';
import type { DetectOptions, DetectResult, ImageSource, ModelInfo } from '../types.js';
import { StatsMeter, type WatchStats } from './watchStats.js';

/** What watch() needs from a detector (any object with detect(), e.g. createDetector's). */
export interface FrameDetector {
  readonly info?: ModelInfo;
  detect(source: ImageSource, opts?: DetectOptions): Promise<DetectResult>;
}

export interface WatchResult extends DetectResult {
  /** Sequence number of the frame sent (0-based). */
  frameIndex: number;
  stats: WatchStats;
}

export interface WatchOptions extends Omit<DetectOptions, 'keepSource'> {
  onResult: (r: WatchResult) => void;
  /** Detection errors (the loop keeps going, except after E_DISPOSED). Default: console.error. */
  onError?: (e: unknown) => void;
  /** Upper bound on frames sent per second (default: as fast as the detector allows). */
  fps?: number;
  signal?: AbortSignal;
  /** Stable `trackId`s across frames with the core's IouTracker (true = default options). */
  track?: boolean | TrackerOptions;
}

export interface WatchHandle {
  /** The video being watched (created, hidden, for a MediaStream). */
  readonly video: HTMLVideoElement;
  readonly stats: WatchStats;
  readonly stopped: boolean;
  stop(): void;
  /** Change conf / iou / maxDet / classes for the next frames (e.g. from a slider) without restarting. */
  setOptions(o: Omit<DetectOptions, 'keepSource'>): void;
  /** Resolves once stopped and the last in-flight detection has settled. */
  readonly done: Promise<void>;
}

type VideoWithRvfc = HTMLVideoElement & {
  requestVideoFrameCallback?: (cb: () => void) => number;
  cancelVideoFrameCallback?: (h: number) => void;
};

function hiddenVideoFor(stream: MediaStream): HTMLVideoElement {
  const v = document.createElement('video');
  v.muted = true;
  v.playsInline = true;
  v.autoplay = true;
  // In the document (frame callbacks need a rendered element) but invisible and inert.
  Object.assign(v.style, { position: 'fixed', left: '0', top: '0', width: '1px', height: '1px', opacity: '0', pointerEvents: 'none' });
  v.setAttribute('aria-hidden', 'true');
  v.srcObject = stream;
  document.body.append(v);
  return v;
}

async function capture(video: HTMLVideoElement): Promise<VideoFrame | ImageBitmap> {
  if (typeof VideoFrame === 'function') return new VideoFrame(video);
  return createImageBitmap(video);
}

export function watch(detector: FrameDetector, source: HTMLVideoElement | MediaStream, opts: WatchOptions): WatchHandle {
  if (!detector || typeof detector.detect !== 'function') throw new OptionError('E_INVALID_OPTION', 'watch() needs a detector with detect()');
  if (!opts || typeof opts.onResult !== 'function') throw new OptionError('E_INVALID_OPTION', 'watch() needs an onResult callback');
  if (opts.fps !== undefined && !(opts.fps > 0)) throw new OptionError('E_INVALID_OPTION', `fps must be > 0, got ${String(opts.fps)}`);
  const isVideo = typeof HTMLVideoElement === 'function' && source instanceof HTMLVideoElement;
  const isStream = typeof MediaStream === 'function' && source instanceof MediaStream;
  if (!isVideo && !isStream) throw new OptionError('E_INVALID_OPTION', 'watch() source must be an HTMLVideoElement or a MediaStream');
  if (opts.signal?.aborted) throw new EngineError('E_ABORTED', 'watch() signal already aborted');

  const video = (isVideo ? source : hiddenVideoFor(source as MediaStream)) as VideoWithRvfc;
  const owned = !isVideo;
  const onError = opts.onError ?? ((e: unknown) => console.error('[sightline] watch:', e));
  if (owned) void video.play().catch(onError);
  const tracker = opts.track ? new IouTracker(opts.track === true ? {} : opts.track) : null;
  let detectOpts: DetectOptions = { conf: opts.conf, iou: opts.iou, maxDet: opts.maxDet, classes: opts.classes };
  const minInterval = opts.fps ? 1000 / opts.fps : 0;
  const meter = new StatsMeter();
  const stats = meter.s;
  const useRvfc = typeof video.requestVideoFrameCallback === 'function';

  let stopped = false;
  let busy = false;
  let pending = false;
  let scheduled: number | null = null;
  let lastSent = -Infinity;
  let lastMediaTime = -1;
  let frameIndex = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  const schedule = (): void => {
    if (stopped || stats.paused || scheduled !== null) return;
    scheduled = useRvfc ? video.requestVideoFrameCallback!(onFrame) : requestAnimationFrame(onAnimationFrame);
  };
  const unschedule = (): void => {
    if (scheduled === null) return;
    if (useRvfc) video.cancelVideoFrameCallback?.(scheduled);
    else cancelAnimationFrame(scheduled);
    scheduled = null;
  };

  function onAnimationFrame(): void {
    // rAF ticks at display rate: only a changed currentTime is a new video frame.
    if (video.currentTime === lastMediaTime) {
      scheduled = null;
      return schedule();
    }
    lastMediaTime = video.currentTime;
    onFrame();
  }

  function onFrame(): void {
    scheduled = null;
    schedule();
    if (stopped || stats.paused || video.readyState < 2 || video.videoWidth === 0) return;
    if (busy) {
      if (pending) stats.dropped++;
      pending = true;
      return;
    }
    void send();
  }

  async function send(): Promise<void> {
    const now = performance.now();
    if (now - lastSent < minInterval) {
      stats.throttled++;
      return;
    }
    lastSent = now;
    busy = true;
    stats.inFlight = 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const index = frameIndex++;
    try {
      const frame = await capture(video);
      const captured = performance.now();
      stats.frames++;
      const r = await detector.detect(frame, detectOpts);
      const end = performance.now();
      meter.complete(end, r.timings, captured - now, end - now, r.backend);
      if (tracker) r.detections = tracker.update(r.detections);
      if (!stopped) opts.onResult({ ...r, frameIndex: index, stats: meter.snapshot() });
    } catch (e) {
      stats.errors++;
      if (!stopped) onError(e);
      if ((e as { code?: string }).code === 'E_DISPOSED') stop();
    } finally {
      busy = false;
      stats.inFlight = 0;
    }
    if (stopped) return resolveDone();
    if (pending && !stats.paused) {
      // The element already shows the newest frame: take it now rather than waiting for the next callback.
      pending = false;
      void send();
    }
  }

  const onVisibility = (): void => {
    if (document.visibilityState === 'hidden') {
      stats.paused = true;
      pending = false;
      unschedule();
    } else if (stats.paused) {
      stats.paused = false;
      meter.resetRate();
      // Tracks from before the pause would match stale positions.
      tracker?.reset();
      schedule();
    }
  };

  function stop(): void {
    if (stopped) return;
    stopped = true;
    pending = false;
    unschedule();
    document.removeEventListener('visibilitychange', onVisibility);
    opts.signal?.removeEventListener('abort', stop);
    if (owned) {
      video.pause();
      video.srcObject = null;
      video.remove();
    }
    if (!busy) resolveDone();
  }

  document.addEventListener('visibilitychange', onVisibility);
  opts.signal?.addEventListener('abort', stop, { once: true });
  if (document.visibilityState === 'hidden') stats.paused = true;
  schedule();

  return {
    video,
    get stats() {
      return meter.snapshot();
    },
    get stopped() {
      return stopped;
    },
    stop,
    setOptions(o) {
      detectOpts = { ...detectOpts, ...o };
    },
    done,
  };
}
