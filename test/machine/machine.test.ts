// The machine model of DESIGN.md and the observability API the debugger uses: ports, ending,
// budget, cores and scheduling, timer, stepping, breakpoints, watches, registers, call stack,
// snapshots.
import { describe, expect, it } from 'vitest';
import { machine, run } from './run-helper';

const HELLO = `bits 64
section .text
_start:
  lea rsi, [rel msg]
.loop:
  lodsb
  test al, al
  jz .done
  out 0xe9, al
  jmp .loop
.done:
  mov al, 7
  out 0xf4, al
section .data
msg: db "hello", 10, 0
`;

describe('ports and ending (design: machine model)', () => {
  it('prints through port 0xE9 and exits with the value written to port 0xF4', () => {
    const r = run(HELLO);
    expect(r.out).toBe('hello\n');
    expect(r.result).toMatchObject({ kind: 'exit', exitCode: 7 });
  });
  it('ends with exit code 0 when every core halted', () => {
    expect(run('bits 64\n_start:\n  hlt\n', { cpus: 4 }).result).toEqual({ kind: 'halted', exitCode: 0 });
  });
  it('stops an endless loop at the instruction budget (exit 4)', () => {
    const r = run('bits 64\n_start:\n  jmp _start\n', { maxInstructions: 5000 });
    expect(r.result).toMatchObject({ kind: 'budget', exitCode: 4 });
    expect(r.m.executed).toBe(5000);
  });
  it('starts in 64-bit mode at CPL 0 on the boot stack with the default selectors', () => {
    const m = machine('bits 64\n_start:\n  hlt\n', { cpus: 2 });
    for (const i of [0, 1]) {
      expect(m.readRegister(i, 'cpl')).toBe(0n);
      expect(m.readRegister(i, 'cs')).toBe(0x08n);
      expect(m.readRegister(i, 'ss')).toBe(0x10n);
      expect(m.readRegister(i, 'rsp')).toBe(BigInt(m.plan.stacks[i]!.top));
      expect(m.readRegister(i, 'IA32_EFER')).toBe(0x501n);
      expect(m.readRegister(i, 'tsc_aux')).toBe(BigInt(i));
    }
  });
});

describe('cores and scheduling', () => {
  const COUNT = `bits 64
_start:
  rdpid rax
  lea rbx, [rel counters]
.loop:
  inc qword [rbx + rax * 8]
  jmp .loop
section .bss
counters: resq 4
`;
  it('runs cores round-robin with the quantum, deterministically', () => {
    const a = run(COUNT, { cpus: 3, quantum: 10, maxInstructions: 3000 });
    const b = run(COUNT, { cpus: 3, quantum: 10, maxInstructions: 3000 });
    const counters = (m: typeof a.m) => [0, 1, 2].map((i) => new DataView(m.readMemory(Number(m.program.symbols.get('counters')!.value) + 8 * i, 8)!.buffer).getBigUint64(0, true));
    expect(counters(a.m)).toEqual(counters(b.m));
    // Each core got an equal share of the budget: 1000 instructions, about half of them incs.
    for (const c of counters(a.m)) expect(Number(c)).toBeGreaterThan(450);
    expect(a.m.cores.map((c) => c.icount)).toEqual([1000, 1000, 1000]);
  });
});

describe('timer', () => {
  it('keeps the timer interrupt pending while IF=0 and delivers it once IF=1', () => {
    // No IDT: the delivery stops the machine, which shows when it happened.
    const r = run(`bits 64
_start:
  mov ecx, 100
.spin:
  dec ecx
  jnz .spin
  sti
  nop
here:
  nop
`, { timer: { vector: 40, period: 10 } });
    expect(r.result).toMatchObject({ kind: 'fault', exitCode: 3 });
    expect(r.result.kind === 'fault' && r.result.message).toMatch(/unhandled interrupt vector 40 at test\.asm:10/);
  });
});

describe('timer ticks held while IF=0', () => {
  for (const [how, code] of [
    ['popfq', '  push 0x202\n  popfq'],
    ['iretq', '  mov rax, rsp\n  push 0x10\n  push rax\n  push 0x202\n  push 0x08\n  lea rax, [rel here]\n  push rax\n  iretq'],
  ]) {
    it(`are delivered right after ${how} sets IF`, () => {
      const r = run(`bits 64
_start:
  mov ecx, 100
.spin:
  dec ecx
  jnz .spin
${code}
here:
  nop
`, { timer: { vector: 40, period: 10 } });
      expect(r.result.kind === 'fault' && r.result.message).toMatch(/unhandled interrupt vector 40 at test\.asm:\d+/);
      const line = Number(/test\.asm:(\d+)/.exec(r.result.kind === 'fault' ? r.result.message : '')![1]);
      expect(line).toBe(r.m.program.lines.find((l) => l.address === Number(r.m.program.symbols.get('here')!.value))!.site.line + 1);
    });
  }
});

describe('observability API (for the debugger)', () => {
  it('steps one instruction and stops at breakpoints, on every core', () => {
    const m = machine(HELLO, { cpus: 2 });
    const start = m.cores[0]!.rip;
    expect(m.step(0)).toEqual({ kind: 'step', core: 0 });
    expect(m.cores[0]!.rip).toBe(start + 7);
    expect(m.cores[1]!.rip).toBe(start);
    const out = m.lines.addressesOf('test.asm', 7)[0]!; // out 0xe9, al
    m.setBreakpoints([out]);
    const r1 = m.run();
    expect(r1).toEqual({ kind: 'breakpoint', core: 0, address: out });
    const a = m.cores[0]!.icount;
    // Continuing from the breakpoint runs one loop iteration (out, jmp, lodsb, test, jz) to it again.
    const r2 = m.run();
    expect(r2).toEqual({ kind: 'breakpoint', core: 0, address: out });
    expect(m.cores[0]!.icount - a).toBe(5);
  });
  it('stops on a watch of gs.base, of CPL and of memory', () => {
    const src = `bits 64
_start:
  mov ecx, 0xC0000101
  mov eax, 0x1000
  xor edx, edx
  wrmsr
after:
  mov qword [rel cell], 5
  hlt
section .data
cell: dq 0
`;
    const m = machine(src);
    m.setWatches([{ kind: 'gs-base' }]);
    const r = m.run();
    expect(r).toMatchObject({ kind: 'watch', core: 0, watch: { kind: 'gs-base' } });
    expect(m.where(m.cores[0]!.rip)).toBe('test.asm:8');
    const cell = Number(m.program.symbols.get('cell')!.value);
    m.setWatches([{ kind: 'memory', address: cell, size: 8 }]);
    const w = m.run();
    expect(w).toMatchObject({ kind: 'watch', watch: { kind: 'memory' } });
    expect(m.readMemory(cell, 1)![0]).toBe(5);
  });
  it('reads and writes registers, hidden bases and MSRs by name, refusing bad values', () => {
    const m = machine('bits 64\n_start:\n  mov rax, [gs:0]\n  hlt\nsection .data\nv: dq 0x99\n');
    const v = m.program.symbols.get('v')!.value;
    expect(m.writeRegister(0, 'gs.base', v)).toBeUndefined();
    expect(m.readRegister(0, 'IA32_GS_BASE')).toBe(v);
    expect(m.writeRegister(0, 'kernel_gs_base', 0x8000_0000_0000n)).toMatch(/canonical/);
    expect(m.writeRegister(0, 'IA32_LSTAR', 0xffff_8000_0000_1000n)).toBeUndefined();
    expect(m.readRegister(0, 'lstar')).toBe(0xffff_8000_0000_1000n);
    expect(m.writeRegister(0, 'cr4', 1n << 15n)).toMatch(/reserved/);
    expect(m.writeRegister(0, 'frobnicator', 1n)).toMatch(/unknown register/);
    expect(m.readRegister(0, 'gdtr.base')).toBe(BigInt(m.plan.gdt.base));
    expect(m.readRegister(0, 'idtr.limit')).toBe(0n); // no IDT at reset
    expect(m.readRegister(0, 'xmm3')).toBe(0n);
    m.run();
    expect(m.readRegister(0, 'rax')).toBe(0x99n);
  });
  it('keeps a shadow call stack across call/ret', () => {
    const m = machine(`bits 64
_start:
  call f
  hlt
f:
  call g
  ret
g:
  nop
  ret
`);
    const g = Number(m.program.symbols.get('g')!.value);
    m.setBreakpoints([g]);
    m.run();
    expect(m.callStack(0).map((f) => f.kind)).toEqual(['entry', 'call', 'call']);
    expect(m.callStack(0).at(-1)!.target).toBe(g);
    expect(m.callStack(0).map((f) => m.symbolize(f.target))).toEqual(['_start', 'f', 'g']);
    expect(m.symbolize(g + 1)).toBe('g+0x1');
    m.setBreakpoints([]);
    m.run();
    expect(m.callStack(0).map((f) => f.kind)).toEqual(['entry']);
  });
  it('restores a snapshot exactly: running again from it gives the same state and output', () => {
    const src = `bits 64
_start:
  mov ecx, 0xC0000102
  lea rax, [rel data]
  xor edx, edx
  wrmsr
  xor ebx, ebx
.loop:
  add rbx, rcx
  rol rbx, 3
  mov [rel data + 8], rbx
  swapgs
  mov al, bl
  and al, 0x3f
  add al, 0x30
  out 0xe9, al
  inc ecx
  cmp ecx, 0xC0000102 + 200
  jne .loop
  hlt
section .data
data: dq 0, 0
`;
    const m = machine(src);
    let out = '';
    m.console.on((b) => (out += String.fromCharCode(...b)));
    m.run(300);
    const snap = m.snapshot();
    const outAt = out.length;
    const dataAddr = Number(m.program.symbols.get('data')!.value);
    m.run(500);
    const after1 = { rbx: m.readRegister(0, 'rbx'), gs: m.readRegister(0, 'gs.base'), k: m.readRegister(0, 'kernel_gs_base'), mem: m.readMemory(dataAddr, 16), out: out.slice(outAt), icount: m.cores[0]!.icount };
    m.restore(snap);
    expect(m.readMemory(dataAddr, 16)).not.toEqual(after1.mem);
    const mark = out.length;
    m.run(500);
    const after2 = { rbx: m.readRegister(0, 'rbx'), gs: m.readRegister(0, 'gs.base'), k: m.readRegister(0, 'kernel_gs_base'), mem: m.readMemory(dataAddr, 16), out: out.slice(mark), icount: m.cores[0]!.icount };
    expect(after2).toEqual(after1);
  });
});

describe('shadow call stack across privilege transitions', () => {
  it('shows the syscall frame inside the entry and drops it after sysret', () => {
    const src = `bits 64
default rel
_start:
  xor eax, eax
  mov edx, 0x00180008
  mov ecx, 0xC0000081
  wrmsr
  lea rax, [entry]
  mov rdx, rax
  shr rdx, 32
  mov ecx, 0xC0000082
  wrmsr
  lea rcx, [user]
  lea rsp, [ustack_top]
  o64 sysret
entry:
  call helper
  o64 sysret
helper:
  nop
  ret
section .user_text
user:
  syscall
back:
  hlt
section .user_data
ustack: times 256 db 0
ustack_top:
`;
    const m = machine(src);
    const sym = (n: string) => Number(m.program.symbols.get(n)!.value);
    m.setBreakpoints([sym('helper'), sym('back')]);
    expect(m.run()).toMatchObject({ kind: 'breakpoint', address: sym('helper') });
    expect(m.callStack(0).map((f) => f.kind)).toEqual(['entry', 'syscall', 'call']);
    expect(m.callStack(0)[1]!.from).toBe(sym('user'));
    expect(m.run()).toMatchObject({ kind: 'breakpoint', address: sym('back') });
    expect(m.callStack(0).map((f) => f.kind)).toEqual(['entry']);
  });
});

describe('snapshots with several cores and a timer', () => {
  it('replays the same interleaving after restore', () => {
    const src = `bits 64
default rel
_start:
  rdpid rbx
.loop:
  lock inc qword [counter]
  mov rax, [counter]
  mov [log + rbx * 8], rax
  jmp .loop
section .bss
counter: resq 1
log: resq 4
`;
    const m = machine(src, { cpus: 3, quantum: 37, timer: { vector: 40, period: 1000 } });
    m.run(500);
    const s = m.snapshot();
    m.run(2000);
    const a = m.readMemory(Number(m.program.symbols.get('counter')!.value), 40);
    const icounts = m.cores.map((c) => c.icount);
    m.restore(s);
    m.run(2000);
    expect(m.readMemory(Number(m.program.symbols.get('counter')!.value), 40)).toEqual(a);
    expect(m.cores.map((c) => c.icount)).toEqual(icounts);
  });
});
