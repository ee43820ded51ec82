// Execution behaviour a program can observe: self-modifying code, unimplemented instructions,
// exceptions and their saved RIP, control flow, CPUID/TSC, SSE moves, rep and interrupts.

import { describe, expect, it } from 'vitest';
import { Core, registerHandlers, Vec } from '../../emulator/cpu';
import { Code } from 'iced-x86';
import { CODE, DATA, machine, STACK_TOP } from './helpers';

function capture(c: Core): { vector: number; error: number | undefined; kind: string; rip: number; reason: string }[] {
  const evs: { vector: number; error: number | undefined; kind: string; rip: number; reason: string }[] = [];
  c.deliverHook = (core, vector, error, kind, reason) => { evs.push({ vector, error, kind, rip: core.rip, reason }); core.stop('event'); };
  return evs;
}

describe('self-modifying code', () => {
  it('executes bytes written over already-decoded code', () => {
    // First pass runs `mov eax, 1` at `patch`, then the code rewrites its immediate to 2 and runs it again.
    const m = machine(`
      xor ebx, ebx
    again:
    patch:
      mov eax, 1
      add ebx, eax
      cmp ebx, 1
      jne done
      mov byte [rel patch + 1], 2
      jmp again
    done:
    `);
    expect(m.core.run(1000)).toBe('breakpoint');
    expect(m.core.getLo(3)).toBe(3); // 1 + 2
  });

  it('sees writes through the debugger interface (memory.writeBytes)', () => {
    const m = machine('mov eax, 5\nmov eax, 5');
    m.core.step();
    expect(m.core.getLo(0)).toBe(5);
    m.memory.writeBytes(CODE + 6, new Uint8Array([9]));
    m.core.run(10);
    expect(m.core.getLo(0)).toBe(9);
  });
});

describe('exceptions', () => {
  it('raises #UD naming an unimplemented instruction', () => {
    const m = machine('vpaddd ymm0, ymm1, ymm2');
    const evs = capture(m.core);
    m.core.run(10);
    expect(evs[0].vector).toBe(Vec.UD);
    expect(evs[0].reason).toMatch(/instruction 'vpaddd' is not implemented by the emulator/);
    expect(evs[0].rip).toBe(CODE);
  });

  it('stops with a readable message when nothing handles the exception', () => {
    const m = machine('nop\nud2');
    expect(m.core.run(10)).toBe('stopped');
    expect(m.core.stopMessage).toMatch(/^unhandled #UD at 0x100001: ud2 executed/);
  });

  it('delivers #DE as a fault at the div and int3 as a trap after it', () => {
    const m = machine('xor ecx, ecx\ndiv ecx');
    const evs = capture(m.core);
    m.core.run(10);
    expect(evs[0]).toMatchObject({ vector: Vec.DE, kind: 'fault', rip: CODE + 2 });
    const m2 = machine('nop\nint3\nnop');
    const evs2 = capture(m2.core);
    m2.core.run(10);
    expect(evs2[0]).toMatchObject({ vector: Vec.BP, kind: 'software', rip: CODE + 2 });
    expect(m2.core.icount).toBe(2);
  });

  it('lets the system code register handlers by Code', () => {
    registerHandlers({ [Code.Wbinvd]: (c) => { c.setHalves(0, 77, 0); } });
    const m = machine('wbinvd');
    m.core.run(10);
    expect(m.core.getLo(0)).toBe(77);
  });

  it('rejects a lock prefix on a register destination with #UD', () => {
    const m = machine('db 0xf0, 0x01, 0xd8'); // lock add eax, ebx
    const evs = capture(m.core);
    m.core.run(10);
    expect(evs[0]?.vector).toBe(Vec.UD);
  });
});

describe('control flow', () => {
  it('calls, returns, and keeps the stack balanced', () => {
    const m = machine(`
      call f
      jmp end
    f: push rbp
      mov rbp, rsp
      sub rsp, 32
      mov dword [rbp-4], 7
      mov eax, [rbp-4]
      leave
      ret
    end:
    `);
    expect(m.core.run(100)).toBe('breakpoint');
    expect(m.core.getLo(0)).toBe(7);
    expect(m.core.getAddr(4)).toBe(STACK_TOP);
  });

  it('runs loop, loopne, jrcxz and an indirect jump through memory', () => {
    const m = machine(`
      mov ecx, 5
      xor eax, eax
    l: inc eax
      loop l
      jrcxz ok
      ud2
    ok: lea rbx, [rel target]
      mov [0x200000], rbx
      jmp [0x200000]
      ud2
    target:
      mov ecx, 3
      xor edx, edx
    l2: inc edx
      cmp edx, 100
      loopne l2
    `);
    expect(m.core.run(1000)).toBe('breakpoint');
    expect(m.core.getLo(0)).toBe(5);
    expect(m.core.getLo(2)).toBe(3);
  });

  it('enter with a nesting level builds the frame like the SDM pseudo-code', () => {
    const m = machine('mov rbp, rsp\nenter 16, 2\nmov rax, rsp\nmov rbx, rbp\nleave');
    expect(m.core.run(100)).toBe('breakpoint');
    // push rbp, one copied frame pointer, the new frame pointer, then 16 bytes of locals.
    expect(m.core.getAddr(3)).toBe(STACK_TOP - 8);
    expect(m.core.getAddr(0)).toBe(STACK_TOP - 24 - 16);
    expect(m.core.getAddr(4)).toBe(STACK_TOP);
  });

  it('#GP on a return to a non-canonical address', () => {
    const m = machine('mov rax, 0x8000000000000000\npush rax\nret');
    const evs = capture(m.core);
    m.core.run(10);
    expect(evs[0]).toMatchObject({ vector: Vec.GP, error: 0, rip: CODE + 11 });
  });
});

describe('identification and time', () => {
  it('cpuid reports the APIC id, SMEP/SMAP/FSGSBASE and long mode', () => {
    const m = machine(`
      mov eax, 1
      cpuid
      mov r8d, ebx
      mov eax, 7
      xor ecx, ecx
      cpuid
      mov r9d, ebx
      mov eax, 0x80000001
      cpuid
      mov r10d, edx
    `);
    m.core.run(100);
    expect(m.core.getLo(8) >>> 24).toBe(0);
    expect(m.core.getLo(9) & ((1 << 0) | (1 << 7) | (1 << 20))).toBe((1 << 0) | (1 << 7) | (1 << 20));
    expect(m.core.getLo(10) & ((1 << 11) | (1 << 29))).toBe((1 << 11) | (1 << 29));
  });

  it('rdtsc counts retired instructions; rdtscp and rdpid return TSC_AUX', () => {
    const m = machine('nop\nnop\nrdtsc\nmov r8d, eax\nrdtscp\nrdpid r9');
    m.core.msr = { read: (_c, i) => (i === 0xc0000103 ? 5n : undefined), write: () => false };
    m.core.run(100);
    expect(m.core.getLo(8)).toBe(2);
    expect(m.core.getLo(0)).toBe(4);
    expect(m.core.getLo(1)).toBe(5);
    expect(m.core.getGpr(9)).toBe(5n);
  });
});

describe('SSE moves', () => {
  it('copies 16 bytes with movdqu/movdqa and clears with pxor; movq/movd zero-extend', () => {
    const m = machine(`
      mov rax, 0x1122334455667788
      mov [0x200000], rax
      mov rax, 0x99aabbccddeeff00
      mov [0x200008], rax
      movdqu xmm1, [0x200000]
      movdqa [0x200010], xmm1
      pxor xmm1, xmm1
      movq xmm2, [0x200008]
      movq rbx, xmm2
      movd xmm3, ebx
      movd ecx, xmm3
    `);
    m.core.cr4 |= 0x200; // CR4.OSFXSR, as an OS sets it before using SSE (SDM Vol. 3A 13.1.3)
    expect(m.core.run(100)).toBe('breakpoint');
    expect(m.memory.readBytes(DATA + 16, 16)).toEqual(m.memory.readBytes(DATA, 16));
    expect([...m.core.xmm.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
    expect(m.core.getGpr(3)).toBe(0x99aabbccddeeff00n);
    expect(m.core.getGpr(1)).toBe(0xddeeff00n);
  });

  it('movdqa on a misaligned address raises #GP(0)', () => {
    const m = machine('movdqa xmm0, [0x200008]');
    m.core.cr4 |= 0x200; // CR4.OSFXSR
    const evs = capture(m.core);
    m.core.run(10);
    expect(evs[0]).toMatchObject({ vector: Vec.GP, error: 0 });
  });
});

describe('rep and interrupts', () => {
  it('a long rep stosb is interruptible and resumes where it stopped', () => {
    const m = machine('mov rdi, 0x200000\nmov ecx, 0x9000\nmov al, 0xab\nrep stosb');
    m.core.run(4); // the three movs and one chunk of the rep
    expect(m.core.rip).toBe(m.core.fetch(CODE).next + 5 + 2); // still at rep stosb
    expect(m.core.getLo(1)).toBeGreaterThan(0);
    expect(m.core.run(1000)).toBe('breakpoint');
    expect(m.core.getLo(1)).toBe(0);
    expect(m.memory.readBytes(DATA + 0x8fff, 2)).toEqual(new Uint8Array([0xab, 0]));
  });

  it('takes a pending interrupt only when IF=1 and after the interrupt shadow', () => {
    const m = machine('nop\nnop\nnop\nnop');
    const evs = capture(m.core);
    m.core.raiseInterrupt(0x20);
    m.core.step();
    expect(evs).toHaveLength(0); // IF=0
    m.core.setRflags(m.core.rflags | 0x200);
    m.core.setInterruptShadow(); // as `sti` does while it executes: here the next nop plays sti
    m.core.step();
    m.core.step();
    expect(evs).toHaveLength(0); // the instruction after "sti" runs first
    m.core.step();
    expect(evs[0]).toMatchObject({ vector: 0x20, kind: 'interrupt', rip: CODE + 3 });
  });
});

describe('blocked interrupts', () => {
  it('run() keeps executing while an interrupt is pending with IF=0, and takes it once IF=1', () => {
    const m = machine('mov ecx, 50\nl: dec ecx\njnz l\npushfq\nor qword [rsp], 0x200\npopfq\nnop\nnop');
    const evs = capture(m.core);
    m.core.raiseInterrupt(0x30);
    expect(m.core.run(1000)).toBe('stopped'); // the capture hook stops the core at the delivery
    expect(m.core.icount).toBe(1 + 100 + 3);
    expect(evs[0]).toMatchObject({ vector: 0x30, kind: 'interrupt' });
  });
});
