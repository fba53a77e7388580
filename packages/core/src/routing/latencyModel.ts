/**
 * Online estimate of one path's cost: latency(n) ≈ fixedMs + perImageMs · n for a call of n images.
 * Fitted by exponentially-forgotten least squares over measured calls, so it tracks a device that warms up,
 * throttles or gets busier, and works from a single sample (then the fixed part is taken from the prior).
 */
export interface LatencyEstimate {
  fixedMs: number;
  perImageMs: number;
  samples: number;
}

export interface LatencyModelOptions {
  /** Weight of the newest sample (0..1]; 0.2 ≈ the last ~10 calls matter. */
  alpha?: number;
  /** Prior used until measurements arrive (e.g. from a probe or user configuration). */
  prior?: Partial<LatencyEstimate>;
}

export class LatencyModel {
  private readonly alpha: number;
  private sw = 0;
  private sn = 0;
  private st = 0;
  private snn = 0;
  private snt = 0;
  private fixed: number;
  private perImage: number;
  private count = 0;
  private fixedFitted: boolean;

  constructor({ alpha = 0.2, prior = {} }: LatencyModelOptions = {}) {
    this.alpha = Math.min(1, Math.max(1e-3, alpha));
    this.fixed = Math.max(0, prior.fixedMs ?? 0);
    this.perImage = Math.max(0, prior.perImageMs ?? Number.NaN);
    this.fixedFitted = prior.fixedMs !== undefined;
  }

  /** Record one call that processed `images` images in `ms` milliseconds. */
  observe(images: number, ms: number): void {
    if (!(images > 0) || !Number.isFinite(ms) || ms < 0) return;
    const keep = 1 - this.alpha;
    this.sw = this.sw * keep + 1;
    this.sn = this.sn * keep + images;
    this.st = this.st * keep + ms;
    this.snn = this.snn * keep + images * images;
    this.snt = this.snt * keep + images * ms;
    this.count++;
    const meanN = this.sn / this.sw;
    const meanT = this.st / this.sw;
    const varN = this.snn / this.sw - meanN * meanN;
    if (varN > 1e-6 * (1 + meanN * meanN)) {
      // Enough spread in batch sizes to separate fixed from per-image cost.
      const slope = (this.snt / this.sw - meanN * meanT) / varN;
      this.perImage = Math.max(0, slope);
      this.fixed = Math.max(0, meanT - this.perImage * meanN);
      this.fixedFitted = true;
    } else {
      // All calls had the same size: keep the fixed part, attribute the rest per image.
      this.perImage = Math.max(0, (meanT - Math.min(this.fixed, meanT)) / meanN);
    }
  }

  get estimate(): LatencyEstimate {
    return { fixedMs: this.fixed, perImageMs: this.perImage, samples: this.count };
  }

  /** Predicted latency for a call of `images`; NaN while nothing is known. */
  predict(images: number): number {
    return this.fixed + this.perImage * images;
  }

  get known(): boolean {
    return Number.isFinite(this.perImage);
  }

  /** Whether the fixed part was measured (calls of different sizes) or given, rather than assumed to be 0. */
  get fixedKnown(): boolean {
    return this.fixedFitted;
  }
}
