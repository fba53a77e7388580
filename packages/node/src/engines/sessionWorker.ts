/**
 * An onnxruntime session owned by a worker thread. onnxruntime-node runs `session.run` synchronously on the
 * calling thread (1.30 wraps it in a setImmediate), and so does onnxruntime-web's wasm build in Node: on the
 * main thread every inference would freeze the event loop for its whole duration — a server's other requests,
 * timers, and in a hybrid detector the remote path's sockets, which then could not overlap with local work.
 * In a worker the main thread only copies the input in (one memcpy) and receives the output by transfer.
 * The worker keeps the process alive only while a call is in flight.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { EngineError, type SightlineErrorCode } from '@sightline/core';
import { SESSION_WORKER_SOURCE } from './sessionWorkerSource.js';

export type WorkerRuntime = 'onnxruntime-node' | 'onnxruntime-web';

export interface SessionWorkerOptions {
  /** What the session's options say to onnxruntime (structured-cloneable). */
  sessionOptions: Record<string, unknown>;
  /** onnxruntime-web only: wasm threads. */
  wasmThreads?: number;
  /** Code for a model or device the runtime refuses (E_SESSION_CREATE; E_BACKEND_UNAVAILABLE for a missing GPU). */
  sessionErrorCode: SightlineErrorCode;
  /** Name used in messages, e.g. 'onnxruntime-node (cpu)'. */
  label: string;
}

/** What a run returns: the output tensor as onnxruntime described it. */
export interface WorkerOutput {
  type: string;
  data: unknown;
  dims: readonly number[];
}

type Reply =
  | { op: 'created' }
  | { op: 'create-failed'; stage: 'load' | 'session'; message: string }
  | { op: 'result'; id: number; type: string; data: unknown; dims: number[] }
  | { op: 'error'; id: number; message: string }
  | { op: 'released' };

interface Pending {
  resolve: (o: WorkerOutput) => void;
  reject: (e: Error) => void;
}

export class SessionWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the worker is gone (crashed, terminated or closed): every later call fails with it. */
  private gone: EngineError | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly label: string,
  ) {
    worker.on('message', (m: Reply) => this.onReply(m));
    worker.on('error', (e) => this.lose(`${label}: the inference thread failed: ${e.message}`, e));
    worker.on('exit', (code) => this.lose(`${label}: the inference thread exited (code ${code})`));
    worker.unref();
  }

  /** Starts the worker, loads the runtime and creates the session from `bytes` (copied). */
  static async create(runtime: WorkerRuntime, bytes: Uint8Array, o: SessionWorkerOptions): Promise<SessionWorker> {
    let module: string;
    try {
      module = createRequire(import.meta.url).resolve(runtime);
    } catch (e) {
      throw new EngineError('E_BACKEND_UNAVAILABLE', `${runtime} cannot be loaded: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const worker = new Worker(SESSION_WORKER_SOURCE, { eval: true, workerData: { module, wasmThreads: o.wasmThreads } });
    const reply = await new Promise<Reply>((resolve, reject) => {
      const onExit = (code: number) => reject(new EngineError('E_SESSION_CREATE', `${o.label}: the inference thread exited (code ${code}) while creating the session`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (m: Reply) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        resolve(m);
      });
      // A real copy: on a Node Buffer, slice() is a view, and transferring its (possibly pooled) ArrayBuffer
      // would detach the caller's bytes.
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      worker.postMessage({ op: 'create', bytes: copy, options: o.sessionOptions }, [copy.buffer]);
    }).catch(async (e: unknown) => {
      await worker.terminate();
      throw e instanceof EngineError ? e : new EngineError('E_SESSION_CREATE', `${o.label}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    });
    if (reply.op !== 'created') {
      await worker.terminate();
      const message = reply.op === 'create-failed' ? reply.message : `unexpected reply '${reply.op}'`;
      if (reply.op === 'create-failed' && reply.stage === 'load') throw new EngineError('E_BACKEND_UNAVAILABLE', `${runtime} cannot be loaded: ${message}`);
      throw new EngineError(o.sessionErrorCode, `${o.label} could not create a session: ${message}`);
    }
    return new SessionWorker(worker, o.label);
  }

  /** One inference. `data` is copied (only its view), so the caller may reuse its buffer at once. */
  run(inputName: string, type: string, data: ArrayBufferView, dims: readonly number[], outputName: string): Promise<WorkerOutput> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    const view = retype(data, bytes.buffer);
    return new Promise<WorkerOutput>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ op: 'run', id, input: inputName, type, data: view, dims: [...dims], output: outputName }, [bytes.buffer]);
    });
  }

  /** Releases the session (after the calls already sent have answered) and ends the thread; later calls fail with E_DISPOSED. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.gone) {
        const released = new Promise<void>((resolve) => {
          this.worker.on('message', (m: Reply) => m.op === 'released' && resolve());
          this.worker.once('exit', () => resolve());
        });
        this.worker.ref(); // the process waits for the release like for a call in flight
        this.worker.postMessage({ op: 'release' });
        await released;
      }
      this.lose('engine is disposed', undefined, 'E_DISPOSED');
      await this.worker.terminate();
    })();
    return this.closing;
  }

  private onReply(m: Reply): void {
    if (m.op !== 'result' && m.op !== 'error') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.settle(m.id);
    if (m.op === 'result') p.resolve({ type: m.type, data: m.data, dims: m.dims });
    else p.reject(new EngineError('E_INFERENCE', `${this.label} run failed: ${m.message}`));
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  /** The worker is gone: fail what is in flight and everything after (E_DEVICE_LOST, as a lost GPU would). */
  private lose(message: string, cause?: unknown, code: SightlineErrorCode = 'E_DEVICE_LOST'): void {
    this.gone ??= new EngineError(code, message, cause === undefined ? {} : { cause });
    for (const [id, p] of [...this.pending]) {
      this.settle(id);
      p.reject(this.gone);
    }
  }
}

/** The same element type as `like`, over `buffer` (a copy of its bytes). */
function retype(like: ArrayBufferView, buffer: ArrayBufferLike): ArrayBufferView {
  const C = like.constructor as new (b: ArrayBufferLike) => ArrayBufferView;
  return new C(buffer);
}
