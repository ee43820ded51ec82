// Protocol-level tests of the debug adapter: the built `node dist/debug-adapter.js` driven by
// @vscode/debugadapter-testsupport's DebugClient, on the lesson examples and small fixtures.
// Every wait is on a protocol event, never on time.

import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES, hex, labelAddress, launchAndStop, lineOf, ROOT, scopeValues, startClient } from './dap-client';

const LESSON1 = path.join(ROOT, 'examples', 'lesson1-syscall.asm');
const CALLS = path.join(FIXTURES, 'calls.asm');

let dc: DebugClient;
beforeEach(async () => {
  ({ dc } = await startClient());
});
afterEach(async () => {
  await dc.stop();
});

describe('launch and stop', () => {
  it('stops on entry at the first instruction, one thread per core named by APIC id', async () => {
    const { stopped } = await launchAndStop(dc, { program: CALLS, stopOnEntry: true, cpus: 2 });
    expect(stopped.body.reason).toBe('entry');
    const st = await dc.stackTraceRequest({ threadId: 1 });
    expect(st.body.stackFrames[0]!.line).toBe(lineOf(CALLS, /mov ecx, MSR_KERNEL_GS_BASE/));
    expect(st.body.stackFrames[0]!.name).toBe('_start');
    const threads = await dc.threadsRequest();
    expect(threads.body.threads.map((t) => t.name)).toEqual(['core 0 (APIC 0)', 'core 1 (APIC 1)']);
  });

  it('an assembly error fails the launch with file:line:col', async () => {
    const bad = path.join(FIXTURES, 'bad.asm');
    await dc.initializeRequest();
    await expect(dc.launchRequest({ program: bad } as DebugProtocol.LaunchRequestArguments)).rejects.toThrow(
      new RegExp(`bad\\.asm:${lineOf(bad, /movv/)}:5: error: .*movv`),
    );
  });

  it('a mistyped launch configuration names the attribute', async () => {
    await dc.initializeRequest();
    await expect(dc.launchRequest({ program: CALLS, cpus: 'many' } as unknown as DebugProtocol.LaunchRequestArguments)).rejects.toThrow(/'cpus'/);
    await expect(dc.launchRequest({ program: CALLS, timer: { vector: 3, period: 10 } } as unknown as DebugProtocol.LaunchRequestArguments)).rejects.toThrow(/'timer'/);
  });

  it('a missing program fails the launch', async () => {
    await dc.initializeRequest();
    await expect(dc.launchRequest({ program: path.join(FIXTURES, 'nope.asm') } as DebugProtocol.LaunchRequestArguments)).rejects.toThrow(/cannot read/);
  });
});

describe('GS state', () => {
  it('lesson 1: after the swapgs of the syscall entry, gs.base is the per-CPU block again', async () => {
    const after = lineOf(LESSON1, /^\s*swapgs\s*;\s*gs\.base = cpu0/) + 1;
    const { stopped, breakpoints } = await launchAndStop(dc, { program: LESSON1 }, [after]);
    expect(breakpoints[0]).toMatchObject({ verified: true, line: after });
    expect(stopped.body.reason).toBe('breakpoint');
    const st = await dc.stackTraceRequest({ threadId: 1 });
    expect(st.body.stackFrames[0]!.line).toBe(after);
    // The entry frame and the syscall transition, labelled.
    expect(st.body.stackFrames.map((f) => f.name)).toEqual(['syscall_entry [syscall]', '_start']);
    const gs = await scopeValues(dc, 'GS state');
    const cpu0 = labelAddress(LESSON1, 'cpu0');
    expect(gs.get('gs.base')!.value).toBe(hex(cpu0));
    // _start wrote 0 to IA32_KERNEL_GS_BASE: the user's base waits there now.
    expect(gs.get('KernelGSBase')!.value).toBe('0x0');
    expect(gs.get('CPL')!.value).toBe('0');
    expect(gs.get('active GS base')!.value).toBe('kernel');
  });

  it('a breakpoint after swapgs shows gs.base = the value written to IA32_KERNEL_GS_BASE, and per-CPU memory', async () => {
    const after = lineOf(CALLS, /^\s*swapgs/) + 1;
    const { stopped } = await launchAndStop(dc, { program: CALLS }, [after]);
    expect(stopped.body.reason).toBe('breakpoint');
    const percpu = labelAddress(CALLS, 'percpu');
    const gs = await scopeValues(dc, 'GS state');
    expect(gs.get('gs.base')!.value).toBe(hex(percpu));
    expect(gs.get('swapgs executed')!.value).toBe('1');
    const mem = await scopeValues(dc, 'Per-CPU memory at gs.base');
    expect(mem.get('gs:0x0')!.value).toBe('0x29'); // dq 41
    expect(mem.get('gs:0x8')!.value).toBe('0x1122334455667788');
    const msrs = await scopeValues(dc, 'MSRs');
    expect(msrs.get('IA32_KERNEL_GS_BASE')!.value).toBe('0x0');
    expect(msrs.get('IA32_EFER')!.value).toBe('0x501');
  });

  it('a breakpoint on a line without code moves to the next line with code', async () => {
    const blank = lineOf(CALLS, /^$/); // the blank line after the equ
    const { breakpoints } = await launchAndStop(dc, { program: CALLS, stopOnEntry: true }, [blank, 10_000]);
    expect(breakpoints[0]).toMatchObject({ verified: true, line: lineOf(CALLS, /mov ecx, MSR_KERNEL_GS_BASE/) });
    expect(breakpoints[1]!.verified).toBe(false);
  });
});

describe('included files', () => {
  it('a breakpoint in an %include\'d file stops there, with the caller in the main file', async () => {
    const main = path.join(FIXTURES, 'include-main.asm');
    const helper = path.join(FIXTURES, 'inc', 'helper.inc');
    const line = lineOf(helper, /add rax, rax/);
    await launchAndStop(dc, { program: main, stopOnEntry: true });
    const set = await dc.setBreakpointsRequest({ source: { path: helper }, breakpoints: [{ line }] });
    expect(set.body.breakpoints[0]).toMatchObject({ verified: true, line });
    const stopped = dc.waitForEvent('stopped');
    await dc.continueRequest({ threadId: 1 });
    expect((await stopped).body.reason).toBe('breakpoint');
    const st = await dc.stackTraceRequest({ threadId: 1 });
    expect(st.body.stackFrames.map((f) => [f.name, f.source?.path, f.line])).toEqual([
      ['double_it', helper, line],
      ['_start', main, lineOf(main, /call double_it/)],
    ]);
    const exited = dc.waitForEvent('exited');
    await dc.continueRequest({ threadId: 1 });
    expect((await exited).body.exitCode).toBe(42);
  });
});

describe('two cores', () => {
  it('each core stops as its own thread and shows its own gs.base (lesson 3)', async () => {
    const lesson3 = path.join(ROOT, 'examples', 'lesson3-two-cores.asm');
    const after = lineOf(lesson3, /^syscall_entry:/) + 2; // the line after its swapgs
    const { stopped: first } = await launchAndStop(dc, { program: lesson3, cpus: 2, quantum: 50 }, [after]);
    const area = labelAddress(lesson3, 'percpu_area');
    const size = labelAddress(lesson3, 'percpu_size');
    const seen = new Map<number, string>();
    let ev = first;
    for (let i = 0; i < 8 && seen.size < 2; i++) {
      expect(ev.body.reason).toBe('breakpoint');
      const t = ev.body.threadId!;
      const st = await dc.stackTraceRequest({ threadId: t });
      expect(st.body.stackFrames[0]!.line).toBe(after);
      seen.set(t, (await scopeValues(dc, 'GS state', t)).get('gs.base')!.value);
      const next = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
      await dc.continueRequest({ threadId: t });
      ev = await next;
    }
    expect(new Map([...seen].sort())).toEqual(new Map([[1, hex(area)], [2, hex(area + size)]]));
  });
});

describe('stepping', () => {
  it('next steps over a call to the line after it, with the call done; step back undoes it', async () => {
    const callLine = lineOf(CALLS, /call add_one/);
    await launchAndStop(dc, { program: CALLS }, [callLine]);
    const stopped = dc.waitForEvent('stopped');
    await dc.nextRequest({ threadId: 1 });
    expect((await stopped).body.reason).toBe('step');
    const st = await dc.stackTraceRequest({ threadId: 1 });
    expect(st.body.stackFrames[0]!.line).toBe(callLine + 1);
    expect(st.body.stackFrames).toHaveLength(1);
    const regs = await scopeValues(dc, 'Registers');
    expect(regs.get('rax')!.value).toBe('0x2a'); // add_one(41)
    // Step back: the state before the call again.
    const back = dc.waitForEvent('stopped');
    await dc.stepBackRequest({ threadId: 1 });
    expect((await back).body.reason).toBe('step');
    expect((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!.line).toBe(callLine);
    expect((await scopeValues(dc, 'Registers')).get('rax')!.value).not.toBe('0x2a');
  });

  it('step in enters the call with a new frame, step out returns to the caller', async () => {
    const callLine = lineOf(CALLS, /call add_one/);
    await launchAndStop(dc, { program: CALLS }, [callLine]);
    let stopped = dc.waitForEvent('stopped');
    await dc.stepInRequest({ threadId: 1 });
    await stopped;
    let st = await dc.stackTraceRequest({ threadId: 1 });
    expect(st.body.stackFrames.map((f) => [f.name, f.line])).toEqual([
      ['add_one', lineOf(CALLS, /mov rax, rbx/)],
      ['_start', callLine],
    ]);
    stopped = dc.waitForEvent('stopped');
    await dc.stepOutRequest({ threadId: 1 });
    expect((await stopped).body.reason).toBe('step');
    st = await dc.stackTraceRequest({ threadId: 1 });
    // Back in the caller, at the instruction after the call (the return address).
    expect(st.body.stackFrames).toHaveLength(1);
    expect(st.body.stackFrames[0]!.line).toBe(callLine + 1);
    expect((await scopeValues(dc, 'Registers')).get('rax')!.value).toBe('0x2a');
  });

  it('instruction granularity: step in enters the call at its first instruction, next runs it', async () => {
    const callLine = lineOf(CALLS, /call add_one/);
    await launchAndStop(dc, { program: CALLS }, [callLine]);
    const ripOf = async (): Promise<string> => (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!.instructionPointerReference!;
    const atCall = await ripOf();
    let stopped = dc.waitForEvent('stopped');
    await dc.stepInRequest({ threadId: 1, granularity: 'instruction' });
    await stopped;
    expect(await ripOf()).toBe(hex(labelAddress(CALLS, 'add_one')));
    stopped = dc.waitForEvent('stopped');
    await dc.stepBackRequest({ threadId: 1 });
    await stopped;
    expect(await ripOf()).toBe(atCall);
    stopped = dc.waitForEvent('stopped');
    await dc.nextRequest({ threadId: 1, granularity: 'instruction' });
    await stopped;
    const st = await dc.stackTraceRequest({ threadId: 1 });
    expect(st.body.stackFrames).toHaveLength(1);
    expect(st.body.stackFrames[0]!.line).toBe(callLine + 1);
    expect((await scopeValues(dc, 'Registers')).get('rax')!.value).toBe('0x2a');
  });

  it('step in over plain lines moves one source line at a time', async () => {
    await launchAndStop(dc, { program: CALLS, stopOnEntry: true });
    const first = lineOf(CALLS, /mov ecx, MSR_KERNEL_GS_BASE/);
    for (let i = 1; i <= 3; i++) {
      const stopped = dc.waitForEvent('stopped');
      await dc.stepInRequest({ threadId: 1 });
      await stopped;
      const st = await dc.stackTraceRequest({ threadId: 1 });
      expect(st.body.stackFrames[0]!.line).toBe(first + i);
    }
  });
});
