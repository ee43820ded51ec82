// RDMSR/WRMSR, SWAPGS and RD/WR{FS,GS}BASE as a kernel sees them (exit 100 + vector = the
// reporting handler caught that exception; see harness.ts).
import { describe, expect, it } from 'vitest';
import { addr, sandbox } from './harness';

const GP = 113;
const UD = 106;

describe('SWAPGS (SDM Vol 2B SWAPGS)', () => {
  it('exchanges gs.base and IA32_KERNEL_GS_BASE', () => {
    const sb = sandbox(`
    mov ecx, 0xC0000101
    mov eax, 0x1111
    xor edx, edx
    wrmsr
    mov ecx, 0xC0000102
    mov eax, 0x2222
    wrmsr
    swapgs
    mov ecx, 0xC0000101
    rdmsr
    mov [report], rax
    mov ecx, 0xC0000102
    rdmsr
    mov [report + 8], rax
    hlt
`);
    expect(sb.result.kind).toBe('halted');
    expect(sb.q('report')).toBe(0x2222n);
    expect(sb.q('report', 8)).toBe(0x1111n);
    expect(sb.events.filter((e) => e.kind === 'swapgs')).toHaveLength(1);
  });
  it('raises #GP(0) at CPL 3', () => {
    const sb = sandbox('    enter_user user_code', { user: 'user_swapgs:\n    swapgs' });
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: GP });
    expect(sb.report).toMatchObject({ err: 0n, rip: addr(sb, 'user_swapgs'), cs: 0x2bn });
  });
});

describe('RDMSR/WRMSR (SDM Vol 2B RDMSR, WRMSR; Vol 4 Table 2-2)', () => {
  it('reads the reset values of the machine model', () => {
    const sb = sandbox(`
    mov ecx, 0xC0000080
    rdmsr
    mov [report], eax
    mov ecx, 0xC0000103
    rdmsr
    mov [report + 8], eax
    hlt
`, { noIdt: true, cpus: 1 });
    expect(sb.q('report')).toBe(0x501n); // EFER = LME|LMA|SCE
    expect(sb.q('report', 8)).toBe(0n); // TSC_AUX = core index
  });
  it('raises #GP(0) for an unimplemented MSR, a reserved bit and a non-canonical base', () => {
    for (const [msr, eax, edx] of [
      ['0x1234', '0', '0'],
      ['0xC0000084', '0', '1'], // FMASK bits 63:32 reserved
      ['0xC0000080', '0x1501', '0'], // EFER bit 12 reserved
      ['0xC0000101', '0', '0x8000'], // GS_BASE non-canonical
      ['0xC0000102', '0', '0xffff7fff'], // KERNEL_GS_BASE non-canonical
      ['0xC0000082', '0', '0x00010000'], // LSTAR non-canonical
    ]) {
      const sb = sandbox(`
    mov ecx, ${msr}
    mov eax, ${eax}
    mov edx, ${edx}
at_wrmsr:
    wrmsr
`);
      expect(sb.result, msr).toMatchObject({ kind: 'exit', exitCode: GP });
      expect(sb.report?.rip).toBe(addr(sb, 'at_wrmsr'));
    }
  });
  it('accepts a canonical upper-half GS_BASE', () => {
    const sb = sandbox(`
    mov ecx, 0xC0000101
    mov eax, 0x12345000
    mov edx, 0xffff8000
    wrmsr
    rdmsr
    mov [report], eax
    mov [report + 4], edx
    hlt
`);
    expect(sb.q('report')).toBe(0xffff8000_12345000n);
  });
  it('raises #GP(0) for rdmsr and wrmsr at CPL 3', () => {
    for (const insn of ['rdmsr', 'wrmsr']) {
      const sb = sandbox('    enter_user user_code', { user: `    mov ecx, 0xC0000101\n    ${insn}` });
      expect(sb.result, insn).toMatchObject({ kind: 'exit', exitCode: GP });
      expect(sb.report?.cs).toBe(0x2bn);
    }
  });
  it('makes a GS_BASE write visible to gs: accesses', () => {
    const sb = sandbox(`
    lea rax, [target]
    mov rdx, rax
    shr rdx, 32
    mov ecx, 0xC0000101
    wrmsr
    mov rax, [gs:8]
    mov [report], rax
    hlt
`, { data: 'section .data\ntarget: dq 1, 0x77' });
    expect(sb.q('report')).toBe(0x77n);
  });
});

describe('RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE (SDM Vol 2B)', () => {
  it('raise #UD while CR4.FSGSBASE = 0 (the reset value)', () => {
    for (const insn of ['rdgsbase rax', 'wrgsbase rax', 'rdfsbase rax', 'wrfsbase rax']) {
      const sb = sandbox(`    ${insn}`);
      expect(sb.result, insn).toMatchObject({ kind: 'exit', exitCode: UD });
    }
  });
  it('work at CPL 3 once CR4.FSGSBASE = 1, and user code can change gs.base', () => {
    const sb = sandbox(`
    mov rax, cr4
    bts rax, 16
    mov cr4, rax
    enter_user user_code`, {
      user: `    mov rax, 0x7000
    wrgsbase rax
    rdgsbase rbx
    mov rcx, 0x00008000_00000000
    wrgsbase rcx`,
    });
    // The non-canonical wrgsbase faults with #GP(0); the first one changed gs.base.
    expect(sb.result).toMatchObject({ kind: 'exit', exitCode: GP });
    const gs = sb.events.filter((e) => e.kind === 'gs-base');
    expect(gs.at(-1)).toMatchObject({ cause: 'wrgsbase', value: 0x7000n, cpl: 3 });
  });
});

describe('IA32_TSC_AUX and IA32_TIME_STAMP_COUNTER (SDM Vol 2B RDTSCP, RDPID; Vol 3B 18.17)', () => {
  it('rdtscp and rdpid return the core index on every core', () => {
    const sb = sandbox(`
    rdtscp
    mov rdi, rcx
    rdpid rsi
    lea rax, [scratch]
    mov [rax + rdi * 8], rsi
    cli
    hlt`, { cpus: 3, noIdt: true, data: 'section .bss\nscratch: resq 3' });
    expect(sb.result.kind).toBe('halted');
    expect([sb.q('scratch'), sb.q('scratch', 8), sb.q('scratch', 16)]).toEqual([0n, 1n, 2n]);
  });
  it('a wrmsr to the TSC moves what rdtsc returns', () => {
    const sb = sandbox(`
    mov ecx, 0x10
    xor eax, eax
    mov edx, 1                     ; TSC := 1 << 32
    wrmsr
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov [scratch], rax
    hlt`, { noIdt: true, data: 'section .bss\nscratch: resq 1' });
    const t = sb.q('scratch');
    expect(t >= 1n << 32n && t < (1n << 32n) + 10n).toBe(true);
  });
});
