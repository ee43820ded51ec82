// Protocol-level tests of the debug adapter, second half: how a session ends, pause, data
// breakpoints and state access (setVariable, evaluate, readMemory, disassemble).
// Every wait is on a protocol event, never on time.

import type { DebugClient } from '@vscode/debugadapter-testsupport';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES, hex, labelAddress, launchAndStop, lineOf, ROOT, scopeValues, startClient } from './dap-client';

const LESSON1 = path.join(ROOT, 'examples', 'lesson1-syscall.asm');
const CALLS = path.join(FIXTURES, 'calls.asm');

let dc: DebugClient;
let output: { category: string; text: string }[];
beforeEach(async () => {
  ({ dc, output } = await startClient());
});
afterEach(async () => {
  await dc.stop();
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

describe('end of the program', () => {
  it('console output arrives and the exit code is reported', async () => {
    await launchAndStop(dc, { program: CALLS, stopOnEntry: true });
    const exited = dc.waitForEvent('exited');
    const terminated = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: 1 });
    expect((await exited).body.exitCode).toBe(7);
    await terminated;
    // One event for the line, not one per byte written to port 0xE9.
    expect(output.filter((o) => o.category === 'stdout').map((o) => o.text)).toEqual(['ok\n']);
  });

  it('an unhandled guest exception stops with its message, then ends with exit code 3', async () => {
    const fault = path.join(FIXTURES, 'fault.asm');
    const { stopped } = await launchAndStop(dc, { program: fault });
    expect(stopped.body.reason).toBe('exception');
    expect(stopped.body.text).toMatch(new RegExp(`#UD.*fault\\.asm:${lineOf(fault, /ud2/)}`));
    // The state is still there to look at: the top frame is the faulting instruction's line.
    expect((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!.line).toBe(lineOf(fault, /ud2/));
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    expect(info.body.exceptionId).toBe('#UD');
    const exited = dc.waitForEvent('exited');
    await dc.continueRequest({ threadId: 1 });
    expect((await exited).body.exitCode).toBe(3);
  });

  it('lesson 1 broken: the #PF stop shows the user GS base active at CPL 0', async () => {
    const broken = path.join(ROOT, 'examples', 'lesson1-syscall-broken.asm');
    const { stopped } = await launchAndStop(dc, { program: broken });
    expect(stopped.body.reason).toBe('exception');
    expect(stopped.body.text).toMatch(/#PF/);
    const gs = await scopeValues(dc, 'GS state');
    expect(gs.get('CPL')!.value).toBe('0');
    expect(gs.get('gs.base')!.value).toBe('0x0');
    expect(gs.get('active GS base')!.value).toBe('user (mismatch: CPL 0 with the user base)');
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

  it('evaluate reads registers, MSRs and labels (hovers and watch expressions)', async () => {
    const after = lineOf(CALLS, /^\s*swapgs/) + 1;
    await launchAndStop(dc, { program: CALLS }, [after]);
    const st = await dc.stackTraceRequest({ threadId: 1 });
    const frameId = st.body.stackFrames[0]!.id;
    const percpu = hex(labelAddress(CALLS, 'percpu'));
    expect((await dc.evaluateRequest({ expression: 'gs.base', frameId, context: 'hover' })).body.result).toBe(percpu);
    expect((await dc.evaluateRequest({ expression: 'percpu', frameId, context: 'watch' })).body.result).toBe(percpu);
    expect((await dc.evaluateRequest({ expression: 'IA32_EFER', frameId, context: 'watch' })).body.result).toBe('0x501');
    await expect(dc.evaluateRequest({ expression: 'rax +', frameId, context: 'watch' })).rejects.toThrow(/not a register/);
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
