// Exception and interrupt delivery in IA-32e mode (SDM Vol 3A 6.12-6.15): frames, error codes,
// CR2, stack switches (TSS RSP0, IST), SS := NULL, 16-byte alignment, interrupt vs trap gates,
// double and triple faults, and the machine's stop without an IDT.
import { describe, expect, it } from 'vitest';
import { addr, sandbox } from './harness';

describe('the exception frame (SDM Vol 3A 6.14.2, Figure 6-9)', () => {
  it('a #GP at CPL 0 pushes SS, RSP, RFLAGS, CS, RIP of the faulting instruction and the error code, 16-byte aligned', () => {
    const sb = sandbox(`
    sub rsp, 8                     ; misalign RSP by 8
    mov [saved_rsp], rsp
    mov ecx, 0x1234
at_fault:
    rdmsr`, { data: 'section .bss\nsaved_rsp: resq 1' });
    const r = sb.report!;
    expect(r).toMatchObject({ vector: 13n, err: 0n, rip: addr(sb, 'at_fault'), cs: 8n, ss: 0x10n, rsp: sb.q('saved_rsp') });
    expect((r.frame + 40n) % 16n).toBe(0n);
    expect(r.frame + 40n).toBe(sb.q('saved_rsp') - 8n); // aligned down, same stack (no privilege change)
    expect(r.rflags & 0x10000n).toBe(0x10000n); // RF set in the image of a fault (SDM Vol 3A 18.3.1.1)
  });
  it('from CPL 3 switches to TSS.RSP0 and loads a NULL SS with RPL 0', () => {
    const sb = sandbox('    enter_user user_code', { user: 'u_fault:\n    cli' });
    const r = sb.report!;
    expect(r).toMatchObject({ vector: 13n, err: 0n, rip: addr(sb, 'u_fault'), cs: 0x2bn, ss: 0x23n, rsp: addr(sb, 'user_stack_top') });
    expect(r.frame + 40n).toBe(addr(sb, 'kstack_top'));
    expect(r.ssIn).toBe(0n);
  });
  it('uses the IST stack named in the gate (SDM Vol 3A 6.14.5)', () => {
    const sb = sandbox(`
    lea rax, [ist_top]
    mov [tss + 36], rax            ; IST1
    mov byte [idt + 6 * 16 + 4], 1 ; #UD gate uses IST1
    ud2`);
    expect(sb.report?.vector).toBe(6n);
    expect(sb.report!.frame + 40n).toBe(addr(sb, 'ist_top'));
  });
  it('an IST slot beyond the TSS limit raises #TS(TSS selector + EXT) (SDM Vol 3A 6.14.5, Interrupt 10)', () => {
    const sb = sandbox(`
    mov byte [gdt + 0x30], 0x20    ; TSS limit 0x20: RSP0 fits, IST1 (offset 36) does not
    mov byte [gdt + 0x30 + 5], 0x89
    mov ax, 0x30
    ltr ax
    mov byte [idt + 6 * 16 + 4], 1
at_ud:
    ud2`);
    expect(sb.report).toMatchObject({ vector: 10n, err: 0x31n, rip: addr(sb, 'at_ud') });
  });
  it('interrupt gates clear IF, trap gates keep it (SDM Vol 3A 6.12.1.3)', () => {
    const intr = sandbox('    sti\n    ud2');
    expect(intr.report!.rflags & 0x200n).toBe(0x200n);
    expect(intr.report!.rflagsIn & 0x200n).toBe(0n);
    const trap = sandbox('    mov byte [idt + 6 * 16 + 5], 0x8f\n    sti\n    ud2');
    expect(trap.report!.rflagsIn & 0x200n).toBe(0x200n);
  });
});

describe('error codes and CR2 (SDM Vol 3A 6.13, 4.7)', () => {
  it('#DE and #UD push no error code and report the faulting RIP', () => {
    const de = sandbox('    xor ecx, ecx\nat_div:\n    div ecx');
    expect(de.report).toMatchObject({ vector: 0n, err: -1n, rip: addr(de, 'at_div') });
    const ud = sandbox('at_ud:\n    ud2');
    expect(ud.report).toMatchObject({ vector: 6n, err: -1n, rip: addr(ud, 'at_ud') });
  });
  it('#PF error codes: supervisor write to an unmapped page (W), user read (U|P), user write (W|U|P); CR2 = address', () => {
    const w = sandbox('    mov qword [0x5000], 1');
    expect(w.report).toMatchObject({ vector: 14n, err: 2n, cr2: 0x5000n });
    const ur = sandbox('    enter_user user_code', { user: '    mov rax, [report]' });
    expect(ur.report).toMatchObject({ vector: 14n, err: 5n, cr2: addr(ur, 'report') });
    const uw = sandbox('    enter_user user_code', { user: '    mov [report], rax' });
    expect(uw.report).toMatchObject({ vector: 14n, err: 7n });
  });
  it('SMAP: a kernel read of a user page faults (P) unless stac set RFLAGS.AC (SDM Vol 3A 4.6)', () => {
    const smap = 'mov rax, cr4\n    bts rax, 21\n    mov cr4, rax\n';
    const f = sandbox(`    ${smap}    mov rax, [user_stack]`);
    expect(f.report).toMatchObject({ vector: 14n, err: 1n, cr2: addr(f, 'user_stack') });
    const ok = sandbox(`    ${smap}    stac\n    mov rax, [user_stack]\n    clac\n    hlt`);
    expect(ok.result.kind).toBe('halted');
  });
  it('an external interrupt pushes no error code even on a vector that has one', () => {
    const sb = sandbox(`
    mov esi, 32
    lea rdx, [exc_13]
    xor ecx, ecx
    call set_gate
    lea rsp, [kstack_top - 256]    ; room above the frame for the handler's extra pop
    sti
.spin:
    jmp .spin`, { timer: { vector: 32, period: 100 } });
    // exc_13 expects an error code: with none pushed it reads RIP as the error code.
    expect(sb.report?.vector).toBe(13n);
    expect(sb.report!.cs).not.toBe(8n); // the frame is shifted by one slot: no error code was pushed
  });
});

describe('double fault and triple fault (SDM Vol 3A 6.15 Table 6-5, Interrupt 8)', () => {
  it('a #GP for an unusable gate while delivering #GP (both contributory) becomes #DF with error code 0', () => {
    const sb = sandbox('    mov ecx, 0x1234\n    rdmsr', { absent: [13] });
    expect(sb.report).toMatchObject({ vector: 8n, err: 0n });
  });
  it('a not-present gate raises #NP(vector*8+2+EXT) (SDM Vol 3A 6.13)', () => {
    const sb = sandbox('    and byte [idt + 6 * 16 + 5], 0x7f\n    ud2');
    expect(sb.report).toMatchObject({ vector: 11n, err: BigInt(6 * 8 + 2 + 1) });
  });
  it('a #GP while delivering #PF is a #DF; a #PF while delivering #GP is delivered serially', () => {
    const df = sandbox('    mov qword [0x5000], 1', { absent: [] , setup: '    mov byte [idt + 14 * 16 + 5], 0x86 ; invalid type' });
    expect(df.report).toMatchObject({ vector: 8n, err: 0n });
    const serial = sandbox('    mov ecx, 0x1234\n    rdmsr', { setup: '    mov rax, 0x5000\n    mov [tss + 4], rax' });
    // #GP at CPL 0 uses the current stack, so it is delivered normally.
    expect(serial.report?.vector).toBe(13n);
  });
  it('a #PF on a broken stack becomes #DF, rescued by an IST stack for #DF', () => {
    const body = '    mov rsp, 0x6008\n    mov rax, [0x7000]';
    const triple = sandbox(body);
    expect(triple.result).toMatchObject({ kind: 'fault', exitCode: 3 });
    expect(triple.result.kind === 'fault' && triple.result.message).toMatch(/unhandled #PF\(0\) at sandbox\.asm:\d+: unmapped read from 0x7000; no usable handler: #PF\(0x2\) unmapped write to 0x5ff8 -> #DF -> #PF\(0x2\).* -> triple fault \(shutdown\)/);
    const ist = sandbox(body, { setup: '    lea rax, [ist_top]\n    mov [tss + 36], rax\n    mov byte [idt + 8 * 16 + 4], 1' });
    expect(ist.report).toMatchObject({ vector: 8n, err: 0n, rsp: 0x6008n });
  });
  it('a missing #DF gate during a double fault shuts the machine down (exit 3)', () => {
    const sb = sandbox('    mov ecx, 0x1234\n    rdmsr', { absent: [13, 8] });
    expect(sb.result).toMatchObject({ kind: 'fault', exitCode: 3 });
    expect(sb.result.kind === 'fault' && sb.result.message).toMatch(/unhandled #GP\(0\) at sandbox\.asm:\d+: rdmsr from unimplemented MSR 0x1234; no usable handler: #GP\(0x6b\) IDT entry 13 is not a 64-bit interrupt or trap gate \(type 0\) -> #DF -> #GP\(0x43\) IDT entry 8 .* -> triple fault \(shutdown\)/);
  });
});

describe('no IDT (design: machine model)', () => {
  it('stops with "unhandled #GP(0) at file:line: why" and exit code 3', () => {
    const sb = sandbox('    mov ecx, 0x1234\n    wrmsr', { noIdt: true });
    expect(sb.result).toMatchObject({ kind: 'fault', exitCode: 3 });
    expect(sb.result.kind === 'fault' && sb.result.message).toMatch(/unhandled #GP\(0\) at sandbox\.asm:\d+: wrmsr to unimplemented MSR 0x1234/);
  });
  it('names a #PF with its error code, CR2 and the line', () => {
    const sb = sandbox('    mov rax, [0x9000]', { noIdt: true });
    expect(sb.result.kind === 'fault' && sb.result.message).toMatch(/unhandled #PF\(0\) at sandbox\.asm:\d+: unmapped read from 0x9000/);
  });
});

describe('single-step trap (SDM Vol 3A 18.3.1.4)', () => {
  it('RFLAGS.TF raises #DB after the next instruction, with RIP after it and no error code', () => {
    const sb = sandbox(`
    pushfq
    or qword [rsp], 0x100
    popfq                          ; TF takes effect after popfq
    mov ebx, 1
after_mov:
    mov ebx, 2`);
    expect(sb.report).toMatchObject({ vector: 1n, err: -1n, rip: addr(sb, 'after_mov') });
    expect(sb.report!.rflags & 0x100n).toBe(0x100n);
    expect(sb.report!.rflagsIn & 0x100n).toBe(0n); // delivery clears TF
  });
});
