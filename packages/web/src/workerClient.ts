/**
 * Main-thread handle on an engine worker. A worker is created per detector unless the caller passes one
 * from createWorker() to share it; a shared worker is terminated by its owner, a private one on dispose().
 */
import { wrap, type Remote } from 'comlink';
import { installErrorTransfer } from './errorTransfer.js';
import type { EngineHostApi } from './protocol.js';
import type { SightlineWorker } from './types.js';

let seq = 0;

export class EngineWorker implements SightlineWorker {
  readonly id: string;
  readonly api: Remote<EngineHostApi>;
  private readonly worker: Worker;
  private terminated = false;

  constructor() {
    installErrorTransfer();
    this.id = `sightline-worker-${++seq}`;
    this.worker = new Worker(new URL('./worker/engineWorker.js', import.meta.url), { type: 'module', name: this.id });
    this.api = wrap<EngineHostApi>(this.worker);
  }

  get isTerminated(): boolean {
    return this.terminated;
  }

  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.worker.terminate();
  }
}

/** A worker that several detectors/classifiers can share (`{ worker }` option). Call terminate() when done. */
export function createWorker(): SightlineWorker {
  return new EngineWorker();
}
