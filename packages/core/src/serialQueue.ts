/**
 * Runs tasks one at a time in call order; a failed task does not stop the next. The engines' pre-processors
 * and decoders reuse their buffers, and an engine may still be reading an input buffer while a second call
 * would overwrite it, so the tensor stages of concurrent calls are serialised (Node's engines and the web
 * worker's OnnxEngine alike).
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
