// Several replicas behind one InferenceClient: each call goes to the healthy endpoint with the fewest
// requests outstanding; an endpoint failing `failureThreshold` times in a row (network, timeout, 503) is
// ejected, and after `cooldownMs` a /v2/health/ready probe decides whether it comes back.
import { OptionError, RemoteError, SightlineError } from '@sightline/core';
import type { CallOptions, InferenceClient, InferRequest, InferResponse, ModelConfigSummary, ModelMetadata, ServerMetadata } from './types.js';

export interface EndpointPoolOptions {
  endpoints: InferenceClient[];
  /** Consecutive failures before ejection (default 3). */
  failureThreshold?: number;
  /** Time an ejected endpoint waits before its re-admission probe (default 5000 ms). */
  cooldownMs?: number;
  /** Probe timeout (default 2000 ms). */
  probeTimeoutMs?: number;
  /** Other endpoints tried after a refused/reset connection or a 503 (default 1). */
  failover?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

export interface EndpointState {
  url: string;
  outstanding: number;
  consecutiveFailures: number;
  healthy: boolean;
  /** When the next re-admission probe may run (ms, pool clock); 0 when healthy. */
  ejectedUntil: number;
  requests: number;
  failures: number;
}

interface Entry extends EndpointState {
  client: InferenceClient;
  probing: Promise<void> | undefined;
}

/** Errors that say the endpoint (not the request) is the problem. */
export function isEndpointFailure(e: unknown): boolean {
  return e instanceof SightlineError && (e.code === 'E_REMOTE_NETWORK' || e.code === 'E_REMOTE_TIMEOUT' || e.code === 'E_REMOTE_UNAVAILABLE');
}

/** Failures where retrying on another replica is considered safe: refused/reset connections and 503. */
function safeToFailOver(e: unknown): boolean {
  if (!(e instanceof SightlineError)) return false;
  if (e.code === 'E_REMOTE_UNAVAILABLE') return true;
  return e.code === 'E_REMOTE_NETWORK' && (e.details.kind === 'refused' || e.details.kind === 'reset');
}

export class EndpointPool implements InferenceClient {
  readonly protocol: 'http' | 'grpc';
  readonly url: string;
  private readonly entries: Entry[];
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly probeTimeoutMs: number;
  private readonly failover: number;
  private readonly now: () => number;

  constructor(options: EndpointPoolOptions) {
    if (!options || !Array.isArray(options.endpoints) || options.endpoints.length === 0) throw new OptionError('E_INVALID_OPTION', 'EndpointPool needs at least one endpoint');
    this.entries = options.endpoints.map((client) => ({ client, url: client.url, outstanding: 0, consecutiveFailures: 0, healthy: true, ejectedUntil: 0, requests: 0, failures: 0, probing: undefined }));
    this.protocol = options.endpoints[0].protocol;
    this.url = this.entries.map((e) => e.url).join(',');
    this.threshold = options.failureThreshold ?? 3;
    this.cooldownMs = options.cooldownMs ?? 5000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 2000;
    this.failover = options.failover ?? 1;
    this.now = options.now ?? (() => Date.now());
    if (!(this.threshold >= 1) || !(this.cooldownMs >= 0)) throw new OptionError('E_INVALID_OPTION', 'failureThreshold must be ≥ 1 and cooldownMs ≥ 0');
  }

  /** A snapshot of every endpoint's state. */
  stats(): EndpointState[] {
    return this.entries.map(({ client: _c, probing: _p, ...s }) => ({ ...s }));
  }

  /** Probe every ejected endpoint whose cool-down has passed (also done lazily on each call). */
  async probeEjected(): Promise<void> {
    this.startProbes();
    await Promise.all(this.entries.map((e) => e.probing));
  }

  private startProbes(): void {
    const t = this.now();
    for (const e of this.entries) {
      if (e.healthy || e.probing || t < e.ejectedUntil) continue;
      e.probing = (async () => {
        let ok = false;
        try {
          ok = await (e.client as InferenceClient & { serverReady(o?: CallOptions & { retries?: number }): Promise<boolean> }).serverReady({ timeoutMs: this.probeTimeoutMs, retries: 0 });
        } catch {
          ok = false;
        }
        if (ok) {
          e.healthy = true;
          e.consecutiveFailures = 0;
          e.ejectedUntil = 0;
        } else {
          e.ejectedUntil = this.now() + this.cooldownMs;
        }
        e.probing = undefined;
      })();
    }
  }

  /** The healthy endpoint with the fewest outstanding requests (ties: fewest served), excluding `skip`. */
  private pick(skip: Set<Entry>): Entry | undefined {
    this.startProbes();
    let best: Entry | undefined;
    for (const e of this.entries) {
      if (!e.healthy || skip.has(e)) continue;
      if (!best || e.outstanding < best.outstanding || (e.outstanding === best.outstanding && e.requests < best.requests)) best = e;
    }
    return best;
  }

  /** Picks and reserves (outstanding++) synchronously when possible, so concurrent calls spread out. */
  private async acquire(skip: Set<Entry>): Promise<Entry> {
    let e = this.pick(skip);
    if (e) {
      e.outstanding++;
      return e;
    }
    if (!e) {
      // Nothing healthy: give probes already due a chance before giving up.
      const probes = this.entries.filter((x) => x.probing).map((x) => x.probing);
      if (probes.length) {
        await Promise.all(probes);
        e = this.pick(skip);
      }
    }
    if (!e) throw new RemoteError('E_REMOTE_UNAVAILABLE', `no healthy endpoint among ${this.entries.length}`, { details: { endpoints: this.stats() } });
    e.outstanding++;
    return e;
  }

  private record(e: Entry, err: unknown): void {
    if (err === undefined) {
      e.consecutiveFailures = 0;
      return;
    }
    if (!isEndpointFailure(err)) return;
    e.failures++;
    e.consecutiveFailures++;
    if (e.healthy && e.consecutiveFailures >= this.threshold) {
      e.healthy = false;
      e.ejectedUntil = this.now() + this.cooldownMs;
    }
  }

  /** Run `fn` on a chosen endpoint, failing over where the request provably did not run. */
  async run<T>(fn: (client: InferenceClient) => Promise<T>): Promise<T> {
    const tried = new Set<Entry>();
    for (let hop = 0; ; hop++) {
      const e = await this.acquire(tried);
      tried.add(e);
      e.requests++;
      try {
        const r = await fn(e.client);
        this.record(e, undefined);
        return r;
      } catch (err) {
        this.record(e, err);
        if (!safeToFailOver(err) || hop >= this.failover || tried.size >= this.entries.length) throw err;
      } finally {
        e.outstanding--;
      }
    }
  }

  serverLive(o?: CallOptions): Promise<boolean> {
    return this.run((c) => c.serverLive(o));
  }
  serverReady(o?: CallOptions): Promise<boolean> {
    return this.run((c) => c.serverReady(o));
  }
  serverMetadata(o?: CallOptions): Promise<ServerMetadata> {
    return this.run((c) => c.serverMetadata(o));
  }
  modelReady(model: string, o?: CallOptions): Promise<boolean> {
    return this.run((c) => c.modelReady(model, o));
  }
  modelMetadata(model: string, o?: CallOptions): Promise<ModelMetadata> {
    return this.run((c) => c.modelMetadata(model, o));
  }
  modelConfig(model: string, o?: CallOptions): Promise<ModelConfigSummary> {
    return this.run((c) => c.modelConfig(model, o));
  }
  infer(model: string, request: InferRequest, o?: CallOptions): Promise<InferResponse> {
    return this.run((c) => c.infer(model, request, o));
  }
  async close(): Promise<void> {
    await Promise.all(this.entries.map((e) => e.client.close()));
  }
}
