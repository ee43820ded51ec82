// When to re-lint a document after edits: at once when it has been quiet (a single edit gets
// its diagnostics with no added delay), otherwise at most once per `intervalMs` while typing,
// always ending with a run for the latest text. Runs for one document never overlap.

export class LintScheduler {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly lastStart = new Map<string, number>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();

  constructor(
    private readonly run: (key: string) => Promise<void> | void,
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  request(key: string): void {
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    if (this.timers.has(key)) return;
    const since = this.now() - (this.lastStart.get(key) ?? -Infinity);
    const wait = Math.max(0, this.intervalMs - since);
    // setImmediate-like for wait 0: lets the rest of a batch of queued edits be applied first.
    this.timers.set(key, setTimeout(() => void this.fire(key), wait));
  }

  cancel(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
    this.again.delete(key);
  }

  private async fire(key: string): Promise<void> {
    this.timers.delete(key);
    this.running.add(key);
    this.lastStart.set(key, this.now());
    try {
      await this.run(key);
    } finally {
      this.running.delete(key);
      if (this.again.delete(key)) this.request(key);
    }
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
