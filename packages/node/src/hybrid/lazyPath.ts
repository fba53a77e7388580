/**
 * A path (local engine or remote server) wrapped for the core HybridRouter. The remote side is created
 * lazily and re-created after a cool-down when the server was down, so a detector can start while Triton
 * is still booting and pick it up later.
 */
import { RemoteError, SightlineError, type PathRunner } from '@sightline/core';

export interface BatchCapable<TItem, TResult> {
  runBatch(items: readonly TItem[]): Promise<TResult[]>;
  dispose(): Promise<void>;
}

export class LazyPath<TItem, TResult> implements PathRunner<TItem, TResult> {
  private instance: BatchCapable<TItem, TResult> | null = null;
  private creating: Promise<BatchCapable<TItem, TResult>> | null = null;
  private retryAt = 0;
  lastError: SightlineError | null = null;

  constructor(
    readonly backend: string,
    private readonly create: () => Promise<BatchCapable<TItem, TResult>>,
    private readonly retryMs: number,
    readonly gpu = false,
  ) {}

  available(): boolean {
    return this.instance !== null || Date.now() >= this.retryAt;
  }

  async ensure(): Promise<BatchCapable<TItem, TResult>> {
    if (this.instance) return this.instance;
    if (!this.creating) {
      this.creating = this.create().then(
        (i) => {
          this.instance = i;
          this.lastError = null;
          return i;
        },
        (e: unknown) => {
          this.retryAt = Date.now() + this.retryMs;
          this.lastError = e instanceof SightlineError ? e : new RemoteError('E_REMOTE_UNAVAILABLE', `${this.backend} could not start: ${String(e)}`, { cause: e });
          throw this.lastError;
        },
      );
      this.creating.finally(() => {
        this.creating = null;
      }).catch(() => {});
    }
    return this.creating;
  }

  async run(items: readonly TItem[]): Promise<Array<TResult | Error>> {
    const inst = await this.ensure();
    return inst.runBatch(items);
  }

  async dispose(): Promise<void> {
    const i = this.instance ?? (this.creating ? await this.creating.catch(() => null) : null);
    this.instance = null;
    await i?.dispose();
  }
}
