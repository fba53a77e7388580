/**
 * Runs tasks one at a time in call order. The preprocessors and decoder reuse their buffers, and an engine
 * may still be reading an input buffer while a second call would overwrite it, so the tensor stages of
 * concurrent calls are serialised (image decoding stays concurrent).
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
