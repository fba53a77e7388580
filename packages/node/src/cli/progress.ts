/** A one-line progress bar on stderr, drawn only when stderr is a terminal or it is forced. */
export class Progress {
  private last = 0;

  constructor(
    private readonly total: number,
    private readonly enabled: boolean,
  ) {}

  tick(done: number, label: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (done < this.total && now - this.last < 100) return;
    this.last = now;
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${label}`.slice(0, 100);
    process.stderr.write(`\r${line.padEnd(100)}`);
    if (done === this.total) process.stderr.write('\n');
  }
}
