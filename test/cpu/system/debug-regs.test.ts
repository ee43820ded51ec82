// Debug registers as state (SDM Vol 2A MOV DR; Vol 3A 17.2) and the RIP saved for a fault raised
// while delivering INT n / INT3 (SDM Vol 3A 6.5, 6.12.1.1).
import { describe, expect, it } from 'vitest';
import { addr, sandbox } from './harness';

const DB = 101;
const GP = 113;
const UD = 106;

describe('MOV to/from DR0-DR7 (SDM Vol 2A MOV DR; Vol 3A 17.2)', () => {
  it('round-trips DR0-DR3 and applies the fixed bits of DR6/DR7', () => {
    const sb = sandbox(`
    mov rax, 0x7fff12345678
    mov dr3, rax
    mov rbx, dr3
    mov [report], rbx
    mov eax, 0xffffffff
    mov dr6, rax
    mov rbx, dr6
    mov [report + 8], rbx
    mov eax, 0xffffdfff ; all but GD (bit 13), which would make the read a #DB
    mov dr7, rax
    mov rbx, dr7
    mov [report + 16], rbx
    hlt
`);
    // DR6: bit 12 reads 0; DR7: bits 12, 14, 15 read 0, bit 10 reads 1 (SDM Vol 3A 17.2.3, 17.2.4).
    expect(sb.report).toBeUndefined();
    expect([sb.q('report'), sb.q('report', 8), sb.q('report', 16)]).toEqual([0x7fff12345678n, 0xffffefffn, 0xffff0fffn]);
  });
  it('aliases DR4/DR5 to DR6/DR7 with CR4.DE=0 and raises #UD with CR4.DE=1', () => {
    const alias = sandbox(`
    mov eax, 0x155
    mov dr5, rax
    mov rbx, dr7
    mov [report], rbx
    hlt
`);
    expect(alias.q('report')).toBe(0x555n);
    const de = sandbox(`
    mov rax, cr4
    bts rax, 3
    mov cr4, rax
    mov rax, dr4
`);
    expect(de.result).toMatchObject({ kind: 'exit', exitCode: UD });
  });
  it('raises #GP(0) for a 1 in bits 63:32 of DR6/DR7 and at CPL 3', () => {
    for (const code of ['mov rax, 1 << 32\n    mov dr7, rax', 'mov rax, 1 << 40\n    mov dr6, rax']) {
      const sb = sandbox(`    ${code}`);
      expect(sb.result, code).toMatchObject({ kind: 'exit', exitCode: GP });
      expect(sb.report?.err, code).toBe(0n);
    }
    const user = sandbox('    enter_user user_code', { user: '    mov rax, dr0' });
    expect(user.result).toMatchObject({ kind: 'exit', exitCode: GP });
  });
  it('raises a #DB fault at a DR access while DR7.GD=1 (general detect)', () => {
    const sb = sandbox(`
    mov eax, 0x2000
    mov dr7, rax
at_gd:
    mov rax, dr0
`);
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: DB });
    expect(sb.report?.rip).toBe(addr(sb, 'at_gd'));
  });
});

describe('a fault while delivering a software interrupt is a fault of the int (SDM Vol 3A 6.5, 6.12.1.1)', () => {
  it('saves the RIP of int n / int3 when the gate DPL check fails', () => {
    for (const insn of ['int 0x0e', 'int3']) {
      const sb = sandbox('    enter_user user_code', { user: `    nop\nat_int:\n    ${insn}\n    nop` });
      expect(sb.result, insn).toMatchObject({ kind: 'exit', exitCode: GP });
      expect(sb.report?.rip, insn).toBe(addr(sb, 'at_int'));
    }
  });
});

describe('sysret that loads TF=1 (silicon; SDM Vol 2B SYSRET, Vol 3A 17.3.1.4)', () => {
  it('takes the single-step #DB in ring 3 before the first user instruction', () => {
    const sb = sandbox(`
    xor eax, eax
    mov edx, 0x00180008
    mov ecx, 0xC0000081
    wrmsr
    xor eax, eax
    mov dr6, rax
    lea rcx, [user_code]
    mov r11, 0x302
    lea rsp, [user_stack_top]
    xor ebx, ebx
    o64 sysret`, { user: '    mov ebx, 1\n    int3' });
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: DB });
    expect(sb.report).toMatchObject({ rip: addr(sb, 'user_code'), cs: 0x2bn, rflags: 0x302n });
    expect(sb.m.readRegister(0, 'rbx')).toBe(0n);
  });
});
