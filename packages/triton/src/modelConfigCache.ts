// Reads each model's config once (batching limits, I/O, instances) and shares it; concurrent first reads
// share one request, and `refresh` re-reads after a redeploy.
import type { CallOptions, InferenceClient, ModelConfigSummary } from './types.js';

export class ModelConfigCache {
  private readonly entries = new Map<string, Promise<ModelConfigSummary>>();

  constructor(private readonly client: InferenceClient) {}

  /** The cached config, fetched on first use. A failed read is not cached. */
  get(model: string, o: CallOptions = {}): Promise<ModelConfigSummary> {
    const key = `${model}\u0000${o.version ?? ''}`;
    let p = this.entries.get(key);
    if (!p) {
      p = this.client.modelConfig(model, o);
      this.entries.set(key, p);
      p.catch(() => {
        if (this.entries.get(key) === p) this.entries.delete(key);
      });
    }
    return p;
  }

  /** Drop the cached entry and read it again. */
  refresh(model: string, o: CallOptions = {}): Promise<ModelConfigSummary> {
    this.invalidate(model, o.version);
    return this.get(model, o);
  }

  invalidate(model?: string, version?: string): void {
    if (model === undefined) this.entries.clear();
    else this.entries.delete(`${model}\u0000${version ?? ''}`);
  }
}
