// Segment register loads and descriptor tables (SDM Vol 3A 3.4, 5.5-5.8; Vol 2 MOV, POP, PUSH,
// LGDT/LIDT, SGDT/SIDT, LTR, STR).
import { describe, expect, it } from 'vitest';
import { addr, sandbox } from './harness';

const GP = 113;
const NP = 111;
const SS_ = 112;

describe('MOV/POP to segment registers (SDM Vol 2B MOV, POP)', () => {
  it('loading GS from the GDT replaces gs.base with the descriptor base (SDM Vol 3A 3.4.4)', () => {
    const sb = sandbox(`
    mov ecx, 0xC0000101
    mov eax, 0x5000
    xor edx, edx
    wrmsr
    mov ax, 0x10
    mov gs, ax
    mov ecx, 0xC0000101
    rdmsr
    mov [report], rax
    hlt`);
    expect(sb.q('report')).toBe(0n);
    expect(sb.events.at(-1)).toMatchObject({ kind: 'gs-base', cause: 'segment-load', old: 0x5000n, value: 0n });
  });
  it('loads the 32-bit base of a data descriptor into fs.base', () => {
    // GDT entry 0x30 rewritten as a DPL0 data segment with base 0x00123456.
    const sb = sandbox(`
    mov dword [gdt + 0x30], 0x3456ffff
    mov dword [gdt + 0x34], 0x00cf9312
    mov ax, 0x30
    mov fs, ax
    mov ecx, 0xC0000100
    rdmsr
    mov [report], rax
    hlt`);
    expect(sb.q('report')).toBe(0x123456n);
  });
  it('raises #GP(selector) beyond the GDT limit and for a DPL 0 segment loaded at CPL 3', () => {
    const beyond = sandbox('    mov ax, 0x1000\n    mov ds, ax');
    expect(beyond.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(beyond.report?.err).toBe(0x1000n);
    const priv = sandbox('    enter_user user_code', { user: '    mov ax, 0x10\n    mov ds, ax' });
    expect(priv.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(priv.report?.err).toBe(0x10n);
  });
  it('raises #NP(selector) for a not-present data segment and #SS(selector) for SS', () => {
    const np = sandbox('    and byte [gdt + 0x20 + 5], 0x7f\n    mov ax, 0x20\n    mov es, ax', {});
    // 0x20 is DPL 3: RPL 0 at CPL 0 passes the privilege check, then presence fails.
    expect(np.result).toMatchObject({ kind: 'exit', exitCode: NP });
    expect(np.report?.err).toBe(0x20n);
    const ss = sandbox('    and byte [gdt + 0x10 + 5], 0x7f\n    mov ax, 0x10\n    mov ss, ax');
    expect(ss.result).toMatchObject({ kind: 'exit', exitCode: SS_ });
    expect(ss.report?.err).toBe(0x10n);
  });
  it('SS needs RPL = DPL = CPL and a writable data segment', () => {
    for (const sel of ['0x23', '0x08', '0x13']) {
      const sb = sandbox(`    mov ax, ${sel}\n    mov ss, ax`);
      expect(sb.result, sel).toMatchObject({ kind: 'exit', exitCode: GP });
      expect(sb.report?.err, sel).toBe(BigInt(sel) & ~3n);
    }
  });
  it('a null SS is allowed at CPL 0 in 64-bit mode and #GP(0) at CPL 3', () => {
    const k = sandbox('    xor eax, eax\n    mov ss, ax\n    push rax\n    pop rax\n    hlt');
    expect(k.result.kind).toBe('halted');
    const u = sandbox('    enter_user user_code', { user: '    mov ax, 3\n    mov ss, ax' });
    expect(u.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(u.report?.err).toBe(0n);
  });
  it('push fs / pop gs move selectors through the stack', () => {
    const sb = sandbox(`
    mov ax, 0x10
    mov fs, ax
    push fs
    pop gs
    mov ax, gs
    mov [report], ax
    hlt`);
    expect(sb.q('report') & 0xffffn).toBe(0x10n);
  });
  it('mov to CS is #UD (SDM Vol 2B MOV)', () => {
    const sb = sandbox('    db 0x8e, 0xc8 ; mov cs, ax');
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: 106 });
  });
});

describe('LGDT/LIDT/SGDT/SIDT (SDM Vol 2A LGDT/LIDT, SGDT, SIDT)', () => {
  it('sgdt/sidt store what lgdt/lidt loaded (10 bytes in 64-bit mode)', () => {
    const sb = sandbox(`
    sgdt [report]
    sidt [report + 16]
    hlt`);
    const g = sb.q('report');
    expect(g & 0xffffn).toBe(8n * 8n - 1n);
    expect((g >> 16n) | ((sb.q('report', 8) & 0xffffn) << 48n)).toBe(BigInt(sb.sym('gdt')));
    expect(sb.q('report', 16) & 0xffffn).toBe(0xfffn);
  });
  it('lgdt/lidt raise #GP(0) at CPL 3; sgdt works there unless CR4.UMIP = 1', () => {
    const l = sandbox('    enter_user user_code', { user: '    lgdt [rsp]' });
    expect(l.result).toMatchObject({ kind: 'exit', exitCode: GP });
    const s = sandbox('    enter_user user_code', { user: '    sub rsp, 16\n    sgdt [rsp]\n    mov al, 5\n    int3' });
    expect(s.report?.err).toBe(26n); // reached int3 (DPL 0 gate): sgdt did not fault
    const umip = sandbox('    mov rax, cr4\n    bts rax, 11\n    mov cr4, rax\n    enter_user user_code', { user: '    sub rsp, 16\n    sgdt [rsp]' });
    expect(umip.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(umip.report?.err).toBe(0n);
  });
});

describe('LTR/STR with a 64-bit TSS (SDM Vol 2A LTR, Vol 3A 8.2.4)', () => {
  it('ltr marks the TSS busy; loading a busy TSS is #GP(selector)', () => {
    const sb = sandbox(`
    mov al, [gdt + 0x30 + 5]
    mov [scratch], al
    str word [scratch + 8]
    mov ax, 0x30
at_ltr:
    ltr ax`, { data: 'section .bss\nscratch: resq 2' });
    expect(sb.q('scratch') & 0xffn).toBe(0x8bn); // present, DPL 0, type 11 (busy)
    expect(sb.q('scratch', 8) & 0xffffn).toBe(0x30n);
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(sb.report).toMatchObject({ err: 0x30n, rip: addr(sb, 'at_ltr') });
  });
  it('ltr of a non-TSS descriptor is #GP(selector); a null selector is #GP(0)', () => {
    const d = sandbox('    mov ax, 0x10\n    ltr ax');
    expect(d.report?.err).toBe(0x10n);
    const n = sandbox('    xor eax, eax\n    ltr ax');
    expect(n.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(n.report?.err).toBe(0n);
  });
});

describe('LLDT and LDT selectors (SDM Vol 2A LLDT; Vol 3A 3.5.1)', () => {
  it('loads a data segment through an LDT selector (TI=1) after lldt', () => {
    // GDT 0x30 becomes an LDT descriptor (type 2, 16 bytes) for `ldt`, whose entry 1 is a data
    // segment with base 0x4400.
    const sb = sandbox(`
    lea rax, [ldt]
    mov edx, eax
    shl edx, 16
    or edx, 0x0f                   ; limit 15 (two entries), base 15:0
    mov [gdt + 0x30], edx
    mov rdx, rax
    shr rdx, 16
    and edx, 0xff
    mov ecx, eax
    and ecx, 0xff000000
    or edx, ecx
    or edx, 0x8200                 ; present, type 2 (LDT)
    mov [gdt + 0x34], edx
    shr rax, 32
    mov [gdt + 0x38], eax
    mov dword [gdt + 0x3c], 0
    mov ax, 0x30
    lldt ax
    mov ax, 0x0c                   ; index 1, TI=1, RPL 0
    mov fs, ax
    mov ecx, 0xC0000100
    rdmsr
    mov [scratch], eax
    sldt word [scratch + 8]
    hlt`, { data: 'section .data\nalign 8\nldt: dq 0, 0x00cf93004400ffff\nsection .bss\nscratch: resq 2' });
    expect(sb.result.kind).toBe('halted');
    expect(sb.q('scratch') & 0xffffffffn).toBe(0x4400n);
    expect(sb.q('scratch', 8) & 0xffffn).toBe(0x30n);
  });
  it('a TI=1 selector without an LDT is #GP(selector)', () => {
    const sb = sandbox('    mov ax, 0x0c\n    mov ds, ax');
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: 113 });
    expect(sb.report?.err).toBe(0x0cn);
  });
});
