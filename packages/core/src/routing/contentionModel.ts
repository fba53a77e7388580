/**
 * Whether the local and the remote path are really two resources. Each path's slowdown while the other one
 * is working is learned from calls that overlapped: a call of solo cost W (from the latency model) that took
 * T with the other path busy for a share f of it progressed at rate 1/k while overlapped, so
 * W = T·(f/k + 1 − f)  ⇒  k = f / (W/T − 1 + f).
 * Running both paths at once pays only if the combined rate 1/(pL·kL) + 1/(pR·kR) beats the best single
 * path 1/min(pL, pR). A server on the same CPU gives k ≈ 2 on both sides (no gain, often a loss); a GPU server
 * elsewhere gives k ≈ 1 (the rates add up).
 */
import type { PathSide } from './pathActivity.js';

export interface ContentionOptions {
  /** False: never treat the paths as contended (overlap whenever the cost model says so). Default true. */
  detect?: boolean;
  /**
   * Overlapping must beat the best single path by this share to be worth it (default 0.35 = 35 %). The verdict
   * comes from the start-up probe's few overlapped frames, and the two mistakes are not alike: a wrong
   * "contended" forgoes part of the gain, a wrong "overlap" splits a batch over one shared resource. With
   * Triton and the WebGPU page on one GPU (H200), the probe's gain ranged 0.56-1.3 over 18 runs, and each run
   * that read it above 1.1 split a 64-image batch that then took 2.2-3.1 s against ~1 s whole; a server on
   * other cores read 1.57-1.8, a server on the same 2 cores 0.61-0.79.
   */
  margin?: number;
  /** Weight of the newest slowdown sample (default 0.5: a few overlapped calls decide). */
  alpha?: number;
  /** Only calls overlapped for at least this share of their time say something about k (default 0.5). */
  minOverlap?: number;
  /** First wait before trying overlap again once the paths were found to contend (default 30 s); doubles per failed try. */
  reprobeMs?: number;
  /** Longest wait between such tries (default 10 min). */
  maxReprobeMs?: number;
  /**
   * While the paths contend and other calls are active (a frame stream), feed a batch to its path in chunks so
   * the stream keeps flowing between them. Off by default: the batch then runs whole, exactly as that path
   * alone would run it, so frame and batch p95 match the best fixed choice (frames queue behind a batch, as
   * they would there). On, a frame waits for one chunk rather than a whole batch (p99 falls), but many more
   * frames wait a little (p95 rises) and the batch finishes later by every frame it lets through.
   */
  interleave?: boolean;
}

export interface ContentionAssessment {
  /** True when running both paths at once was measured not to pay. */
  contended: boolean;
  /** Combined rate of both paths overlapped ÷ rate of the best single path (1 + margin or more pays); NaN while unmeasured. */
  gain: number;
  slowdown: { local: number; remote: number };
}

/**
 * Largest slowdown one sample may claim. Two paths sharing a resource slow each other ~2-3×; a larger figure is
 * a disturbance, and with the newest sample weighted 0.5, an uncapped outlier (20 was the cap) flipped a
 * verdict of independent paths (measured combined rate 1.9×) to contended in one call.
 */
const MAX_SLOWDOWN = 4;

export class ContentionModel {
  readonly margin: number;
  readonly reprobeMs: number;
  readonly maxReprobeMs: number;
  readonly minOverlap: number;
  private readonly detect: boolean;
  readonly interleave: boolean;
  private readonly alpha: number;
  private readonly k = { local: Number.NaN, remote: Number.NaN };
  private readonly fresh = { local: false, remote: false };
  /** Slowdown samples learned so far, and how many there were when the paths were last judged contended (−1: not). */
  private samples = 0;
  private contendedAt = -1;

  constructor({ detect = true, margin = 0.35, alpha = 0.5, minOverlap = 0.5, reprobeMs = 30_000, maxReprobeMs = 600_000, interleave = false }: ContentionOptions = {}) {
    this.detect = detect;
    this.interleave = interleave;
    this.margin = Math.max(0, margin);
    this.alpha = Math.min(1, Math.max(1e-3, alpha));
    this.minOverlap = Math.min(1, Math.max(0.05, minOverlap));
    this.reprobeMs = Math.max(0, reprobeMs);
    this.maxReprobeMs = Math.max(this.reprobeMs, maxReprobeMs);
  }

  /**
   * One measured call on `side`: its predicted solo cost, its service time, and the share of that time the
   * other path was busy. Returns the solo-equivalent time (what the call would have cost alone), to be fed to
   * the path's latency model. `learnSlowdown` false: the sample is only de-rated, the slowdown is not revised.
   */
  observe(side: PathSide, soloMs: number, actualMs: number, overlap: number, learnSlowdown = true): number {
    if (!(actualMs > 0) || !(overlap > 0)) return actualMs;
    // denom ≤ 0: the call ran slower than it could have even if overlap had stopped it cold (its other 1 − f ran
    // at full speed); something this router does not see slowed it (a batch's JPEG decode on the same core took
    // a frame from 119 to 363 ms at f = 0.53), so it says nothing about this path's slowdown by the other one.
    const denom = soloMs / actualMs - 1 + overlap;
    if (learnSlowdown && overlap >= this.minOverlap && soloMs > 0 && Number.isFinite(soloMs) && denom > 0) {
      const sample = Math.min(MAX_SLOWDOWN, Math.max(0.5, overlap / denom));
      const k = this.k[side];
      this.k[side] = Number.isNaN(k) || this.fresh[side] ? sample : k + this.alpha * (sample - k);
      this.fresh[side] = false;
      this.samples++;
    }
    return actualMs * (1 - overlap + overlap / this.slowdown(side));
  }

  /** Learned slowdown of `side` while the other path works (1 until measured; never below 1 for de-rating). */
  slowdown(side: PathSide): number {
    const k = this.k[side];
    return Number.isFinite(k) ? Math.max(1, k) : 1;
  }

  get measured(): boolean {
    return Number.isFinite(this.k.local) || Number.isFinite(this.k.remote);
  }

  /**
   * `localPerImageMs` / `remotePerImageMs`: each path's solo cost per image at a representative batch size.
   * Reads the verdict without recording it: what `judge` would say now.
   */
  assess(localPerImageMs: number, remotePerImageMs: number): ContentionAssessment {
    return this.verdict(localPerImageMs, remotePerImageMs, false);
  }

  /**
   * The verdict for work about to run, recorded: a contended one stands until the next slowdown sample (see
   * below). Only calls that act on it judge, so that asking (a plan, a bench reading the gain) changes nothing.
   */
  judge(localPerImageMs: number, remotePerImageMs: number): ContentionAssessment {
    return this.verdict(localPerImageMs, remotePerImageMs, true);
  }

  private verdict(localPerImageMs: number, remotePerImageMs: number, record: boolean): ContentionAssessment {
    const slowdown = { local: this.slowdown('local'), remote: this.slowdown('remote') };
    if (!this.measured || !(localPerImageMs > 0) || !(remotePerImageMs > 0)) return { contended: false, gain: Number.NaN, slowdown };
    const together = 1 / (localPerImageMs * slowdown.local) + 1 / (remotePerImageMs * slowdown.remote);
    const gain = together * Math.min(localPerImageMs, remotePerImageMs);
    // A contended verdict stands until the slowdowns are measured again; per-image costs drifting do not lift
    // it. On a GPU host the first 64-image batch (run alone, so no new slowdown) moved the costs at 8 images,
    // the verdict flipped, and the next batch was split over the one GPU both paths share: 2.2 and 3.1 s
    // against ~1 s whole (2 of 10 runs). Only overlapping says whether overlapping pays.
    const contended = this.detect && (gain < 1 + this.margin || this.contendedAt === this.samples);
    if (record) this.contendedAt = contended ? this.samples : -1;
    return { contended, gain, slowdown };
  }

  /** Let the next overlapped sample of each side replace what was learned (a re-probe after a back-off). */
  forget(): void {
    this.fresh.local = true;
    this.fresh.remote = true;
  }
}
