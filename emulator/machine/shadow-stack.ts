// A per-core shadow call stack for the debugger's stack view: frames pushed by call, interrupt,
// exception and syscall, popped by the matching ret, iretq and sysret. It follows the control
// transfers, not the guest's stack memory, so a corrupted stack still shows where the core came from.

export type FrameKind = 'entry' | 'call' | 'interrupt' | 'exception' | 'syscall';

export interface ShadowFrame {
  kind: FrameKind;
  /** Address of the first instruction of the frame's function / handler. */
  target: number;
  /** Address of the instruction that made the transfer (call site, interrupted instruction). */
  from: number;
  /** RSP right after the transfer (return address / interrupt frame on top). */
  rsp: number;
  /** Vector of an interrupt or exception frame. */
  vector?: number;
}

/** Deep recursion keeps the newest frames; the oldest ones are dropped past this depth. */
export const MAX_SHADOW_DEPTH = 4096;

export class ShadowStack {
  frames: ShadowFrame[] = [];

  constructor(entry: number, rsp: number) {
    this.frames.push({ kind: 'entry', target: entry, from: entry, rsp });
  }

  push(frame: ShadowFrame): void {
    this.frames.push(frame);
    if (this.frames.length > MAX_SHADOW_DEPTH) this.frames.splice(1, this.frames.length - MAX_SHADOW_DEPTH);
  }

  /**
   * `ret`: pops call frames whose return address was at or below the popped slot, so a
   * `ret` that skips frames (longjmp-like stack switches) still resynchronises.
   */
  ret(rspBefore: number): void {
    const f = this.frames;
    while (f.length > 1) {
      const top = f[f.length - 1]!;
      if (top.kind !== 'call' || top.rsp > rspBefore) break;
      f.pop();
      if (top.rsp === rspBefore) break;
    }
  }

  /** iretq / sysret: pops up to and including the newest frame of the given kinds. */
  returnFrom(kinds: readonly FrameKind[]): void {
    const f = this.frames;
    for (let i = f.length - 1; i >= 1; i--) {
      if (kinds.includes(f[i]!.kind)) {
        f.length = i;
        return;
      }
    }
  }

  clone(): ShadowStack {
    const s = Object.create(ShadowStack.prototype) as ShadowStack;
    s.frames = this.frames.map((x) => ({ ...x }));
    return s;
  }
}
