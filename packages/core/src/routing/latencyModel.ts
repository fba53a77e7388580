/**
 * Online estimate of one path's cost: latency(n) ≈ fixedMs + perImageMs · n for a call of n images.
 * Calls are kept by size class (1, 2-3, 4-7, 8-15, …), each class a window of its own recent calls whose
 * median per-image cost stands for the class. Predictions interpolate between the classes (a GPU's cost per
 * image falls with batch size, so one straight line misplaces single frames by ~10 %); `estimate` is the
 * least-squares line through them, for the policy's split and threshold arithmetic. Each class forgets only
 * as its own calls arrive: with one forgetting clock over all calls, a stream of 300 single frames erased what
 * a 64-image batch costs (3 ms per image fitted against 15-20 measured on the H100), and batches were placed
 * by a fit that no longer described them.
 *
 * A median, not a mean: latency has a long upper tail and bursts of outside load (a GC pause, a stalled
 * socket; a batch's JPEG decode on the same cores while frames run). Averaged in, one 100 ms stall made a
 * 17 ms WebGPU path look dearer than a 33 ms server, and the few frames that ran beside a batch's decode on
 * the shared 2-core machine made local frames look 20 % dearer than remote ones; either way the stream moved
 * to the dearer path until an exploration came back. The median moves only once half the window says so,
 * which a device that really warmed up, throttled or got busier does within about half a window.
 */
export interface LatencyEstimate {
  fixedMs: number;
  perImageMs: number;
  samples: number;
}

export interface LatencyModelOptions {
  /**
   * How fast a class follows its newest calls (0..1]: the class keeps the last round(2/alpha − 1) calls (the
   * window whose mean age matches an exponential average with this weight); 0.2 → 9 calls.
   */
  alpha?: number;
  /** Prior used until measurements arrive (e.g. from a probe or user configuration). */
  prior?: Partial<LatencyEstimate>;
}

/** Weight of a class in the fit: its calls, up to this many (a busy class must not drown the others). */
const MAX_CLASS_WEIGHT = 4;

/** A size class: a ring of its last `window` calls (images, ms). */
interface SizeClass {
  n: Float64Array;
  t: Float64Array;
  /** Entries filled (≤ window) and the next slot to write. */
  size: number;
  next: number;
  calls: number;
  /** Mean images and median ms at that size, as of the newest call (see point()). */
  point: { n: number; t: number };
}

export class LatencyModel {
  private readonly window: number;
  private readonly classes = new Map<number, SizeClass>();
  private fixed: number;
  private perImage: number;
  private count = 0;
  private fixedFitted: boolean;
  /** Class points (mean images, median ms at that size) and fit weights, by images: where predict() interpolates. */
  private points: { n: number; t: number; w: number }[] = [];
  private readonly scratch: Float64Array;

  /** The size class of a call of `images`: 1, 2-3, 4-7, 8-15, … (each kept and forgotten on its own). */
  static sizeClass(images: number): number {
    return Math.floor(Math.log2(images));
  }

  constructor({ alpha = 0.2, prior = {} }: LatencyModelOptions = {}) {
    const a = Math.min(1, Math.max(1e-3, alpha));
    this.window = Math.max(1, Math.round(2 / a - 1));
    this.scratch = new Float64Array(this.window);
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
    const key = LatencyModel.sizeClass(images);
    let c = this.classes.get(key);
    if (!c) {
      c = { n: new Float64Array(this.window), t: new Float64Array(this.window), size: 0, next: 0, calls: 0, point: { n: images, t: ms } };
      this.classes.set(key, c);
    }
    for (let k = Math.min(this.window, Math.max(1, Math.round(weight))); k > 0; k--) {
      c.n[c.next] = images;
      c.t[c.next] = ms;
      c.next = (c.next + 1) % this.window;
      c.size = Math.min(this.window, c.size + 1);
    }
    c.calls++;
    c.point = this.point(c);
    this.count++;
    this.fit();
  }

  /** The class's point: its calls' mean size, and the median per-image ms times that size. */
  private point(c: SizeClass): { n: number; t: number } {
    let sumN = 0;
    for (let i = 0; i < c.size; i++) {
      sumN += c.n[i];
      this.scratch[i] = c.t[i] / c.n[i];
    }
    const per = this.scratch.subarray(0, c.size).sort();
    const mid = c.size >> 1;
    const median = c.size % 2 ? per[mid] : (per[mid - 1] + per[mid]) / 2;
    const n = sumN / c.size;
    return { n, t: median * n };
  }

  /** Weighted least squares through the classes' points (images, ms). */
  private fit(): void {
    this.points = [...this.classes.values()].map((c) => ({ ...c.point, w: Math.min(c.calls, MAX_CLASS_WEIGHT) })).sort((a, b) => a.n - b.n);
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
   * between their points; beyond them, the nearest segment's slope (never falling); one size: the line.
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

  /** Whether calls of this size class were measured (rather than predicted from other sizes or a prior). */
  measuredAt(images: number): boolean {
    return this.classes.has(LatencyModel.sizeClass(images));
  }

  get known(): boolean {
    return Number.isFinite(this.perImage);
  }

  /** Whether the fixed part was measured (calls of different sizes) or given, rather than assumed to be 0. */
  get fixedKnown(): boolean {
    return this.fixedFitted;
  }
}
