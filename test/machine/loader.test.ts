// The load plan: pages and their user/supervisor attribute, entry choice, boot stacks, default
// GDT placement and the address -> file:line table (design: machine model).
import { describe, expect, it } from 'vitest';
import { LineTable, planLoad, SYSTEM_AREA_BASE, BOOT_STACK_SIZE } from '../../emulator/machine/loader';
import { nasmProgram } from './nasm-program';

const SRC = `bits 64
org 0x100000
section .text align=4096
  nop
_start:
  mov eax, 1
  hlt
section .user_text align=4096
ufn: syscall
  jmp ufn
section .data align=4096
val: dq 1, 2, 3
section .bss align=4096
buf: resb 9000
`;

describe('planLoad', () => {
  const prog = nasmProgram(SRC);
  it('maps .user* sections user-accessible and the rest supervisor-only', () => {
    const r = planLoad(prog, { cpus: 1 });
    if (!r.ok) throw new Error(r.error);
    const at = (a: number) => r.plan.pages.find((p) => p.addr === a);
    expect(at(0x100000)?.user).toBe(false);
    expect(at(0x101000)?.user).toBe(true);
    expect(at(0x102000)?.user).toBe(false);
    // 9000 bytes of .bss need three pages, all mapped; nothing past them is.
    expect(at(0x103000)?.owner).toBe('.bss');
    expect(at(0x105000)?.owner).toBe('.bss');
    expect(at(0x106000)).toBeUndefined();
    expect(at(0)).toBeUndefined();
  });
  it('starts at _start by default and at --entry when given', () => {
    const r = planLoad(prog, { cpus: 1 });
    expect(r.ok && r.plan.entry).toBe(0x100001);
    const u = planLoad(prog, { cpus: 1, entry: 'ufn' });
    expect(u.ok && u.plan.entry).toBe(0x101000);
    const bad = planLoad(prog, { cpus: 1, entry: 'nosuch' });
    expect(bad.ok ? '' : bad.error).toMatch(/nosuch/);
  });
  it('falls back to the first instruction of the first code section without _start', () => {
    const p = nasmProgram(SRC.replace('_start:', 'later:'));
    const r = planLoad(p, { cpus: 1 });
    expect(r.ok && r.plan.entry).toBe(0x100000);
  });
  it('gives each core its own 64 KiB supervisor stack with an unmapped guard page below', () => {
    const r = planLoad(prog, { cpus: 3 });
    if (!r.ok) throw new Error(r.error);
    const { stacks, pages, gdt } = r.plan;
    expect(stacks).toHaveLength(3);
    expect(gdt.base).toBe(SYSTEM_AREA_BASE);
    expect(gdt.limit).toBe(6 * 8 - 1);
    for (const s of stacks) {
      expect(s.top - s.bottom).toBe(BOOT_STACK_SIZE);
      expect(pages.find((p) => p.addr === s.top - 4096)?.user).toBe(false);
      expect(pages.find((p) => p.addr === s.bottom - 4096)).toBeUndefined();
    }
    expect(new Set(stacks.map((s) => s.top)).size).toBe(3);
  });
  it('moves the system area when the image sits on it', () => {
    const p = nasmProgram(SRC.replace('org 0x100000', 'org 0x70000000'));
    const r = planLoad(p, { cpus: 1 });
    if (!r.ok) throw new Error(r.error);
    expect(r.plan.gdt.base).not.toBe(SYSTEM_AREA_BASE);
    const owners = new Map(r.plan.pages.map((pg) => [pg.addr, pg.owner]));
    expect(owners.get(0x70000000)).toBe('.text');
  });
});

describe('LineTable', () => {
  it('maps every byte of an instruction to its source line', () => {
    const prog = nasmProgram(SRC, 'k.asm');
    const t = new LineTable(prog.lines);
    expect(t.format(0x100001)).toBe('k.asm:6'); // mov eax, 1 (5 bytes)
    expect(t.format(0x100005)).toBe('k.asm:6');
    expect(t.format(0x100006)).toBe('k.asm:7');
    expect(t.format(0x101002)).toBe('k.asm:10');
    expect(t.format(0x5000)).toBe('0x5000');
    expect(t.addressesOf('k.asm', 6)).toEqual([0x100006]);
  });
});

describe('planLoad limits and conflicts', () => {
  it('refuses an image that would map more than the limit, naming the section', () => {
    const p = nasmProgram('bits 64\norg 0x100000\nsection .text\n_start: hlt\nsection .bss\nbig: resb 0x30000000\n');
    const r = planLoad(p, { cpus: 1 });
    expect(r.ok ? '' : r.error).toMatch(/more than 512 MiB.*\.bss/);
  });
  it('maps a page shared by a user and a supervisor section user-accessible, with a warning', () => {
    const p = nasmProgram('bits 64\norg 0x100000\nsection .text\n_start: hlt\nsection .user_text follows=.text align=1\nu: hlt\n');
    const r = planLoad(p, { cpus: 1 });
    if (!r.ok) throw new Error(r.error);
    expect(r.plan.pages.find((x) => x.addr === 0x100000)?.user).toBe(true);
    expect(r.plan.warnings.join('\n')).toMatch(/holds both \.text and \.user_text/);
  });
});
