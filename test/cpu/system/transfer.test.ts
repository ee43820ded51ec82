// SYSCALL/SYSRET, IRETQ, far return and INT n (SDM Vol 2B SYSCALL, SYSRET; Vol 2A IRET, INT n; RET).
import { describe, expect, it } from 'vitest';
import { addr, sandbox } from './harness';

const GP = 113;
const UD = 106;

const STAR = `
    xor eax, eax
    mov edx, 0x00180008
    mov ecx, 0xC0000081
    wrmsr
    lea rax, [entry]
    mov rdx, rax
    shr rdx, 32
    mov ecx, 0xC0000082
    wrmsr
    mov eax, 0x4700               ; FMASK: IF TF DF NT
    xor edx, edx
    mov ecx, 0xC0000084
    wrmsr
`;

describe('SYSCALL (SDM Vol 2B SYSCALL)', () => {
  it('saves RIP in RCX and RFLAGS in R11, masks RFLAGS with FMASK, loads CS/SS from STAR[47:32]', () => {
    const sb = sandbox(`${STAR}
    enter_user user_code, 0x0603   ; DF, IF, CF set in user mode
entry:
    mov [scratch], rcx
    mov [scratch + 8], r11
    pushfq
    pop qword [scratch + 16]
    mov [scratch + 24], cs
    mov [scratch + 32], ss
    hlt`, { user: 'at_syscall:\n    syscall\nafter_syscall:\n    jmp after_syscall', data: 'section .bss\nscratch: resq 5' });
    expect(sb.result.kind).toBe('halted');
    expect(sb.q('scratch')).toBe(addr(sb, 'after_syscall'));
    expect(sb.q('scratch', 8)).toBe(0x603n);
    expect(sb.q('scratch', 16)).toBe(0x003n); // IF and DF cleared by FMASK, CF kept
    expect(sb.q('scratch', 24) & 0xffffn).toBe(0x08n);
    expect(sb.q('scratch', 32) & 0xffffn).toBe(0x10n);
    expect(sb.events.filter((e) => e.kind === 'cpl').map((e) => e.kind === 'cpl' && e.cause)).toEqual(['iret', 'syscall']);
  });
  it('raises #UD when IA32_EFER.SCE = 0', () => {
    const sb = sandbox(`
    mov ecx, 0xC0000080
    rdmsr
    btr eax, 0
    wrmsr
    syscall`);
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: UD });
  });
});

describe('SYSRET (SDM Vol 2B SYSRET)', () => {
  it('o64 sysret: RIP = RCX, RFLAGS = R11 & 3C7FD7H | 2, CS = STAR[63:48]+16 | 3, SS = STAR[63:48]+8 | 3', () => {
    const sb = sandbox(`${STAR}
    lea rcx, [user_code]
    mov r11, 0xfffffeff            ; every flag but TF (TF would single-step)
    lea rsp, [user_stack_top]      ; sysret leaves RSP alone
    o64 sysret
entry:
    hlt`, { user: '    pushfq\n    pop rbx\n    mov r12d, cs\n    mov r13d, ss\n    int3' });
    // int3 through a DPL 0 gate from ring 3: #GP(26) reported with the user CS.
    expect(sb.report).toMatchObject({ err: 26n, cs: 0x2bn, ss: 0x23n });
    expect(sb.m.readRegister(0, 'rbx')).toBe(0x3c7ed7n);
    expect(sb.m.readRegister(0, 'r12')).toBe(0x2bn);
    expect(sb.m.readRegister(0, 'r13')).toBe(0x23n);
  });
  it('raises #GP(0) at CPL 0 for a non-canonical RCX, with the current (user) RSP (CVE-2012-0217)', () => {
    const sb = sandbox(`${STAR}
    lea rsp, [user_stack_top]
    mov rcx, 0x0000800000000000
at_sysret:
    o64 sysret
entry:
    hlt`);
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(sb.report).toMatchObject({ err: 0n, cs: 0x08n, rip: addr(sb, 'at_sysret'), rsp: addr(sb, 'user_stack_top') });
  });
  it('raises #GP(0) at CPL 3', () => {
    const sb = sandbox(`${STAR}\n    enter_user user_code\nentry:\n    hlt`, { user: '    o64 sysret' });
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(sb.report?.cs).toBe(0x2bn);
  });
});

describe('IRETQ (SDM Vol 2A IRET)', () => {
  it('returns to CPL 3 popping RIP, CS, RFLAGS, RSP, SS', () => {
    const sb = sandbox('    enter_user user_code, 0x202', { user: '    mov rbx, rsp\n    int3' });
    expect(sb.report).toMatchObject({ cs: 0x2bn, ss: 0x23n, rsp: addr(sb, 'user_stack_top') });
    expect(sb.report!.rflags & 0x200n).toBe(0x200n);
  });
  it('returns at the same privilege level, also with a null SS', () => {
    const sb = sandbox(`
    mov rax, rsp
    push 0
    push rax
    pushfq
    push 0x08
    lea rax, [back]
    push rax
    iretq
back:
    mov [scratch], ss
    hlt`, { data: 'section .bss\nscratch: resq 1' });
    expect(sb.result.kind).toBe('halted');
    expect(sb.q('scratch') & 0xffffn).toBe(0n);
  });
  it('raises #GP(selector) when the return CS is more privileged than CPL', () => {
    const sb = sandbox('    enter_user user_code', { user: `
    push 0x23
    push rsp
    pushfq
    push 0x08
    lea rax, [user_code]
    push rax
    iretq` });
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(sb.report?.err).toBe(0x08n);
  });
  it('raises #GP(0) for a null SS on a return to CPL 3', () => {
    const sb = sandbox(`
    push 0
    push rsp
    push 2
    push 0x2b
    lea rax, [user_code]
    push rax
    iretq`);
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(sb.report?.err).toBe(0n);
  });
  it('at CPL 3 cannot change IOPL and, with IOPL 0, not IF (SDM Vol 2A IRET)', () => {
    const sb = sandbox('    enter_user user_code, 0x2', { user: `
    push 0x23
    lea rax, [user_stack_top]
    push rax
    push 0x3202
    push 0x2b
    lea rax, [back]
    push rax
    iretq
back:
    pushfq
    pop rbx
    int3` });
    expect(sb.m.readRegister(0, 'rbx')).toBe(0x2n);
  });
});

describe('INT n (SDM Vol 2A INT n; Vol 3A 6.12.1.1)', () => {
  it('from ring 3 through a DPL 0 gate is #GP(vector*8+2)', () => {
    const sb = sandbox('    enter_user user_code', { user: '    int 0x80' });
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(sb.report?.err).toBe(BigInt(0x80 * 8 + 2));
  });
  it('from ring 3 through a DPL 3 gate reaches the handler at CPL 0 with RIP after the int', () => {
    const sb = sandbox(`
    mov esi, 0x80
    lea rdx, [sys80]
    mov ecx, 3
    call set_gate
    enter_user user_code
sys80:
    mov rax, [rsp]
    mov [scratch], rax
    mov [scratch + 8], cs
    hlt`, { user: '    int 0x80\nafter_int:\n    jmp after_int', data: 'section .bss\nscratch: resq 2' });
    expect(sb.q('scratch')).toBe(addr(sb, 'after_int'));
    expect(sb.q('scratch', 8) & 0xffffn).toBe(8n);
  });
  it('int3 saves the RIP after it (a trap, SDM Vol 3A 6.15 Interrupt 3)', () => {
    const sb = sandbox('    int3\nafter_bp:\n    hlt');
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: 103 });
    expect(sb.report).toMatchObject({ err: -1n, rip: addr(sb, 'after_bp') });
  });
});

describe('far return (SDM Vol 2B RET)', () => {
  it('o64 retf to CPL 3 pops RIP, CS, RSP and SS', () => {
    const sb = sandbox(`
    push 0x23
    lea rax, [user_stack_top]
    push rax
    push 0x2b
    lea rax, [user_code]
    push rax
    o64 retf`, { user: '    int3' });
    expect(sb.report).toMatchObject({ err: 26n, cs: 0x2bn, ss: 0x23n });
  });
});
