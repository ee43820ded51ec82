// The re-lint scheduler: a single edit after a pause is linted at once; edits while typing are
// coalesced to at most one run per interval, and the last edit always gets its own run.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LintScheduler } from '../../server/scheduler';

describe('LintScheduler', () => {
  let now = 0;
  let runs: string[];
  beforeEach(() => {
    vi.useFakeTimers();
    now = 1000;
    runs = [];
  });
  afterEach(() => vi.useRealTimers());
  const clock = () => now;
  const advance = async (ms: number) => {
    now += ms;
    await vi.advanceTimersByTimeAsync(ms);
  };

  it('lints a single edit after a pause without waiting for the interval', async () => {
    const s = new LintScheduler((k) => void runs.push(k), 150, clock);
    s.request('a');
    await advance(0);
    expect(runs).toEqual(['a']);
  });

  it('coalesces a burst of edits into one run per interval and ends with a run', async () => {
    const s = new LintScheduler((k) => void runs.push(k), 150, clock);
    s.request('a');
    await advance(0);
    for (let i = 0; i < 10; i++) {
      s.request('a');
      await advance(20);
    }
    // 200 ms of typing after the first run: one more run at 150 ms, one pending for the tail.
    expect(runs.length).toBe(2);
    await advance(150);
    expect(runs.length).toBe(3);
    await advance(1000);
    expect(runs.length).toBe(3);
  });

  it('an edit during a run queues exactly one more run', async () => {
    let release!: () => void;
    const s = new LintScheduler(
      (k) => {
        runs.push(k);
        return new Promise<void>((r) => (release = r));
      },
      0,
      clock,
    );
    s.request('a');
    await advance(0);
    s.request('a');
    s.request('a');
    release();
    await advance(0);
    expect(runs).toEqual(['a', 'a']);
    release();
    await advance(10);
    expect(runs).toEqual(['a', 'a']);
  });

  it('documents are scheduled independently, and cancel drops a pending run', async () => {
    const s = new LintScheduler((k) => void runs.push(k), 150, clock);
    s.request('a');
    s.request('b');
    s.cancel('b');
    await advance(0);
    expect(runs).toEqual(['a']);
  });
});
