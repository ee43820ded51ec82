// Control registers, cli/sti/hlt, port I/O protection, invlpg (SDM Vol 3A 2.5, Vol 1 19.5,
// Vol 2 instruction pages).
import { describe, expect, it } from 'vitest';
import { addr, sandbox } from './harness';

const GP = 113;
const UD = 106;

describe('MOV to/from control registers (SDM Vol 2A MOV CR; Vol 3A 2.5)', () => {
  it('round-trips CR2, CR3 and CR8', () => {
    const sb = sandbox(`
    mov rax, 0xdead0000
    mov cr2, rax
    mov rbx, cr2
    mov [report], rbx
    mov rax, 0x5000
    mov cr3, rax
    mov rbx, cr3
    mov [report + 8], rbx
    mov eax, 9
    mov cr8, rax
    mov rbx, cr8
    mov [report + 16], rbx
    hlt
`);
    expect([sb.q('report'), sb.q('report', 8), sb.q('report', 16)]).toEqual([0xdead0000n, 0x5000n, 9n]);
  });
  it('raises #GP(0) for reserved or forbidden values', () => {
    for (const [what, code] of [
      ['CR4 bit 15 (reserved)', 'mov rax, cr4\n    bts rax, 15\n    mov cr4, rax'],
      ['CR4.VMXE (unsupported)', 'mov rax, cr4\n    bts rax, 13\n    mov cr4, rax'],
      ['CR4.PAE cleared in IA-32e mode', 'mov rax, cr4\n    btr rax, 5\n    mov cr4, rax'],
      ['CR0.PG cleared in 64-bit mode', 'mov rax, cr0\n    btr rax, 31\n    mov cr0, rax'],
      ['CR0 bit 32', 'mov rax, cr0\n    bts rax, 32\n    mov cr0, rax'],
      ['CR0.NW without CD', 'mov rax, cr0\n    bts rax, 29\n    btr rax, 30\n    mov cr0, rax'],
      ['CR8 bits 63:4', 'mov eax, 16\n    mov cr8, rax'],
      ['CR3 above MAXPHYADDR', 'mov rax, 1 << 60\n    mov cr3, rax'],
    ]) {
      const sb = sandbox(`    ${code}`);
      expect(sb.result, what).toMatchObject({ kind: 'exit', exitCode: GP });
      expect(sb.report?.err, what).toBe(0n);
    }
  });
  it('raises #GP(0) at CPL 3 in both directions', () => {
    for (const insn of ['mov rax, cr0', 'mov cr2, rax', 'mov rax, cr4']) {
      const sb = sandbox('    enter_user user_code', { user: `    ${insn}` });
      expect(sb.result, insn).toMatchObject({ kind: 'exit', exitCode: GP });
    }
  });
});

describe('CLI/STI and the interrupt shadow (SDM Vol 2A CLI, Vol 2B STI, Vol 3A 6.8.3)', () => {
  it('raise #GP(0) at CPL 3 with IOPL 0 and are allowed with IOPL 3', () => {
    const denied = sandbox('    enter_user user_code', { user: 'u_cli:\n    cli' });
    expect(denied.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(denied.report?.rip).toBe(addr(denied, 'u_cli'));
    const allowed = sandbox('    enter_user user_code, 0x3002', { user: '    cli\n    sti\n    int3' });
    // int3 through a DPL 0 gate from CPL 3 is #GP(3*8+2): cli and sti passed.
    expect(allowed.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(allowed.report?.err).toBe(26n);
  });
  it('delivers a pending timer interrupt only after the instruction following sti', () => {
    const sb = sandbox(`
    mov esi, 32
    lea rdx, [tick]
    xor ecx, ecx
    call set_gate
    xor ebx, ebx
    mov ecx, 200
.spin:
    dec ecx                        ; IF=0: the tick stays pending
    jnz .spin
    sti
    mov ebx, 1                     ; runs inside the sti shadow
    mov ebx, 2                     ; the interrupt comes before this one
    hlt
tick:
    mov [report], rbx
    mov al, 0
    out 0xf4, al
`, { timer: { vector: 32, period: 50 } });
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: 0 });
    expect(sb.q('report')).toBe(1n);
  });
});

describe('HLT (SDM Vol 2A HLT; design: machine model)', () => {
  it('raises #GP(0) at CPL 3', () => {
    const sb = sandbox('    enter_user user_code', { user: '    hlt' });
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: GP });
  });
  it('with IF=0 stops the core; the machine ends with exit code 0 when all cores stopped', () => {
    const sb = sandbox('    cli\n    hlt', { cpus: 3 });
    expect(sb.result).toEqual({ kind: 'halted', exitCode: 0 });
  });
  it('with IF=1 waits for the timer and resumes after hlt when the handler returns', () => {
    const sb = sandbox(`
    mov esi, 32
    lea rdx, [tick]
    xor ecx, ecx
    call set_gate
    sti
    hlt
    hlt
    hlt
    mov rax, [ticks]
    mov [report], rax
    mov al, 0
    out 0xf4, al
tick:
    inc qword [ticks]
    iretq
`, { timer: { vector: 32, period: 1000 }, data: 'section .data\nticks: dq 0' });
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: 0 });
    expect(sb.q('report')).toBe(3n);
  });
});

describe('IN/OUT protection (SDM Vol 1 19.5; Vol 2A IN, OUT)', () => {
  it('raises #GP(0) at CPL 3 with IOPL 0 when the I/O map base lies beyond the TSS limit', () => {
    const sb = sandbox('    mov word [tss + 102], 104\n    enter_user user_code', { user: '    mov al, 65\n    out 0xe9, al' });
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(sb.out).toBe('');
  });
  it('raises #GP(0) when the bit of the port is set in the TSS I/O bitmap', () => {
    const sb = sandbox(`
    mov word [tss + 102], 104
    mov byte [tss + 104 + 29], 2   ; port 0xE9 = byte 29, bit 1
    mov byte [gdt + 0x30], 0xff
    mov byte [gdt + 0x30 + 5], 0x89
    mov ax, 0x30
    ltr ax
    enter_user user_code`, { user: '    mov al, 65\n    out 0xe9, al' });
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(sb.out).toBe('');
  });
  it('allows ring 3 port I/O with IOPL 3', () => {
    const sb = sandbox('    enter_user user_code, 0x3002', { user: '    mov al, 65\n    out 0xe9, al\n    mov al, 9\n    out 0xf4, al' });
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: 9 });
    expect(sb.out).toBe('A');
  });
  it('consults the TSS I/O permission bitmap when CPL > IOPL', () => {
    // I/O map base = 104 (right after the TSS); a TSS limit of 0xff covers bitmap bytes 0..151.
    const sb = sandbox(`
    mov word [tss + 102], 104
    mov byte [gdt + 0x30], 0xff    ; TSS limit 0xff: bitmap bytes 0..150
    mov byte [gdt + 0x30 + 5], 0x89 ; available again so ltr accepts it
    mov ax, 0x30
    ltr ax
    enter_user user_code`, {
      user: '    mov al, 66\n    out 0xe9, al\n    mov al, 1\n    out 0xf4, al',
      data: '',
    });
    // Ports 0xE9 (byte 29) and 0xF4 (byte 30) have clear bits: both are allowed.
    expect(sb.out).toBe('B');
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: 1 });
  });
  it('rep outsb writes a string to the console', () => {
    const sb = sandbox(`
    lea rsi, [msg]
    mov ecx, 3
    mov dx, 0xe9
    rep outsb
    hlt`, { data: 'section .data\nmsg: db "xyz"' });
    expect(sb.out).toBe('xyz');
  });
});

describe('privileged misc (SDM Vol 2A INVLPG, CLTS; Vol 2B WBINVD)', () => {
  it('invlpg, clts and wbinvd raise #GP(0) at CPL 3 and run at CPL 0', () => {
    const ok = sandbox('    invlpg [rsp]\n    clts\n    wbinvd\n    hlt');
    expect(ok.result.kind).toBe('halted');
    for (const insn of ['invlpg [rsp]', 'clts', 'wbinvd']) {
      const sb = sandbox('    enter_user user_code', { user: `    ${insn}` });
      expect(sb.result, insn).toMatchObject({ kind: 'exit', exitCode: GP });
    }
  });
  it('SSE with CR4.OSFXSR=0 (the reset value) raises #UD at the instruction (SDM Vol 3A 13.1.3)', () => {
    const sb = sandbox('at_sse:\n    movdqu xmm0, [rsp - 16]');
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: UD });
    expect(sb.report?.rip).toBe(addr(sb, 'at_sse'));
  });
  it('CR0.TS makes SSE raise #NM (no error code) and clts clears it (SDM Vol 3A 6.15 Interrupt 7)', () => {
    // CR4.OSFXSR first: without it SSE is #UD, not #NM (SDM Vol 3A 13.1.3).
    const ts = 'mov rax, cr4\n    bts rax, 9\n    mov cr4, rax\n    mov rax, cr0\n    bts rax, 3\n    mov cr0, rax\n';
    const nm = sandbox(`    ${ts}at_sse:\n    movdqu xmm0, [rsp - 16]`);
    expect(nm.report).toMatchObject({ vector: 7n, err: -1n, rip: addr(nm, 'at_sse') });
    const ok = sandbox(`    ${ts}    clts\n    movdqu xmm0, [rsp - 16]\n    hlt`);
    expect(ok.result, JSON.stringify(ok.report, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v))).toMatchObject({ kind: 'halted' });
  });
  it('clac/stac raise #UD at CPL 3 (SDM Vol 2A CLAC)', () => {
    const sb = sandbox('    enter_user user_code', { user: '    stac' });
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: UD });
  });
});
