/** Element lookup and the small text-only renderers the demo uses (never innerHTML: labels are untrusted). */
import type { Timings, WatchStats } from '@sightline/web';

export function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo markup is missing #${id}`);
  return el as T;
}

export const ui = {
  status: $<HTMLParagraphElement>('status'),
  stage: $<HTMLDivElement>('stage'),
  video: $<HTMLVideoElement>('video'),
  still: $<HTMLCanvasElement>('still'),
  placeholder: $<HTMLParagraphElement>('placeholder'),
  camera: $<HTMLSelectElement>('camera'),
  camStart: $<HTMLButtonElement>('cam-start'),
  camStop: $<HTMLButtonElement>('cam-stop'),
  track: $<HTMLInputElement>('track'),
  files: $<HTMLInputElement>('files'),
  folder: $<HTMLInputElement>('folder'),
  sample: $<HTMLButtonElement>('sample'),
  compareBtn: $<HTMLButtonElement>('compare-btn'),
  modelUrl: $<HTMLInputElement>('model-url'),
  modelFile: $<HTMLInputElement>('model-file'),
  modelLoad: $<HTMLButtonElement>('model-load'),
  cacheEvict: $<HTMLButtonElement>('cache-evict'),
  progress: $<HTMLProgressElement>('progress'),
  modelInfo: $<HTMLParagraphElement>('model-info'),
  cacheStatus: $<HTMLParagraphElement>('cache-status'),
  modelHelp: $<HTMLParagraphElement>('model-help'),
  backend: $<HTMLSelectElement>('backend'),
  fallback: $<HTMLParagraphElement>('fallback'),
  remoteUrl: $<HTMLInputElement>('remote-url'),
  remoteModel: $<HTMLInputElement>('remote-model'),
  remoteNote: $<HTMLParagraphElement>('remote-note'),
  conf: $<HTMLInputElement>('conf'),
  confOut: $<HTMLOutputElement>('conf-out'),
  iou: $<HTMLInputElement>('iou'),
  iouOut: $<HTMLOutputElement>('iou-out'),
  hud: {
    fps: $<HTMLElement>('hud-fps'),
    backend: $<HTMLElement>('hud-backend'),
    stages: $<HTMLElement>('hud-stages'),
    dropped: $<HTMLElement>('hud-dropped'),
    objects: $<HTMLElement>('hud-objects'),
    bytes: $<HTMLElement>('hud-bytes'),
  },
  compare: $<HTMLElement>('compare'),
  compareLocal: $<HTMLCanvasElement>('compare-local'),
  compareRemote: $<HTMLCanvasElement>('compare-remote'),
  compareLocalCap: $<HTMLElement>('compare-local-cap'),
  compareRemoteCap: $<HTMLElement>('compare-remote-cap'),
  batch: $<HTMLElement>('batch'),
  batchGrid: $<HTMLUListElement>('batch-grid'),
  batchSummary: $<HTMLElement>('batch-summary'),
};

export function setStatus(text: string): void {
  ui.status.textContent = text;
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function showTimings(t: Timings): void {
  ui.hud.stages.textContent = `${ms(t.preprocess)} / ${ms(t.inference)} / ${ms(t.postprocess)} ms`;
}

export function showStats(s: WatchStats): void {
  ui.hud.fps.textContent = s.fps.toFixed(1);
  ui.hud.backend.textContent = s.backend ?? '–';
  ui.hud.dropped.textContent = String(s.dropped);
  showTimings(s.timings);
}

/** "2 person, 1 bus" from detections, as plain text. */
export function summarize(dets: readonly { label: string }[]): string {
  const counts = new Map<string, number>();
  for (const d of dets) counts.set(d.label, (counts.get(d.label) ?? 0) + 1);
  return [...counts].map(([l, n]) => `${n} ${l}`).join(', ') || 'nothing found';
}
