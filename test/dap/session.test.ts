// Protocol-level tests of the debug adapter: the built `node dist/debug-adapter.js` driven by
// @vscode/debugadapter-testsupport's DebugClient, on the lesson examples and small fixtures.
// Every wait is on a protocol event, never on time.

import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assemble } from '../../emulator/asm/index';
import { createNodeFileHost } from '../../emulator/asm/node-file-host';
import { FIXTURES, launchAndStop, lineOf, ROOT, scopeValues, startClient } from './dap-client';

const LESSON1 = path.join(ROOT, 'examples', 'lesson1-syscall.asm');
const CALLS = path.join(FIXTURES, 'calls.asm');
const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** Address of a label, from the assembler (so no test hard-codes the layout). */
function labelAddress(file: string, name: string): bigint {
  const prog = assemble(createNodeFileHost().readText(file)!, file, { host: createNodeFileHost() });
  const s = prog.symbols.get(name);
  if (!s) throw new Error(`no label ${name} in ${file}`);
  return s.value;
}

let dc: DebugClient;
let output: { category: string; text: string }[];
beforeEach(async () => {
  ({ dc, output } = await startClient());
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

describe('data breakpoints', () => {
  it('break on gs.base change: stops after the wrmsr, then after the swapgs', async () => {
    await launchAndStop(dc, { program: LESSON1, stopOnEntry: true });
    const st = await dc.stackTraceRequest({ threadId: 1 });
    const scopes = await dc.scopesRequest({ frameId: st.body.stackFrames[0]!.id });
    const gsRef = scopes.body.scopes.find((s) => s.name === 'GS state')!.variablesReference;
    const info = await dc.dataBreakpointInfoRequest({ variablesReference: gsRef, name: 'gs.base' });
    expect(info.body.dataId).toBe('gs-base');
    const set = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId! }] });
    expect(set.body.breakpoints[0]!.verified).toBe(true);

    let stopped = dc.waitForEvent('stopped');
    await dc.continueRequest({ threadId: 1 });
    let ev = await stopped;
    expect(ev.body.reason).toBe('data breakpoint');
    expect(ev.body.description).toMatch(new RegExp(`lesson1-syscall\\.asm:${lineOf(LESSON1, /^\s*wrmsr/)}`));
    expect((await scopeValues(dc, 'GS state')).get('gs.base')!.value).toBe(hex(labelAddress(LESSON1, 'cpu0')));

    stopped = dc.waitForEvent('stopped');
    await dc.continueRequest({ threadId: 1 });
    ev = await stopped;
    expect(ev.body.reason).toBe('data breakpoint');
    expect(ev.body.description).toMatch(new RegExp(`swapgs at .*lesson1-syscall\\.asm:${lineOf(LESSON1, /^\s*swapgs\s*; gs\.base = user \(0\)/)}`));
    expect((await scopeValues(dc, 'GS state')).get('gs.base')!.value).toBe('0x0');
  });

  it('a row that cannot be watched says so', async () => {
    await launchAndStop(dc, { program: CALLS, stopOnEntry: true });
    const st = await dc.stackTraceRequest({ threadId: 1 });
    const scopes = await dc.scopesRequest({ frameId: st.body.stackFrames[0]!.id });
    const ref = scopes.body.scopes.find((s) => s.name === 'GS state')!.variablesReference;
    const info = await dc.dataBreakpointInfoRequest({ variablesReference: ref, name: 'active GS base' });
    expect(info.body.dataId).toBeNull();
  });
});

describe('stepping', () => {
  it('next steps over a call to the line after it, with the call done', async () => {
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

describe('end of the program', () => {
  it('console output arrives and the exit code is reported', async () => {
    await launchAndStop(dc, { program: CALLS, stopOnEntry: true });
    const exited = dc.waitForEvent('exited');
    const terminated = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: 1 });
    expect((await exited).body.exitCode).toBe(7);
    await terminated;
    const stdout = output.filter((o) => o.category === 'stdout').map((o) => o.text).join('');
    expect(stdout).toBe('ok\n');
  });

  it('an unhandled guest exception stops with its message, then ends with exit code 3', async () => {
    const fault = path.join(FIXTURES, 'fault.asm');
    const { stopped } = await launchAndStop(dc, { program: fault });
    expect(stopped.body.reason).toBe('exception');
    expect(stopped.body.text).toMatch(new RegExp(`#UD.*fault\\.asm:${lineOf(fault, /ud2/)}`));
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    expect(info.body.exceptionId).toBe('#UD');
    const exited = dc.waitForEvent('exited');
    await dc.continueRequest({ threadId: 1 });
    expect((await exited).body.exitCode).toBe(3);
  });

  it('trace: true reports GS events as output lines', async () => {
    await launchAndStop(dc, { program: CALLS, trace: true, stopOnEntry: true });
    const terminated = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: 1 });
    await terminated;
    const trace = output.filter((o) => o.category === 'console').map((o) => o.text).join('');
    expect(trace).toMatch(new RegExp(`calls\\.asm:${lineOf(CALLS, /wrmsr/)}: KernelGSBase 0x0 -> ${hex(labelAddress(CALLS, 'percpu'))}`));
    expect(trace).toMatch(new RegExp(`calls\\.asm:${lineOf(CALLS, /^\s*swapgs/)}: swapgs`));
  });
});

describe('pause', () => {
  it('pause stops an endless loop', async () => {
    const spin = path.join(FIXTURES, 'spin.asm');
    await launchAndStop(dc, { program: spin, stopOnEntry: true, maxInstructions: 1e15 });
    const continued = dc.continueRequest({ threadId: 1 });
    await continued;
    const stopped = dc.waitForEvent('stopped');
    await dc.pauseRequest({ threadId: 1 });
    expect((await stopped).body.reason).toBe('pause');
    const st = await dc.stackTraceRequest({ threadId: 1 });
    expect(st.body.stackFrames[0]!.line).toBe(lineOf(spin, /jmp/));
  });
});

describe('state access', () => {
  it('setVariable writes a register; refuses a non-canonical gs.base', async () => {
    await launchAndStop(dc, { program: CALLS, stopOnEntry: true });
    const st = await dc.stackTraceRequest({ threadId: 1 });
    const scopes = await dc.scopesRequest({ frameId: st.body.stackFrames[0]!.id });
    const ref = (n: string): number => scopes.body.scopes.find((s) => s.name === n)!.variablesReference;
    const r = await dc.setVariableRequest({ variablesReference: ref('Registers'), name: 'rbx', value: '0x1234' });
    expect(r.body.value).toBe('0x1234');
    expect((await scopeValues(dc, 'Registers')).get('rbx')!.value).toBe('0x1234');
    await expect(dc.setVariableRequest({ variablesReference: ref('GS state'), name: 'gs.base', value: '0x8000000000000000' })).rejects.toThrow(/canonical/);
  });

  it('readMemory follows a register memoryReference; disassemble shows the instruction at rip', async () => {
    const after = lineOf(CALLS, /^\s*swapgs/) + 1;
    await launchAndStop(dc, { program: CALLS }, [after]);
    const gs = await scopeValues(dc, 'GS state');
    const ref = gs.get('gs.base')!.memoryReference;
    expect(ref).toBe(hex(labelAddress(CALLS, 'percpu')));
    const mem = await dc.customRequest('readMemory', { memoryReference: ref, count: 16 });
    const bytes = Buffer.from(mem.body.data, 'base64');
    expect(bytes.readBigUInt64LE(0)).toBe(41n);
    expect(bytes.readBigUInt64LE(8)).toBe(0x1122334455667788n);
    const st = await dc.stackTraceRequest({ threadId: 1 });
    const rip = st.body.stackFrames[0]!.instructionPointerReference!;
    const dis = await dc.disassembleRequest({ memoryReference: rip, instructionOffset: -2, instructionCount: 4 });
    const text = dis.body!.instructions.map((i) => i.instruction);
    expect(text.slice(0, 2)).toEqual(['wrmsr', 'swapgs']);
    expect(text[2]).toMatch(/^mov rbx,\[gs:/);
    expect(text[3]).toMatch(/^call /);
    expect(dis.body!.instructions[2]!.address).toBe(rip);
    expect(dis.body!.instructions[2]!.line).toBe(after);
  });
});
