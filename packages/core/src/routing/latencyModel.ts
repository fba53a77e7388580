/**
 * Online estimate of one path's cost: latency(n) ≈ fixedMs + perImageMs · n for a call of n images.
 * Calls are kept by size class (1, 2-3, 4-7, 8-15, …), each class an exponentially-forgotten mean of its own
 * recent calls. Predictions interpolate between the classes' means (a GPU's cost per image falls with batch
 * size, so one straight line misplaces single frames by ~10 %); `estimate` is the least-squares line through
 * them, for the policy's split and threshold arithmetic. Each class forgets only as its own calls
 * arrive: with one forgetting clock over all calls, a stream of 300 single frames erased what a 64-image batch
 * costs (the slope then came from the batches' fading weight and the frames' noise: 3 ms per image fitted
 * against 15-20 measured on the H100), and batches were placed by a fit that no longer described them.
 * A class still tracks a device that warms up, throttles or gets busier (a lone spike counts at most twice
 * the class's mean, see SPIKE_CAP); a single class works from one sample (the fixed part then comes from the
 * prior).
 */
export interface LatencyEstimate {
  fixedMs: number;
  perImageMs: number;
  samples: number;
}

export interface LatencyModelOptions {
  /** Weight of the newest sample within its size class (0..1]; 0.2 ≈ the class's last ~10 calls matter. */
  alpha?: number;
  /** Prior used until measurements arrive (e.g. from a probe or user configuration). */
  prior?: Partial<LatencyEstimate>;
}

/** Weight of a class in the fit: its calls, up to this many (a busy class must not drown the others). */
const MAX_CLASS_WEIGHT = 4;
/**
 * Once a class has this many calls, a sample counts as at most SPIKE_CAP × the class's mean. Latency has a
 * long upper tail (a GC pause, a stalled socket, the OS scheduling something else: p99 is ~2× p95 for WebGPU
 * frames on the H100 host): taken whole, one 100 ms hiccup on a 17 ms path made it look dearer than a 33 ms
 * server, and the stream went there until an exploration came back. A path that really got slower still
 * gets there: each capped sample raises the mean by up to alpha × (SPIKE_CAP − 1) of it (×1.2 a call).
 */
const SPIKE_CAP = 2;
const SPIKE_MIN_CALLS = 3;

interface SizeClass {
  /** Forgotten sums: weight, images, milliseconds. */
  w: number;
  n: number;
  t: number;
  calls: number;
}

export class LatencyModel {
  private readonly alpha: number;
  private readonly classes = new Map<number, SizeClass>();
  private fixed: number;
  private perImage: number;
  private count = 0;
  private fixedFitted: boolean;
  /** Class means (images, ms) and fit weights, by images: where predict() interpolates. */
  private points: { n: number; t: number; w: number }[] = [];

  constructor({ alpha = 0.2, prior = {} }: LatencyModelOptions = {}) {
    this.alpha = Math.min(1, Math.max(1e-3, alpha));
    this.fixed = Math.max(0, prior.fixedMs ?? 0);
    this.perImage = Math.max(0, prior.perImageMs ?? Number.NaN);
    this.fixedFitted = prior.fixedMs !== undefined;
  }

  /**
   * Record one call that processed `images` images in `ms` milliseconds. `weight`: how many ordinary calls this
   * one counts as (a re-measurement of a path the router rarely uses is fresher than what its class holds).
   */
  observe(images: number, ms: number, weight = 1): void {
    if (!(images > 0) || !Number.isFinite(images) || !Number.isFinite(ms) || ms < 0 || !(weight > 0)) return;
    const key = Math.floor(Math.log2(images));
    const c = this.classes.get(key) ?? { w: 0, n: 0, t: 0, calls: 0 };
    // The cap is per image of the class's mean call, so a larger call in the same class is not cut.
    if (c.calls >= SPIKE_MIN_CALLS) ms = Math.min(ms, ((SPIKE_CAP * c.t) / c.n) * images);
    const keep = (1 - this.alpha) ** weight;
    c.w = c.w * keep + weight;
    c.n = c.n * keep + weight * images;
    c.t = c.t * keep + weight * ms;
    c.calls++;
    this.classes.set(key, c);
    this.count++;
    this.fit();
  }

  /** Weighted least squares through the classes' mean (images, ms). */
  private fit(): void {
    this.points = [...this.classes.values()].map((c) => ({ n: c.n / c.w, t: c.t / c.w, w: Math.min(c.calls, MAX_CLASS_WEIGHT) })).sort((a, b) => a.n - b.n);
    let sw = 0;
    let sn = 0;
    let st = 0;
    let snn = 0;
    let snt = 0;
    for (const { n, t, w } of this.points) {
      sw += w;
      sn += w * n;
      st += w * t;
      snn += w * n * n;
      snt += w * n * t;
    }
    const meanN = sn / sw;
    const meanT = st / sw;
    const varN = snn / sw - meanN * meanN;
    if (this.classes.size >= 2 && varN > 1e-9 * (1 + meanN * meanN)) {
      const slope = (snt / sw - meanN * meanT) / varN;
      this.perImage = Math.max(0, slope);
      this.fixed = Math.max(0, meanT - this.perImage * meanN);
      this.fixedFitted = true;
    } else {
      // One size class: keep the fixed part, attribute the rest per image.
      this.perImage = Math.max(0, (meanT - Math.min(this.fixed, meanT)) / meanN);
    }
  }

  get estimate(): LatencyEstimate {
    return { fixedMs: this.fixed, perImageMs: this.perImage, samples: this.count };
  }

  /**
   * Predicted latency for a call of `images`; NaN while nothing is known. Between measured sizes, the line
   * between their means; beyond them, the nearest segment's slope (never falling); one size: the line.
   */
  predict(images: number): number {
    const p = this.points;
    if (p.length < 2) return this.fixed + this.perImage * images;
    let i = 1;
    while (i < p.length - 1 && images > p[i].n) i++;
    const a = p[i - 1];
    const b = p[i];
    const slope = (b.t - a.t) / (b.n - a.n);
    if (images < a.n || images > b.n) return Math.max(0, images < a.n ? a.t + Math.max(0, slope) * (images - a.n) : b.t + Math.max(0, slope) * (images - b.n));
    return a.t + slope * (images - a.n);
  }

  get known(): boolean {
    return Number.isFinite(this.perImage);
  }

  /** Whether the fixed part was measured (calls of different sizes) or given, rather than assumed to be 0. */
  get fixedKnown(): boolean {
    return this.fixedFitted;
  }
}
