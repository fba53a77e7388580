/**
 * `window.sightlineDemo`: what the e2e suite and curious developers can read — the last detections drawn
 * (as data), a bounded per-frame history, stats and the live camera stream. Read-only by convention.
 */
import type { Detection } from '@sightline/core';
import type { ModelInfo, WatchStats } from '@sightline/web';

export interface FrameRecord {
  frameIndex: number;
  width: number;
  height: number;
  detections: Detection[];
}

export interface DemoHook {
  ready: boolean;
  modelReady: boolean;
  info: ModelInfo | null;
  last: (FrameRecord & { source: 'camera' | 'image' }) | null;
  frames: FrameRecord[];
  stats: WatchStats | null;
  stream: MediaStream | null;
  batch: { name: string; detections: Detection[] }[];
  fallbacks: string[];
  errors: string[];
  compare: { local: Detection[]; remote: Detection[] } | null;
}

const MAX_FRAMES = 600;

export const hook: DemoHook = {
  ready: false,
  modelReady: false,
  info: null,
  last: null,
  frames: [],
  stats: null,
  stream: null,
  batch: [],
  fallbacks: [],
  errors: [],
  compare: null,
};

export function recordFrame(r: FrameRecord): void {
  hook.frames.push(r);
  if (hook.frames.length > MAX_FRAMES) hook.frames.splice(0, hook.frames.length - MAX_FRAMES);
  hook.last = { ...r, source: 'camera' };
}

declare global {
  interface Window {
    sightlineDemo: DemoHook;
  }
}
window.sightlineDemo = hook;
