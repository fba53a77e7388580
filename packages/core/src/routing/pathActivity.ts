/**
 * When each path was working, so that every measured call can say how long it was actually served and for
 * what share of that time the other path was working too. Both are needed to learn honest costs: a call that
 * waited behind another on the same path did not cost its whole wall time, and a call that ran while the
 * other path was busy may have been slowed down by it (two paths on one CPU).
 */
export type PathSide = 'local' | 'remote';

/** Handed out when a call starts; given back when it ends. */
export interface ActivityTicket {
  readonly side: PathSide;
  readonly start: number;
  /** The other side's accumulated working time at `start`. */
  readonly otherAtStart: number;
  /** Whether the path already had a call in flight (this one queued behind it). */
  readonly queued: boolean;
}

export interface ActivitySample {
  /** Time the call was served: from its start, or from the end of the call it queued behind, to its end. */
  serviceMs: number;
  /** Share (0..1) of the service time during which the other path had a call in flight. */
  overlap: number;
}

const other = (s: PathSide): PathSide => (s === 'local' ? 'remote' : 'local');

export class PathActivity {
  private readonly inFlight = { local: 0, remote: 0 };
  private readonly since = { local: 0, remote: 0 };
  private readonly accrued = { local: 0, remote: 0 };
  private readonly lastEnd = { local: Number.NEGATIVE_INFINITY, remote: Number.NEGATIVE_INFINITY };
  /** The other side's accumulated working time when this side's last call ended. */
  private readonly otherAtLastEnd = { local: 0, remote: 0 };

  busy(side: PathSide): boolean {
    return this.inFlight[side] > 0;
  }

  /** Total ms during which `side` had at least one call in flight, up to `t`. */
  workedMs(side: PathSide, t: number): number {
    return this.accrued[side] + (this.inFlight[side] > 0 ? Math.max(0, t - this.since[side]) : 0);
  }

  begin(side: PathSide, t: number): ActivityTicket {
    const ticket: ActivityTicket = { side, start: t, otherAtStart: this.workedMs(other(side), t), queued: this.inFlight[side] > 0 };
    if (this.inFlight[side]++ === 0) this.since[side] = t;
    return ticket;
  }

  end(ticket: ActivityTicket, t: number): ActivitySample {
    const { side } = ticket;
    const o = other(side);
    // Paths serve calls in order (the engines queue them), so a queued call starts when the previous one ends.
    const fromPrevious = ticket.queued && this.lastEnd[side] > ticket.start && this.lastEnd[side] <= t;
    const s = fromPrevious ? this.lastEnd[side] : ticket.start;
    const otherAtS = fromPrevious ? this.otherAtLastEnd[side] : ticket.otherAtStart;
    const serviceMs = Math.max(0, t - s);
    const otherNow = this.workedMs(o, t);
    const overlap = serviceMs > 0 ? Math.min(1, Math.max(0, (otherNow - otherAtS) / serviceMs)) : 0;
    if (this.inFlight[side] > 0 && --this.inFlight[side] === 0) this.accrued[side] += Math.max(0, t - this.since[side]);
    this.lastEnd[side] = t;
    this.otherAtLastEnd[side] = otherNow;
    return { serviceMs, overlap };
  }
}
