// The debugger runtime without the protocol: source-level stepping over syscalls and interrupts,
// breakpoint placement, and continuing from the entry stop. Fast, in-process.

import fc from 'fast-check';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileHost } from '../../emulator/asm/types';
import { createNodeFileHost } from '../../emulator/asm/node-file-host';
import { validateLaunch } from '../../debug-adapter/launch-config';
import { Runtime, type Outcome, type RuntimeOptions } from '../../debug-adapter/runtime';
import { FIXTURES, lineOf, ROOT } from './dap-client';

const LESSON1 = path.join(ROOT, 'examples', 'lesson1-syscall.asm');
const LESSON2 = path.join(ROOT, 'examples', 'lesson2-interrupt.asm');
const CALLS = path.join(FIXTURES, 'calls.asm');

function load(options: RuntimeOptions): Runtime {
  const r = Runtime.load(options, createNodeFileHost());
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.runtime;
}

/** 1-based source line of core 0's rip. */
function line(rt: Runtime, core = 0): number | undefined {
  const l = rt.lineAt(Number(rt.machine.readRegister(core, 'rip')));
  return l ? l.site.line + 1 : undefined;
}

function stopped(o: Outcome): Extract<Outcome, { kind: 'stopped' }> {
  if (o.kind !== 'stopped') throw new Error(`expected a stop, got ${JSON.stringify(o)}`);
  return o;
}

describe('runtime stepping', () => {
  it('next over a syscall runs the whole kernel entry and stops on the next user line', async () => {
    const rt = load({ program: LESSON1 });
    const sys = lineOf(LESSON1, /^\s*syscall\s*$/); // the first syscall of user_main
    rt.setBreakpoints(LESSON1, [sys - 2]); // 0-based: the line before the syscall
    expect(stopped(await rt.continue()).reason).toBe('breakpoint');
    await rt.next(0); // mov eax, 99 -> syscall
    expect(line(rt)).toBe(sys);
    expect(stopped(await rt.next(0)).reason).toBe('step');
    expect(line(rt)).toBe(sys + 1);
    expect(rt.machine.callStack(0)).toHaveLength(1);
    expect(BigInt.asIntN(64, rt.machine.readRegister(0, 'rax')!)).toBe(-38n); // -ENOSYS from the kernel
  });

  it('step in at a syscall enters the syscall entry with a syscall frame', async () => {
    const rt = load({ program: LESSON1 });
    const sys = lineOf(LESSON1, /^\s*syscall\s*$/);
    rt.setBreakpoints(LESSON1, [sys - 2]); // 0-based: the line before the syscall
    await rt.continue();
    await rt.stepIn(0);
    await rt.stepIn(0);
    expect(line(rt)).toBe(lineOf(LESSON1, /^syscall_entry:/) + 1);
    expect(rt.machine.callStack(0).map((f) => f.kind)).toEqual(['entry', 'syscall']);
  });

  it('next in a user loop never stops inside the timer handler (nor again on its own line), though ticks happen meanwhile', async () => {
    const rt = load({ program: LESSON2, timer: { vector: 32, period: 50 } });
    let out = '';
    rt.onOutput = (_c, t) => (out += t);
    const loop = lineOf(LESSON2, /^user_main:/) + 1;
    rt.setBreakpoints(LESSON2, [loop - 1]); // 0-based
    expect(stopped(await rt.continue()).reason).toBe('breakpoint');
    // The breakpoint stays: coming back to it from the handler, on the line being stepped, is no new stop.
    const before = out.length;
    const lines = new Set<number | undefined>();
    let ticksWhileStepping = 0;
    for (let i = 0; i < 200; i++) {
      const n = out.length;
      const o = await rt.next(0);
      if (o.kind === 'ended') break;
      expect(o.reason).toBe('step');
      lines.add(line(rt));
      if (out.length > n) ticksWhileStepping++;
    }
    expect([...lines].sort()).toEqual([loop, loop + 1, loop + 2]);
    expect(out.length).toBeGreaterThan(before);
    expect(ticksWhileStepping).toBeGreaterThan(0);
  });

  it('continuing from the entry stop does not stop again at a breakpoint on the entry line', async () => {
    const rt = load({ program: CALLS });
    const entry = lineOf(CALLS, /mov ecx, MSR_KERNEL_GS_BASE/);
    rt.setBreakpoints(CALLS, [entry - 1, lineOf(CALLS, /call add_one/) - 1]); // 0-based lines
    expect(rt.entryStop().kind).toBe('stopped');
    expect(stopped(await rt.continue()).reason).toBe('breakpoint');
    expect(line(rt)).toBe(lineOf(CALLS, /call add_one/));
  });

  it('without stopOnEntry a breakpoint on the entry line stops before the first instruction', async () => {
    const rt = load({ program: CALLS });
    const entry = lineOf(CALLS, /mov ecx, MSR_KERNEL_GS_BASE/);
    rt.setBreakpoints(CALLS, [entry - 1]);
    expect(stopped(await rt.continue()).reason).toBe('breakpoint');
    expect(rt.machine.executed).toBe(0);
  });

  it('breakpoints of two setBreakpoints calls for one file replace each other', async () => {
    const rt = load({ program: CALLS });
    rt.setBreakpoints(CALLS, [lineOf(CALLS, /call add_one/) - 1]);
    rt.setBreakpoints(CALLS, []);
    const o = await rt.continue();
    expect(o).toEqual({ kind: 'ended', exitCode: 7 });
  });

  it('the instruction budget ends the run with exit code 4 and says so', async () => {
    const rt = load({ program: path.join(FIXTURES, 'spin.asm'), maxInstructions: 1000 });
    const o = await rt.continue();
    expect(o).toMatchObject({ kind: 'ended', exitCode: 4 });
    expect(o.kind === 'ended' && o.message).toMatch(/budget of 1000/);
  });
});

describe('going back', () => {
  it('step back returns to the previous stop exactly: registers, GS bases, swapgs count', async () => {
    const rt = load({ program: CALLS });
    const swapgsLine = lineOf(CALLS, /^\s*swapgs/);
    rt.setBreakpoints(CALLS, [swapgsLine - 1]);
    await rt.continue();
    const before = { gs: rt.machine.readRegister(0, 'gs.base'), k: rt.machine.readRegister(0, 'kernel_gs_base'), n: rt.swapgsExecuted(0) };
    await rt.stepIn(0);
    await rt.stepIn(0);
    expect(line(rt)).toBe(swapgsLine + 2);
    expect(rt.swapgsExecuted(0)).toBe(1);
    expect(stopped(rt.stepBack()).reason).toBe('step');
    expect(line(rt)).toBe(swapgsLine + 1);
    expect(stopped(rt.stepBack()).reason).toBe('step');
    expect(line(rt)).toBe(swapgsLine);
    expect({ gs: rt.machine.readRegister(0, 'gs.base'), k: rt.machine.readRegister(0, 'kernel_gs_base'), n: rt.swapgsExecuted(0) }).toEqual(before);
    // Forward again from the restored stop: same result as the first time, and the breakpoint
    // under the core does not stop the continue.
    expect(await rt.continue()).toEqual({ kind: 'ended', exitCode: 7 });
  });

  it('reverse continue goes back to the previous breakpoint stop, or to the entry', async () => {
    const rt = load({ program: CALLS });
    const callLine = lineOf(CALLS, /call add_one/);
    rt.setBreakpoints(CALLS, [callLine - 1]);
    await rt.continue();
    await rt.next(0);
    await rt.next(0);
    expect(line(rt)).toBe(callLine + 2);
    expect(stopped(rt.reverseContinue()).reason).toBe('breakpoint');
    expect(line(rt)).toBe(callLine);
    expect(stopped(rt.reverseContinue()).reason).toBe('entry');
    expect(rt.machine.executed).toBe(0);
    expect(rt.earlierStops).toBe(0);
    expect(stopped(rt.stepBack()).text).toMatch(/no earlier stop/);
  });
});

describe('bad input', () => {
  /** An in-memory FileHost holding one file. */
  const hostWith = (file: string, text: string): FileHost => ({
    readText: (p) => (p === file ? text : undefined),
    readBytes: (p) => (p === file ? new TextEncoder().encode(text) : undefined),
    resolve: () => undefined,
  });

  it('garbage text never throws: located errors, or a program that loads', () => {
    const file = path.resolve('/virtual/garbage.asm');
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const r = Runtime.load({ program: file }, hostWith(file, text));
        if (!r.ok) for (const e of r.errors) expect(e).toMatch(/garbage\.asm(:\d+:\d+)?: /);
      }),
      { numRuns: 150 },
    );
  });

  it('hostile launch configurations get a message naming the problem, never an exception', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('program', 'entry', 'cpus', 'timer', 'quantum', 'maxInstructions', 'stopOnEntry', 'trace', 'includePaths', 'cwd'), fc.anything()), (args) => {
        const r = validateLaunch(args);
        if (!r.ok) expect(r.error).toMatch(/^launch configuration: '\w+'/);
        else expect(typeof r.options.program).toBe('string');
      }),
      { numRuns: 300 },
    );
  });

  it('an entry label that does not exist fails the load with its name', () => {
    const r = Runtime.load({ program: CALLS, entry: 'nowhere' }, createNodeFileHost());
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.join('\n')).toMatch(/nowhere/);
  });
});

describe('halting', () => {
  it('stepping over the last hlt ends the machine with exit code 0', async () => {
    const halt = path.join(FIXTURES, 'halt.asm');
    const rt = load({ program: halt });
    rt.setBreakpoints(halt, [lineOf(halt, /^\s*hlt/) - 1]);
    expect(stopped(await rt.continue()).reason).toBe('breakpoint');
    expect(await rt.next(0)).toEqual({ kind: 'ended', exitCode: 0 });
  });

  it('on two cores, stepping one core into hlt stops with that said, and continue ends the machine', async () => {
    const halt = path.join(FIXTURES, 'halt.asm');
    const rt = load({ program: halt, cpus: 2 });
    rt.setBreakpoints(halt, [lineOf(halt, /^\s*hlt/) - 1]);
    const first = stopped(await rt.continue());
    expect(stopped(await rt.stepIn(first.core)).text).toBe(`core ${first.core} stopped (hlt)`);
    rt.setBreakpoints(halt, []);
    expect(await rt.continue()).toEqual({ kind: 'ended', exitCode: 0 });
  });
});
