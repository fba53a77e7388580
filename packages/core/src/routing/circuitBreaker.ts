/**
 * Classic three-state breaker guarding a remote endpoint: after `failureThreshold` consecutive failures it
 * opens (calls are refused without trying) for `cooldownMs`, then lets `halfOpenProbes` calls through; one
 * success closes it, one failure re-opens it with a doubled cool-down (capped).
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  failureThreshold?: number;
  cooldownMs?: number;
  maxCooldownMs?: number;
  halfOpenProbes?: number;
  now?: () => number;
}

export class CircuitBreaker {
  private readonly threshold: number;
  private readonly baseCooldown: number;
  private readonly maxCooldown: number;
  private readonly probes: number;
  private readonly now: () => number;
  private failures = 0;
  private openedAt = 0;
  private cooldown: number;
  private probesInFlight = 0;
  private current: BreakerState = 'closed';

  constructor({ failureThreshold = 3, cooldownMs = 5_000, maxCooldownMs = 60_000, halfOpenProbes = 1, now = () => Date.now() }: CircuitBreakerOptions = {}) {
    this.threshold = Math.max(1, failureThreshold);
    this.baseCooldown = Math.max(0, cooldownMs);
    this.maxCooldown = Math.max(this.baseCooldown, maxCooldownMs);
    this.probes = Math.max(1, halfOpenProbes);
    this.now = now;
    this.cooldown = this.baseCooldown;
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.cooldown) {
      this.current = 'half-open';
      this.probesInFlight = 0;
    }
    return this.current;
  }

  /** Whether a call may go through now. In half-open state this reserves one of the probe slots. */
  tryAcquire(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open') return false;
    if (this.probesInFlight >= this.probes) return false;
    this.probesInFlight++;
    return true;
  }

  /** Non-reserving check, for routing decisions. */
  get allowsTraffic(): boolean {
    const s = this.state;
    return s === 'closed' || (s === 'half-open' && this.probesInFlight < this.probes);
  }

  onSuccess(): void {
    this.failures = 0;
    this.current = 'closed';
    this.cooldown = this.baseCooldown;
    this.probesInFlight = 0;
  }

  onFailure(): void {
    const s = this.state;
    this.failures++;
    if (s === 'half-open') {
      this.cooldown = Math.min(this.maxCooldown, this.cooldown * 2);
      this.trip();
    } else if (s === 'closed' && this.failures >= this.threshold) {
      this.trip();
    }
  }

  private trip(): void {
    this.current = 'open';
    this.openedAt = this.now();
    this.probesInFlight = 0;
  }
}
