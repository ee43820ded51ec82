// The analysis API as the language server and the CLI use it: entries and how they were found,
// the GS state at an address, related locations, suppression comments, severity settings,
// extra entries, front-end diagnostics passed through, CPL-test forms and call handling.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { analyze, RULES } from '../../server/analysis/index';
import { assembleForLint, FIXTURES, findings, lint, lintFixture, linesWith } from './helpers';

const INIT = `bits 64
default rel
section .text align=4096
_start:
    mov ecx, 0xC0000102
    lea rax, [percpu]
    xor edx, edx
    wrmsr
    mov ecx, 0xC0000084
    mov eax, 0x200
    xor edx, edx
    wrmsr
    mov ecx, 0xC0000082
    lea rax, [sys_entry]
    xor edx, edx
    wrmsr
    hlt
`;
const DATA = `
section .data align=4096
percpu: times 8 dq 0
`;

/** A syscall entry with a caller-supplied body between the stack switch and the exit. */
function syscallProgram(body: string, extra = ''): string {
  return `${INIT}
sys_entry:
    swapgs
    mov [gs:8], rsp
    mov rsp, [gs:16]
${body}
    mov rsp, [gs:8]
    swapgs
    mov rax, rcx
    shr rax, 47
    jnz .bad
    o64 sysret
.bad:
    ud2
${extra}${DATA}`;
}

describe('entries', () => {
  test('a syscall entry found through wrmsr IA32_LSTAR says so, with the wrmsr line', () => {
    const r = lintFixture('ok-linux-syscall.asm');
    const e = r.entries.find((x) => x.label === 'entry_SYSCALL_64')!;
    expect(e.kind).toBe('syscall');
    expect(e.reasons.map((x) => x.kind)).toContain('lstar');
    expect(e.description).toMatch(/IA32_LSTAR by the wrmsr at line \d+/);
    expect(r.entries.map((x) => x.label)).toEqual(['entry_SYSCALL_64']);
  });

  test('interrupt stubs listed in a table of addresses are interrupt entries; the common handler is not', () => {
    const r = lintFixture('ok-interrupts.asm');
    expect(r.entries.map((e) => `${e.label}:${e.kind}`)).toEqual(['isr0:interrupt', 'isr3:interrupt', 'isr13:interrupt', 'isr14:interrupt', 'isr32:interrupt']);
    expect(r.entries[0]!.reasons[0]!.kind).toBe('address-table');
  });

  test('an address taken by lea counts only when iretq is reachable from it', () => {
    const src = `${INIT}
sys_entry:
    o64 sysret
callback:
    ret
handler:
    iretq
setup:
    lea rax, [callback]
    lea rbx, [handler]
    ret
${DATA}`;
    const r = lint(src);
    expect(r.entries.map((e) => `${e.label}:${e.kind}:${e.reasons[0]!.kind}`)).toEqual(['sys_entry:syscall:lstar', 'handler:interrupt:address-taken']);
  });

  test('annotations declare entries, not-entry removes a guess, settings add one back', () => {
    const src = `bits 64
section .text align=4096
; swapgs-lab: syscall-entry
my_sys:
    o64 sysret
global isr_timer
isr_timer: ; swapgs-lab: not-entry
    iretq
global page_fault_handler
page_fault_handler:
    iretq
plain:
    iretq
`;
    const r = lint(src);
    expect(r.entries.map((e) => `${e.label}:${e.kind}:${e.reasons.map((x) => x.kind).join('+')}`)).toEqual([
      'my_sys:syscall:annotation',
      'page_fault_handler:interrupt:name',
    ]);
    expect(r.notEntries.map((n) => n.label)).toEqual(['isr_timer']);
    const withSettings = lint(src, { extraEntries: [{ name: 'isr_timer', kind: 'interrupt' }, { name: 'plain', kind: 'interrupt' }] });
    expect(withSettings.entries.map((e) => e.label)).toEqual(['my_sys', 'isr_timer', 'page_fault_handler', 'plain']);
    expect(withSettings.entries.find((e) => e.label === 'plain')!.description).toMatch(/settings/);
  });

  test('a global named like a syscall entry must also reach sysret', () => {
    const src = `bits 64
section .text align=4096
global syscall_helper
syscall_helper:
    ret
global entry_syscall
entry_syscall:
    swapgs
    swapgs
    o64 sysret
`;
    expect(lint(src).entries.map((e) => e.label)).toEqual(['entry_syscall']);
  });

  test('a global syscall-named label that the entry falls into is part of that entry, not a second one', () => {
    // Linux-style interior label (entry_SYSCALL_64_after_hwframe / syscall_return_via_sysret):
    // it is reached with the kernel base from the entry, so its sysret is correct.
    const src = `bits 64
extern syscall_enter
global _syscall_enter
global _syscall_ret
section .text
_syscall_enter:
    swapgs
    mov [gs:8], rsp
    mov rsp, [gs:0]
    sti
    push rax
    call syscall_enter
    pop rax
_syscall_ret:
    cli
    mov rsp, [gs:8]
    swapgs
    mov rax, rcx
    shr rax, 47
    jnz .bad
    o64 sysret
.bad:
    ud2
`;
    const r = lint(src);
    expect(r.entries.map((e) => e.label)).toEqual(['_syscall_enter']);
    expect(findings(r)).toEqual([]);
    // Reached by a jump from the entry instead of by fall-through: the same.
    const jumped = src.replace('    pop rax\n_syscall_ret:', '    pop rax\n    jmp _syscall_ret\n    ud2\n_syscall_ret:');
    expect(lint(jumped).entries.map((e) => e.label)).toEqual(['_syscall_enter']);
    expect(findings(lint(jumped))).toEqual([]);
    // The interior label still gets the real path's state: a missing swapgs there is reported
    // against the entry.
    const broken = lint(src.replace('    mov rsp, [gs:8]\n    swapgs\n', '    mov rsp, [gs:8]\n'));
    expect(findings(broken, 'gs-kernel-base-on-exit')).toEqual([`gs-kernel-base-on-exit@${linesWith(src, 'o64 sysret')[0]! - 1}`]);
    expect(broken.diagnostics.find((d) => d.code === 'gs-kernel-base-on-exit')!.message).toContain('`_syscall_enter`');
  });

  test('interrupt stubs that jmp to a common handler named like an ISR: the stubs are the entries', () => {
    const src = `bits 64
extern interrupt_dispatch
global isr0
global isr1
global isr_common
section .text
isr0:
    push 0
    push 0
    jmp isr_common
isr1:
    push 0
    push 1
    jmp isr_common
isr_common:
    test byte [rsp+24], 3
    jz .kernel
    swapgs
.kernel:
    lfence
    push rdi
    mov rdi, [gs:16]
    call interrupt_dispatch
    pop rdi
    test byte [rsp+24], 3
    jz .kret
    swapgs
.kret:
    add rsp, 16
    iretq
`;
    const r = lint(src);
    expect(r.entries.map((e) => `${e.label}:${e.kind}`)).toEqual(['isr0:interrupt', 'isr1:interrupt']);
    expect(findings(r)).toEqual([]);
    // The handler on its own (no stub reaches it) is still guessed from its name.
    const alone = lint(src.replace(/isr0:[^]*?(?=isr_common:)/, ''));
    expect(alone.entries.map((e) => e.label)).toEqual(['isr_common']);
  });

  test('two name guesses that reach each other, with no entry upstream, both stay entries', () => {
    const src = `bits 64
section .text
global syscall_a
global syscall_b
syscall_a:
    swapgs
    swapgs
    jmp syscall_b
syscall_b:
    swapgs
    swapgs
    test rax, rax
    jz syscall_a
    o64 sysret
`;
    expect(lint(src).entries.map((e) => e.label)).toEqual(['syscall_a', 'syscall_b']);
  });
});

describe('state at an address', () => {
  const src = syscallProgram('    push rcx\n    pop rcx');
  const prog = assembleForLint(src);
  const r = analyze(prog);
  const at = (line: number) => prog.instructions.find((i) => i.site.line === line - 1)!.address;
  const swapLine = linesWith(src, '    swapgs')[0]!;

  test('before the entry swapgs the user base is active; after it the kernel base, naming the swapgs', () => {
    const before = r.stateAt(at(swapLine))!;
    expect(before.gsBases).toEqual(['user']);
    expect(before.stack).toEqual(['user']);
    const after = r.stateAt(at(swapLine), 'after')!;
    expect(after.gsBases).toEqual(['kernel']);
    expect(after.swapSites.map((s) => s.line + 1)).toEqual([swapLine]);
    expect(after.text).toContain(`kernel (swapgs line ${swapLine})`);
  });

  test('after the stack switch the stack is the kernel one and the user RSP location is known', () => {
    const s = r.stateAt(at(linesWith(src, 'push rcx')[0]!))!;
    expect(s.stack).toEqual(['kernel']);
    expect(s.userRspSavedAt).toEqual(['gs:0x8']);
    expect(s.entries).toEqual(['sys_entry']);
    expect(s.origins).toEqual(['user']);
  });

  test('code no entry reaches has no state', () => {
    expect(r.stateAt(at(linesWith(src, 'mov ecx, 0xC0000102')[0]!))).toBeUndefined();
  });
});

describe('findings', () => {
  test('a finding names the swapgs it depends on and the swapgs the path skipped', () => {
    const r = lintFixture('bad-syscall-exit.asm');
    const d = r.diagnostics.find((x) => x.code === 'gs-kernel-base-on-exit')!;
    expect(d.severity).toBe('error');
    const rel = (d.related ?? []).map((x) => `${x.range.line + 1}:${x.message}`);
    expect(rel).toContain('37:kernel GS base since this swapgs');
    expect(rel).toContain('48:this path skips the swapgs at line 48');
    expect(rel.some((x) => x.startsWith('36:syscall entry `entry`'))).toBe(true);
  });

  test('a finding inside a macro is reported at the call site with the expansion stack', () => {
    const r = lintFixture('bad-msr-setup2.asm');
    const d = r.diagnostics.filter((x) => x.code === 'sysret-32bit');
    expect(d.map((x) => x.range.line + 1)).toEqual([43, 45]);
    expect(d[0]!.stack?.[0]?.name.toLowerCase()).toBe('return_to_user');
  });

  test('suppression comments silence the named rule on that line or the next, not others', () => {
    const base = syscallProgram('', '');
    const bad = base.replace('    mov rsp, [gs:8]\n    swapgs\n', '    mov rsp, [gs:8]\n');
    expect(findings(lint(bad))).toEqual([`gs-kernel-base-on-exit@${linesWith(bad, 'o64 sysret')[0]}`]);
    const sameLine = bad.replace('    o64 sysret', '    o64 sysret ; swapgs-lab-disable-line gs-kernel-base-on-exit');
    expect(findings(lint(sameLine))).toEqual([]);
    const nextLine = bad.replace('    o64 sysret', '    ; swapgs-lab-disable-next-line gs-kernel-base-on-exit\n    o64 sysret');
    expect(findings(lint(nextLine))).toEqual([]);
    const otherRule = bad.replace('    o64 sysret', '    o64 sysret ; swapgs-lab-disable-line sysret-32bit');
    expect(findings(lint(otherRule))).toHaveLength(1);
  });

  test('severity settings change a rule or switch it off', () => {
    const r1 = lintFixture('bad-msr-setup.asm', { severities: { 'sysret-32bit': 'error', 'sfmask-allows-interrupts': 'off' } });
    expect(r1.diagnostics.find((d) => d.code === 'sysret-32bit')!.severity).toBe('error');
    expect(r1.diagnostics.some((d) => d.code === 'sfmask-allows-interrupts')).toBe(false);
    expect(r1.diagnostics.find((d) => d.code === 'sysret-rcx-unchecked')!.severity).toBe('information');
  });

  test('front-end diagnostics pass through unchanged, and the rest of the file is still analysed', () => {
    const src = syscallProgram('    push rcx\n    pop rcx').replace('sys_entry:\n    swapgs\n', 'sys_entry:\n    mov [gs:0], rax\n    swapgs\n    movv rax, 1\n');
    const prog = assembleForLint(src);
    expect(prog.diagnostics.length).toBeGreaterThan(0);
    const r = analyze(prog);
    expect(r.diagnostics.slice(0, prog.diagnostics.length)).toEqual(prog.diagnostics);
    expect(findings(r, 'gs-user-base-in-kernel')).toEqual([`gs-user-base-in-kernel@${linesWith(src, 'mov [gs:0], rax')[0]}`]);
  });

  test('the rule list carries ids, default severities and doc paths', () => {
    expect(RULES.find((r) => r.id === 'swapgs-speculation')).toMatchObject({ defaultSeverity: 'warning', doc: 'docs/rules/swapgs-speculation.md' });
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });
});

describe('CPL tests and the stack frame', () => {
  const isr = (entryCode: string) => `bits 64
section .text align=4096
_start:
    mov ecx, 0xC0000101
    xor eax, eax
    xor edx, edx
    wrmsr
    hlt
; swapgs-lab: interrupt-entry
isr:
${entryCode}
    lfence
    inc qword [gs:0]
    iretq
`;
  const swapIfUser = (test: string, jcc: string) => `${test}
    ${jcc} .k
    swapgs
.k:`;

  test.each([
    ['test byte [rsp+8], 3 / jz', swapIfUser('    test byte [rsp+8], 3', 'jz')],
    ['cmp with the kernel selector / je', swapIfUser('    cmp word [rsp+8], 0x08', 'je')],
    ['mov + and of the saved CS / jz', swapIfUser('    mov rax, [rsp+8]\n    and eax, 3', 'jz')],
    ['[rsp+16] after a push', swapIfUser('    push rax\n    test byte [rsp+16], 3', 'jz') + '\n    pop rax'],
    ['cmp with the user selector / jne', swapIfUser('    cmp qword [rsp+8], 0x33', 'jne')],
  ])('%s decides the origin: no swapgs-without-cpl-check', (_name, code) => {
    const src = isr(code);
    const r = lint(src);
    expect(findings(r).filter((f) => !f.startsWith('gs-kernel-base-on-exit'))).toEqual([]);
    // Only the user-mode path leaves with the kernel base (the exit forgot its swapgs).
    expect(findings(r, 'gs-kernel-base-on-exit')).toEqual([`gs-kernel-base-on-exit@${linesWith(src, 'iretq')[0]}`]);
  });

  test.each([
    ['the saved RFLAGS slot', '    test byte [rsp+24], 3'],
    ['a pushed register after the push moved the frame', '    push rax\n    test byte [rsp+8], 3'],
  ])('a test of %s is not a CPL test', (_name, t) => {
    const src = isr(swapIfUser(t, 'jz'));
    expect(findings(lint(src), 'swapgs-without-cpl-check')).toEqual([`swapgs-without-cpl-check@${linesWith(src, '    swapgs')[0]}`]);
  });
});

describe('calls', () => {
  test('a callee reached with both GS bases is analysed in each context; its gs: access is a conflict', () => {
    const src = `${INIT}
sys_entry:
    call get_cpu                ; before swapgs: user base and user stack
    swapgs
    mov [gs:8], rsp
    mov rsp, [gs:16]
    call get_cpu
    mov rsp, [gs:8]
    swapgs
    mov rax, rcx
    shr rax, 47
    jnz .bad
    o64 sysret
.bad:
    ud2
get_cpu:
    mov rax, [gs:0]
    ret
${DATA}`;
    const r = lint(src);
    expect(findings(r)).toEqual([
      `stack-before-kernel-rsp@${linesWith(src, 'call get_cpu')[0]}`,
      `gs-state-conflict@${linesWith(src, 'mov rax, [gs:0]')[0]}`,
      `stack-before-kernel-rsp@${linesWith(src, '    ret')[0]}`,
    ]);
  });

  test('extern callees are GS-neutral and not errors for the linter', () => {
    const src = syscallProgram('    push rcx\n    call do_syscall_64\n    pop rcx').replace('bits 64\n', 'bits 64\nextern do_syscall_64\n');
    expect(findings(lint(src))).toEqual([]);
  });

  test('an indirect call through a table of labels is resolved: the handlers are walked', () => {
    const src = syscallProgram(
      '    push rcx\n    and eax, 1\n    call [sys_table + rax*8]\n    pop rcx',
      `sys_read:
    mov rax, [gs:0]
    ret
sys_write:
    swapgs
    mov rax, [gs:0]
    swapgs
    ret
section .rodata align=8
sys_table: dq sys_read, sys_write
`,
    );
    const r = lint(src);
    expect(findings(r)).toEqual([`gs-user-base-in-kernel@${linesWith(src, 'mov rax, [gs:0]')[1]}`]);
  });

  test('a chain of 1,000 nested calls is walked without exhausting the JS stack', () => {
    const helpers: string[] = [];
    for (let k = 0; k < 1000; k++) helpers.push(`helper_${k}:\n    ${k === 999 ? 'swapgs\n    mov rax, [gs:0]\n    swapgs' : `call helper_${k + 1}`}\n    ret`);
    const src = syscallProgram('    push rcx\n    call helper_0\n    pop rcx', helpers.join('\n') + '\n');
    const r = lint(src);
    expect(findings(r)).toEqual([`gs-user-base-in-kernel@${linesWith(src, 'mov rax, [gs:0]')[0]}`]);
  });
});

describe('the boot entry', () => {
  test('_start in a table of addresses that enters user mode with swapgs + iretq is not an interrupt entry', () => {
    const src = `bits 64
default rel
section .text align=4096
_start:
    mov ecx, 0xC0000101
    lea rax, [percpu]
    xor edx, edx
    wrmsr
    push 0x2b
    push 0x8000
    push 0x202
    push 0x33
    push 0x9000
    swapgs
    iretq
section .data align=8
boot_info: dq _start
percpu: dq 0
`;
    const r = lint(src);
    expect(r.entries).toEqual([]);
    expect(findings(r)).toEqual([]);
  });
});

describe('frame layout', () => {
  test('once [rsp+8] was tested as CS, [rsp+16] is the saved RFLAGS, not a second CPL test', () => {
    const src = `bits 64
section .text align=4096
_start:
    mov ecx, 0xC0000101
    xor eax, eax
    xor edx, edx
    wrmsr
    hlt
; swapgs-lab: interrupt-entry
isr:
    test byte [rsp+8], 3
    jz .k
    swapgs
.k:
    lfence
    inc qword [gs:0]
    test byte [rsp+16], 3
    jz .out
    swapgs
.out:
    iretq
`;
    const r = lint(src);
    expect(findings(r, 'swapgs-without-cpl-check')).toEqual([`swapgs-without-cpl-check@${linesWith(src, '    swapgs')[1]}`]);
  });
});

describe('stack switch forms', () => {
  test('xchg rsp, [gs:x] saves the user RSP and loads the kernel one; the second xchg restores it', () => {
    const src = `${INIT}
sys_entry:
    swapgs
    xchg rsp, [gs:16]
    push rcx
    pop rcx
    xchg rsp, [gs:16]
    swapgs
    mov rax, rcx
    shr rax, 47
    jnz .bad
    o64 sysret
.bad:
    ud2
${DATA}`;
    expect(findings(lint(src))).toEqual([]);
    const broken = src.replace('    pop rcx\n    xchg rsp, [gs:16]\n', '    pop rcx\n');
    expect(findings(lint(broken))).toEqual([`user-rsp-not-restored@${linesWith(broken, 'o64 sysret')[0]}`]);
  });
});

describe('bounded walk', () => {
  test('1,000 optional swapgs in a row: the walk coarsens instead of exploding, and still reports', () => {
    const src = `bits 64
section .text align=4096
_start:
    mov ecx, 0xC0000101
    xor eax, eax
    xor edx, edx
    wrmsr
    hlt
; swapgs-lab: interrupt-entry
isr:
%assign i 0
%rep 1000
    test rax, rax
    jz .s%+i
    swapgs
.s%+i:
    mov [gs:8], rax
%assign i i+1
%endrep
    iretq
`;
    const r = lint(src);
    const codes = new Set(r.diagnostics.map((d) => d.code));
    expect(codes.has('analysis-limit')).toBe(false);
    expect(codes.has('swapgs-without-cpl-check')).toBe(true);
    expect(codes.has('gs-kernel-base-on-exit')).toBe(true);
  });
});

describe('extern placeholders', () => {
  test('with org 0, a call to an extern (placeholder 0) does not walk into the code at address 0', () => {
    const src = `bits 64
org 0
extern do_syscall
section .text
_start:
    swapgs
    mov rbx, [gs:0]
    ret
; swapgs-lab: syscall-entry
entry:
    swapgs
    mov [gs:8], rsp
    mov rsp, [gs:16]
    call do_syscall
    mov rsp, [gs:8]
    swapgs
    mov rax, rcx
    shr rax, 47
    jnz .bad
    o64 sysret
.bad:
    ud2
`;
    expect(findings(lint(src))).toEqual([]);
  });
});

describe('one mistake, one report', () => {
  test('a CPL test whose branches rejoin before swapgs: swapgs-without-cpl-check, and no conflict on top', () => {
    const src = `bits 64
section .text align=4096
_start:
    mov ecx, 0xC0000101
    xor eax, eax
    xor edx, edx
    wrmsr
    hlt
; swapgs-lab: interrupt-entry
isr:
    test byte [rsp+8], 3
    jz .k
    nop
.k:
    swapgs
    lfence
    inc qword [gs:0]
    test byte [rsp+8], 3
    jz .out
    swapgs
.out:
    iretq
`;
    expect(findings(lint(src))).toEqual([
      `swapgs-without-cpl-check@${linesWith(src, '    swapgs')[0]}`,
      `gs-user-base-on-kernel-return@${linesWith(src, 'iretq')[0]}`,
    ]);
  });
});

describe('related locations for quick fixes', () => {
  test('a push before the stack switch points at the kernel-stack load it belongs after', () => {
    const r = lintFixture('bad-syscall-stack.asm');
    const d = r.diagnostics.find((x) => x.code === 'stack-before-kernel-rsp')!;
    const src = readFileSync(join(FIXTURES, 'bad-syscall-stack.asm'), 'utf8');
    const load = linesWith(src, 'mov rsp, [gs:16]')[0]!;
    expect(d.range.line + 1).toBe(linesWith(src, 'push rcx')[0]);
    expect(d.related?.[0]).toMatchObject({ range: { line: load - 1 }, message: `the kernel stack is loaded here, at line ${load}` });
  });
});

describe('re-linting after an edit', () => {
  // The lowering is cached across runs; branches are relocated when the code moves. An edit that
  // moves every instruction (3 bytes of data at the top of the code) must give the same findings,
  // one line further down, as before the edit.
  const bad = readdirSync(FIXTURES).filter((f) => f.startsWith('bad-') && f.endsWith('.asm')).sort();
  test.each(bad)('%s: findings move with the code', (name) => {
    const src = readFileSync(join(FIXTURES, name), 'utf8');
    const lines = src.split('\n');
    const at = lines.findIndex((l) => /^\s*section\s+\.text/.test(l));
    expect(at).toBeGreaterThanOrEqual(0);
    const before = findings(lint(src));
    expect(before.length).toBeGreaterThan(0);
    const edited = [...lines.slice(0, at + 1), '    db 0x90, 0x90, 0x90', ...lines.slice(at + 1)].join('\n');
    const shifted = before.map((f) => {
      const [rule, line] = f.split('@');
      return `${rule}@${Number(line) > at + 1 ? Number(line) + 1 : Number(line)}`;
    });
    expect(findings(lint(edited))).toEqual(shifted);
  });
});

describe('re-linting a branch whose displacement alone changed', () => {
  // Same instruction count and addresses; only the jz displacement differs between the versions.
  const body = (target: 'both' | 'one') =>
    target === 'both'
      ? '    test rdi, rdi\n    jz .x\n    swapgs\n    swapgs\n.x:\n    nop'
      : '    test rdi, rdi\n    jz .x\n    swapgs\n.x:\n    swapgs\n    nop';
  test('the new target is followed, not the cached one', () => {
    expect(findings(lint(syscallProgram(body('both'))), 'gs-kernel-base-on-exit')).toEqual([]);
    const src = syscallProgram(body('one'));
    expect(findings(lint(src), 'gs-kernel-base-on-exit')).toEqual([`gs-kernel-base-on-exit@${linesWith(src, 'o64 sysret')[0]}`]);
    expect(findings(lint(syscallProgram(body('both'))), 'gs-kernel-base-on-exit')).toEqual([]);
  });
});
