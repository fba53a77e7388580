// Opt-in recycling of response buffers (`reuseOutputBuffers`). Outputs are views of the response body, so
// by default every call leaves a body-sized ArrayBuffer (2.8 MB for YOLOv8n's raw output) for V8's GC,
// which counts it as external memory and runs mark-compacts every few calls. A caller that is done with a
// response calls `release()`; its buffer then receives a later response instead of a fresh allocation.

export type ArrayBufferAllocator = (bytes: number) => ArrayBuffer;

export interface ResponseBufferPoolOptions {
  /** Free buffers kept at most (default 16). */
  maxBuffers?: number;
  /** Free bytes kept at most (default 256 MiB). */
  maxBytes?: number;
}

export class ResponseBufferPool {
  private readonly free: ArrayBuffer[] = [];
  private freeBytes = 0;
  /** Buffers this pool handed out: only those may come back (never a shared slab or a caller's memory). */
  private readonly owned = new WeakSet<ArrayBuffer>();
  /** Handed out and not yet released: a second release of the same buffer must not put it back twice. */
  private readonly out = new WeakSet<ArrayBuffer>();
  private readonly maxBuffers: number;
  private readonly maxBytes: number;

  constructor(o: ResponseBufferPoolOptions = {}) {
    this.maxBuffers = o.maxBuffers ?? 16;
    this.maxBytes = o.maxBytes ?? 256 * 1024 * 1024;
  }

  /** A buffer of at least `bytes`: the smallest free one that is not more than twice too big, else a new one. */
  acquire(bytes: number, alloc: ArrayBufferAllocator): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const n = this.free[i].byteLength;
      if (n >= bytes && n <= 2 * bytes + 4096 && (best < 0 || n < this.free[best].byteLength)) best = i;
    }
    let ab: ArrayBuffer;
    if (best >= 0) {
      ab = this.free[best];
      this.free[best] = this.free[this.free.length - 1];
      this.free.pop();
      this.freeBytes -= ab.byteLength;
    } else {
      ab = alloc(bytes);
      this.owned.add(ab);
    }
    this.out.add(ab);
    return ab;
  }

  /** Takes back a buffer from `acquire` (others and repeats are ignored); beyond the caps it is dropped. */
  release(ab: ArrayBufferLike): void {
    const b = ab as ArrayBuffer;
    if (!this.owned.has(b) || !this.out.has(b)) return;
    this.out.delete(b);
    if (this.free.length >= this.maxBuffers || this.freeBytes + b.byteLength > this.maxBytes) return;
    this.free.push(b);
    this.freeBytes += b.byteLength;
  }

  /** A response's `release()`: at most once, so a late second call cannot free the buffer after a newer
   * response got it. */
  releaser(buffer: ArrayBufferLike): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.release(buffer);
    };
  }

  clear(): void {
    this.free.length = 0;
    this.freeBytes = 0;
  }
}
