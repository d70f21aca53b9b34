/**
 * Lets a progress report through at most once per interval, so a fast download cannot flood every
 * subscriber's socket. A change of phase always passes: it happens once per file at most and says
 * something the bar must show (unpacking after fetching).
 */
export class ProgressThrottle {
  private last = -Infinity;
  private phase: string | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  admit(phase: string): boolean {
    const t = this.now();
    if (phase === this.phase && t - this.last < this.intervalMs) return false;
    this.phase = phase;
    this.last = t;
    return true;
  }
}
