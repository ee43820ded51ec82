// Paging permissions as a kernel sees them: #PF error codes and CR2 (SDM Vol. 3A 4.7), U/S and R/W
// (4.6), SMEP/SMAP with RFLAGS.AC (4.6.1), CR0.WP, unmapped pages, non-canonical #GP.

import { describe, expect, it } from 'vitest';
import { Core, Vec } from '../../emulator/cpu';
import { Attr, Memory } from '../../emulator/machine/memory';
import { CODE, DATA, machine, USER } from './helpers';

interface Delivered { vector: number; error: number | undefined; kind: string; rip: number; cr2: bigint }

/** Run a snippet and capture the first delivered event (the default hook would stop the core). */
function firstEvent(source: string, setup?: (c: Core) => void): Delivered | null {
  const m = machine(source);
  let ev: Delivered | null = null;
  m.core.deliverHook = (c, vector, error, kind) => { ev = { vector, error, kind, rip: c.rip, cr2: c.cr2 }; c.stop('event'); };
  setup?.(m.core);
  m.core.run(10_000);
  return ev;
}

const toUser = (c: Core): void => c.setSegment(1, { ...c.seg[1], selector: 0x2b, dpl: 3 });

describe('page faults', () => {
  it('reports a read of an unmapped page with P=0 and CR2 = the address', () => {
    const ev = firstEvent('mov rax, [0x5000123]');
    expect(ev).toMatchObject({ vector: Vec.PF, error: 0, kind: 'fault', rip: CODE, cr2: 0x5000123n });
  });

  it('reports a write to an unmapped page with W=1', () => {
    expect(firstEvent('mov dword [0x5000000], 1')).toMatchObject({ vector: Vec.PF, error: 2 });
  });

  it('reports a user read of a supervisor page with P=1 U=1', () => {
    // The code runs from the user page so the fetch itself is allowed.
    const ev = firstEvent('', (c) => {
      toUser(c);
      c.memory.writeBytes(USER, new Uint8Array([0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x20, 0x00])); // mov rax, [0x200000]
      c.rip = USER;
    });
    expect(ev).toMatchObject({ vector: Vec.PF, error: 5, cr2: BigInt(DATA) });
  });

  it('reports a user instruction fetch from a supervisor page (P=1 U=1, no I/D without SMEP/NX)', () => {
    const ev = firstEvent('nop', toUser);
    expect(ev).toMatchObject({ vector: Vec.PF, error: 5, cr2: BigInt(CODE), rip: CODE });
  });

  it('faults a supervisor write to a read-only page only when CR0.WP=1', () => {
    const ro = (c: Core) => c.memory.protect(DATA, 0x1000, Attr.Present);
    expect(firstEvent('mov byte [0x200010], 1', ro)).toMatchObject({ vector: Vec.PF, error: 3 });
    const m = machine('mov byte [0x200010], 7');
    m.memory.protect(DATA, 0x1000, Attr.Present);
    m.core.setCr0(m.core.cr0 & ~(1 << 16));
    expect(m.core.run(100)).toBe('breakpoint');
    expect(m.memory.readBytes(DATA + 0x10, 1)![0]).toBe(7);
  });

  it('faults a read-modify-write to a read-only page as a write and leaves flags untouched', () => {
    const ev = firstEvent('stc\nadd dword [0x200000], 1', (c) => c.memory.protect(DATA, 0x1000, Attr.Present));
    expect(ev).toMatchObject({ vector: Vec.PF, error: 3 });
  });

  it('raises #GP(0) for a non-canonical data address and #SS(0) through RSP', () => {
    expect(firstEvent('mov rax, 0x0000800000000000\nmov rbx, [rax]')).toMatchObject({ vector: Vec.GP, error: 0 });
    expect(firstEvent('mov rax, 0x0000800000000008\nmov rsp, rax\npush rbx')).toMatchObject({ vector: Vec.SS, error: 0 });
  });

  it('reports a fetch that crosses into an unmapped page with CR2 on the second page', () => {
    const m = machine('nop');
    const page = 0x700000;
    m.memory.map(page, 0x1000, Attr.Present | Attr.Executable);
    m.memory.writeBytes(page + 0xffe, new Uint8Array([0x48, 0xb8])); // mov rax, imm64 needs 8 more bytes
    let ev: Delivered | null = null;
    m.core.deliverHook = (c, vector, error, kind) => { ev = { vector, error, kind, rip: c.rip, cr2: c.cr2 }; c.stop('x'); };
    m.core.rip = page + 0xffe;
    m.core.run(10);
    expect(ev).toMatchObject({ vector: Vec.PF, error: 0, rip: page + 0xffe, cr2: BigInt(page + 0x1000) });
  });
});

describe('SMEP and SMAP', () => {
  const SMEP = 1 << 20, SMAP = 1 << 21;

  it('SMEP: a supervisor fetch from a user page faults with I/D=1', () => {
    const ev = firstEvent('mov rax, 0x300000\njmp rax', (c) => {
      c.setCr4(c.cr4 | SMEP);
      c.memory.writeBytes(USER, new Uint8Array([0x90]));
    });
    expect(ev).toMatchObject({ vector: Vec.PF, error: 0x11, cr2: BigInt(USER), rip: USER });
  });

  it('without SMEP the kernel can execute a user page', () => {
    const m = machine('mov rax, 0x300000\ncall rax');
    m.memory.writeBytes(USER, new Uint8Array([0xb3, 0x2a, 0xc3])); // mov bl, 42; ret
    expect(m.core.run(100)).toBe('breakpoint');
    expect(m.core.getLo(3) & 0xff).toBe(42);
  });

  it('SMAP: a kernel read of a user page faults unless stac set RFLAGS.AC', () => {
    const ev = firstEvent('mov rax, [0x300000]', (c) => c.setCr4(c.cr4 | SMAP));
    expect(ev).toMatchObject({ vector: Vec.PF, error: 1, cr2: BigInt(USER) });
    const m = machine('stac\nmov rax, [0x300000]\nclac\nmov rbx, [0x300000]');
    m.memory.writeBytes(USER, new Uint8Array([0x11]));
    m.core.setCr4(m.core.cr4 | SMAP);
    let ev2: Delivered | null = null;
    m.core.deliverHook = (c, vector, error, kind) => { ev2 = { vector, error, kind, rip: c.rip, cr2: c.cr2 }; c.stop('x'); };
    m.core.run(100);
    expect(m.core.getLo(0)).toBe(0x11);
    // The clac'd access faults at the 4th instruction (after stac, mov, clac).
    expect(ev2).toMatchObject({ vector: Vec.PF, error: 1 });
    expect(m.core.icount).toBe(3);
  });

  it('SMAP applies to implicit supervisor accesses regardless of AC', () => {
    const memory = new Memory();
    memory.map(USER, 0x1000, Attr.Present | Attr.Writable | Attr.User);
    const core = new Core(memory);
    core.setCr4(core.cr4 | SMAP);
    core.rflags |= 1 << 18;
    expect(() => core.mmu.read32(USER)).not.toThrow();
    expect(() => core.mmu.readImplicit(USER, 8)).toThrow();
  });

  it('stac/clac raise #UD outside ring 0', () => {
    const ev = firstEvent('', (c) => {
      toUser(c);
      c.memory.writeBytes(USER, new Uint8Array([0x0f, 0x01, 0xcb])); // stac
      c.rip = USER;
    });
    expect(ev).toMatchObject({ vector: Vec.UD });
  });
});

describe('memory snapshots', () => {
  it('restores page contents after writes (copy-on-write) and keeps the snapshot reusable', () => {
    const m = machine('mov dword [0x200000], 0x1234\nmov dword [0x200004], 0x5678');
    const snap = m.memory.snapshot();
    expect(m.core.run(100)).toBe('breakpoint');
    expect(m.memory.readBytes(DATA, 4)).toEqual(new Uint8Array([0x34, 0x12, 0, 0]));
    m.memory.restore(snap);
    expect(m.memory.readBytes(DATA, 8)).toEqual(new Uint8Array(8));
    m.core.rip = CODE;
    m.core.run(100);
    m.memory.restore(snap);
    expect(m.memory.readBytes(DATA, 8)).toEqual(new Uint8Array(8));
  });
});
