// Segment registers and descriptor tables: descriptor fetch with the selector checks, mov/pop/push
// of segment registers, lfs/lgs/lss, lgdt/lidt/sgdt/sidt, lldt/sldt, ltr/str (64-bit TSS, busy bit).
// Intel SDM Vol 3A 3.4 (segments), 5.5-5.8 (privilege checks), 8.2.4 (TR), and the instruction
// pages in Vol 2 (MOV, POP, PUSH, LGDT/LIDT, SGDT, SIDT, LLDT, LTR, STR).

import { Code } from 'iced-x86';
import type { Core, SegmentState } from '../core';
import { Seg } from '../core';
import { K, type Decoded } from '../decoded';
import { registerHandlers } from '../dispatch';
import { GuestFault, Vec, ud } from '../fault';
import {
  decodeSegmentDescriptor,
  decodeSystemDescriptor,
  isNullSelector,
  SystemType,
  type SegmentDescriptor,
} from '../../machine/descriptors';
import { emitGs, sysOf, TWO32, u64 } from './state';

const CR4_UMIP = 1 << 11;
const CANON = 2 ** 47;

/** Bytes of a little-endian bigint. */
export function leBytes(v: bigint, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return b;
}

/** Error code for a selector-related fault: index|TI, plus EXT (SDM Vol 3A 6.13). */
export function selErr(sel: number, ext: number): number {
  return (sel & 0xfffc) | ext;
}

/** Where the descriptor of `sel` lives, or a #GP(sel) when it is outside its table (SDM Vol 3A 3.5.1). */
export function descriptorAddress(c: Core, sel: number, ext: number, size = 8): number {
  let base: number;
  let limit: number;
  if (sel & 4) {
    if (isNullSelector(c.ldtr.selector)) {
      throw new GuestFault(Vec.GP, selErr(sel, ext), 'fault', `selector 0x${sel.toString(16)} refers to the LDT, but no LDT is loaded`);
    }
    base = c.ldtr.base;
    limit = c.ldtr.limit;
  } else {
    base = c.gdtr.base;
    limit = c.gdtr.limit;
  }
  if ((sel & 0xfff8) + size - 1 > limit) {
    throw new GuestFault(Vec.GP, selErr(sel, ext), 'fault',
      `selector 0x${sel.toString(16)} is beyond the ${sel & 4 ? 'LDT' : 'GDT'} limit 0x${limit.toString(16)}`);
  }
  return base + (sel & 0xfff8);
}

/** Reads the 8-byte descriptor of a non-null selector (implicit supervisor access, SDM Vol 3A 4.6). */
export function readDescriptor(c: Core, sel: number, ext: number): { d: SegmentDescriptor; addr: number } {
  const addr = descriptorAddress(c, sel, ext);
  const d = decodeSegmentDescriptor(leBytes(c.mmu.readImplicit(addr, 8), 8));
  return { d, addr };
}

/** Sets the accessed bit of a code/data descriptor, as the processor does on a load (SDM Vol 3A 3.4.5.1). */
function markAccessed(c: Core, addr: number, d: SegmentDescriptor): void {
  if (d.s && !d.accessed) {
    const b = Number(c.mmu.readImplicit(addr + 5, 1));
    c.mmu.writeImplicit(addr + 5, 1, BigInt(b | 1));
  }
}

/** The hidden part of a segment register for a code/data descriptor. */
export function segmentFromDescriptor(sel: number, d: SegmentDescriptor): SegmentState {
  return {
    selector: sel & 0xffff,
    base: d.base,
    limit: d.limit,
    type: d.type,
    s: d.s,
    dpl: d.dpl,
    p: d.present,
    avl: d.avl,
    l: d.long,
    db: d.db,
    g: d.granularity,
    unusable: false,
  };
}

/** A null segment: unusable; in 64-bit mode DS/ES/SS keep working with base 0 (SDM Vol 3A 3.4.4). */
export function nullSegment(sel: number, rplSs = false): SegmentState {
  return {
    selector: sel & 0xffff,
    base: 0,
    limit: 0,
    type: rplSs ? 3 : 0,
    s: rplSs,
    dpl: rplSs ? sel & 3 : 0,
    p: rplSs,
    avl: false,
    l: false,
    db: rplSs,
    g: false,
    unusable: true,
  };
}

const SEG_LABEL = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'];

/** Sets FS or GS (hidden base included) and reports the base change as a GS event. */
export function setDataSegment(c: Core, index: number, s: SegmentState, cause: 'segment-load' | 'debugger'): void {
  const old = c.seg[index]!.base;
  c.setSegment(index, s);
  if ((index === Seg.FS || index === Seg.GS) && old !== s.base) {
    emitGs(c, { kind: index === Seg.GS ? 'gs-base' : 'fs-base', cause, old: u64(old), value: u64(s.base) });
  }
}

/**
 * Loads DS/ES/FS/GS/SS with `sel` after the checks of MOV/POP (SDM Vol 2B MOV "Operation",
 * protected-mode path; Vol 3A 5.7 for data access checks; 5.8 for SS).
 * In 64-bit mode the FS/GS base becomes the descriptor's 32-bit base: this is why a kernel that
 * reloads GS from the GDT loses its per-CPU gs.base (the classic bug), SDM Vol 3A 3.4.4.
 */
export function loadSegment(c: Core, index: number, sel: number): void {
  sel &= 0xffff;
  const rpl = sel & 3;
  if (index === Seg.CS) throw ud('mov/pop to CS is not an instruction (SDM Vol 2B MOV: #UD)');
  if (isNullSelector(sel)) {
    if (index === Seg.SS) {
      // 64-bit mode allows a null SS at CPL 0-2 when RPL = CPL (SDM Vol 2B MOV, 64-bit mode exceptions).
      if (c.cpl === 3 || rpl !== c.cpl) {
        throw new GuestFault(Vec.GP, 0, 'fault', `null selector 0x${sel.toString(16)} loaded into SS at CPL ${c.cpl}`);
      }
      c.setSegment(Seg.SS, nullSegment(sel, true));
      return;
    }
    // Intel clears the base when a null selector is loaded into FS/GS (AMD keeps it).
    setDataSegment(c, index, nullSegment(sel), 'segment-load');
    return;
  }
  const { d, addr } = readDescriptor(c, sel, 0);
  const name = SEG_LABEL[index]!;
  const why = (msg: string) => new GuestFault(Vec.GP, selErr(sel, 0), 'fault', `mov ${name.toLowerCase()}, 0x${sel.toString(16)}: ${msg}`);
  if (index === Seg.SS) {
    if (rpl !== c.cpl) throw why(`RPL ${rpl} differs from CPL ${c.cpl}`);
    if (!d.s || d.code || !d.writable) throw why('SS needs a writable data segment');
    if (d.dpl !== c.cpl) throw why(`descriptor DPL ${d.dpl} differs from CPL ${c.cpl}`);
    if (!d.present) throw new GuestFault(Vec.SS, selErr(sel, 0), 'fault', `stack segment 0x${sel.toString(16)} not present`);
  } else {
    if (!d.s || (d.code && !d.readable)) throw why('not a data or readable code segment');
    if (!d.code || !d.conforming) {
      if (rpl > d.dpl || c.cpl > d.dpl) throw why(`descriptor DPL ${d.dpl} is below CPL ${c.cpl} / RPL ${rpl}`);
    }
    if (!d.present) throw new GuestFault(Vec.NP, selErr(sel, 0), 'fault', `segment 0x${sel.toString(16)} not present`);
  }
  markAccessed(c, addr, d);
  const s = segmentFromDescriptor(sel, d);
  if (index === Seg.SS) c.setSegment(Seg.SS, s);
  else setDataSegment(c, index, s, 'segment-load');
}

// ---------------------------------------------------------------- operand helpers

/** Reads a 16-bit selector operand (register or memory). */
function readSel(c: Core, d: Decoded, k: number, r: number): number {
  if (k === K.Gpr) return c.getReg(r, 2);
  return c.mmu.read16(c.ea(d));
}

/** Writes a selector/16-bit value to a register (zero-extended to its size) or to 16 bits of memory. */
function writeSelDest(c: Core, d: Decoded, v: number): void {
  if (d.k0 === K.Gpr) {
    if (d.s0 === 8) c.setHalves(d.r0, v & 0xffff, 0);
    else c.setReg(d.r0, d.s0 === 4 ? 4 : 2, v & 0xffff);
  } else {
    c.mmu.write16(c.ea(d), v);
  }
}

function umipCheck(c: Core, what: string): void {
  // CR4.UMIP: SGDT/SIDT/SLDT/SMSW/STR at CPL > 0 raise #GP(0) (SDM Vol 3A 2.5).
  if (c.cpl > 0 && c.cr4 & CR4_UMIP) throw new GuestFault(Vec.GP, 0, 'fault', `${what} at CPL ${c.cpl} with CR4.UMIP=1`);
}

function requireCpl0(c: Core, what: string): void {
  if (c.cpl !== 0) throw new GuestFault(Vec.GP, 0, 'fault', `${what} is privileged: CPL ${c.cpl} (needs 0)`);
}

// ---------------------------------------------------------------- mov / push / pop Sreg

const movSregRm: (c: Core, d: Decoded) => void = (c, d) => {
  const sel = readSel(c, d, d.k1, d.r1);
  loadSegment(c, d.r0, sel);
  // MOV SS inhibits interrupts until after the next instruction (SDM Vol 3A 6.8.3).
  if (d.r0 === Seg.SS) c.setInterruptShadow();
};

const movRmSreg: (c: Core, d: Decoded) => void = (c, d) => {
  writeSelDest(c, d, c.seg[d.r1]!.selector);
};

function pushSeg(index: number, size: 2 | 8) {
  return (c: Core): void => {
    const v = c.seg[index]!.selector;
    if (size === 8) c.push64(v, 0);
    else {
      const sp = c.canonicalStack(c.r[8]!, c.r[9]!, -2);
      c.mmu.write16(sp, v);
      c.setAddr(4, sp);
    }
  };
}

function popSeg(index: number, size: 2 | 8) {
  return (c: Core): void => {
    const sp = c.canonicalStack(c.r[8]!, c.r[9]!, 0);
    const v = c.mmu.read16(sp);
    if (size === 8) c.mmu.read64(sp); // the whole slot must be readable
    loadSegment(c, index, v);
    c.setAddr(4, sp + size);
  };
}

/** lfs/lgs/lss r, m16:xx: offset then selector (SDM Vol 2A LDS/LES/LFS/LGS/LSS). */
function loadFar(index: number) {
  return (c: Core, d: Decoded): void => {
    const a = c.ea(d);
    const size = d.s0;
    let lo: number;
    let hi = 0;
    if (size === 8) {
      lo = c.mmu.read64(a);
      hi = c.mmu.hi;
    } else lo = c.mmu.read(a, size);
    const sel = c.mmu.read16(a + size);
    loadSegment(c, index, sel);
    if (size === 8) c.setHalves(d.r0, lo | 0, hi | 0);
    else c.setReg(d.r0, size, lo);
    if (index === Seg.SS) c.setInterruptShadow();
  };
}

// ---------------------------------------------------------------- descriptor-table registers

function lgdtLidt(which: 'gdtr' | 'idtr') {
  return (c: Core, d: Decoded): void => {
    requireCpl0(c, which === 'gdtr' ? 'lgdt' : 'lidt');
    const a = c.ea(d);
    const limit = c.mmu.read16(a);
    const lo = c.mmu.read64(a + 2);
    const hi = c.mmu.hi;
    // 64-bit mode: an 8-byte base (SDM Vol 2A LGDT/LIDT). Kept as a canonical-signed Number when it is canonical.
    const base = hi * TWO32 + lo;
    const signed = base >= CANON ? Number(BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo))) : base;
    c[which] = { base: signed, limit };
    // Design: no IDT at reset; delivery stops the machine with a message until `lidt` ran.
    if (which === 'idtr') sysOf(c).idtLoaded = true;
  };
}

function sgdtSidt(which: 'gdtr' | 'idtr') {
  return (c: Core, d: Decoded): void => {
    umipCheck(c, which === 'gdtr' ? 'sgdt' : 'sidt');
    const a = c.ea(d);
    const t = c[which];
    const b = u64(t.base);
    c.mmu.probeWrite(a, 10);
    c.mmu.write16(a, t.limit);
    c.mmu.write64(a + 2, Number(b & 0xffffffffn), Number(b >> 32n));
  };
}

/** Reads a 16-byte system descriptor (LDT/TSS) for lldt/ltr with their checks. */
function systemDescriptor(c: Core, sel: number, what: string, types: number[]) {
  if (sel & 4) throw new GuestFault(Vec.GP, selErr(sel, 0), 'fault', `${what}: selector 0x${sel.toString(16)} points into the LDT`);
  const addr = descriptorAddress(c, sel, 0, 16);
  const lo = c.mmu.readImplicit(addr, 8);
  const hi = c.mmu.readImplicit(addr + 8, 8);
  const bytes = new Uint8Array(16);
  bytes.set(leBytes(lo, 8));
  bytes.set(leBytes(hi, 8), 8);
  const d = decodeSystemDescriptor(bytes);
  const gp = (m: string) => new GuestFault(Vec.GP, selErr(sel, 0), 'fault', `${what} 0x${sel.toString(16)}: ${m}`);
  if (d.s || !types.includes(d.type)) throw gp(`descriptor type ${d.type} is not ${what === 'ltr' ? 'an available 64-bit TSS (9)' : 'an LDT (2)'}`);
  if (!d.upperTypeZero) throw gp('upper half of the 16-byte descriptor has a non-zero type');
  const base = BigInt.asIntN(64, d.base64);
  if (base < -(1n << 47n) || base >= 1n << 47n) throw gp('non-canonical base');
  if (!d.present) throw new GuestFault(Vec.NP, selErr(sel, 0), 'fault', `${what} 0x${sel.toString(16)}: descriptor not present`);
  return { d, addr, base: Number(base) };
}

const ltr = (c: Core, d: Decoded): void => {
  requireCpl0(c, 'ltr');
  const sel = readSel(c, d, d.k0, d.r0);
  if (isNullSelector(sel)) throw new GuestFault(Vec.GP, 0, 'fault', 'ltr with a null selector');
  const { d: desc, addr, base } = systemDescriptor(c, sel, 'ltr', [SystemType.TSS64_AVAILABLE]);
  // LTR does not check the limit; a TSS shorter than TSS64.MIN_LIMIT faults later with #TS.
  // LTR marks the TSS busy in the GDT (SDM Vol 2A LTR).
  const b = Number(c.mmu.readImplicit(addr + 5, 1));
  c.mmu.writeImplicit(addr + 5, 1, BigInt(b | 2));
  c.tr = { selector: sel, base, limit: desc.limit, type: SystemType.TSS64_BUSY };
};

const lldt = (c: Core, d: Decoded): void => {
  requireCpl0(c, 'lldt');
  const sel = readSel(c, d, d.k0, d.r0);
  if (isNullSelector(sel)) {
    c.ldtr = { selector: sel, base: 0, limit: 0, type: 2 };
    return;
  }
  const { d: desc, base } = systemDescriptor(c, sel, 'lldt', [SystemType.LDT]);
  c.ldtr = { selector: sel, base, limit: desc.limit, type: 2 };
};

const str = (c: Core, d: Decoded): void => {
  umipCheck(c, 'str');
  writeSelDest(c, d, c.tr.selector);
};

const sldt = (c: Core, d: Decoded): void => {
  umipCheck(c, 'sldt');
  writeSelDest(c, d, c.ldtr.selector);
};

registerHandlers({
  [Code.Mov_Sreg_rm16]: movSregRm,
  [Code.Mov_Sreg_r32m16]: movSregRm,
  [Code.Mov_Sreg_r64m16]: movSregRm,
  [Code.Mov_rm16_Sreg]: movRmSreg,
  [Code.Mov_r32m16_Sreg]: movRmSreg,
  [Code.Mov_r64m16_Sreg]: movRmSreg,
  [Code.Pushq_FS]: pushSeg(Seg.FS, 8),
  [Code.Pushw_FS]: pushSeg(Seg.FS, 2),
  [Code.Pushq_GS]: pushSeg(Seg.GS, 8),
  [Code.Pushw_GS]: pushSeg(Seg.GS, 2),
  [Code.Popq_FS]: popSeg(Seg.FS, 8),
  [Code.Popw_FS]: popSeg(Seg.FS, 2),
  [Code.Popq_GS]: popSeg(Seg.GS, 8),
  [Code.Popw_GS]: popSeg(Seg.GS, 2),
  [Code.Lfs_r16_m1616]: loadFar(Seg.FS),
  [Code.Lfs_r32_m1632]: loadFar(Seg.FS),
  [Code.Lfs_r64_m1664]: loadFar(Seg.FS),
  [Code.Lgs_r16_m1616]: loadFar(Seg.GS),
  [Code.Lgs_r32_m1632]: loadFar(Seg.GS),
  [Code.Lgs_r64_m1664]: loadFar(Seg.GS),
  [Code.Lss_r16_m1616]: loadFar(Seg.SS),
  [Code.Lss_r32_m1632]: loadFar(Seg.SS),
  [Code.Lss_r64_m1664]: loadFar(Seg.SS),
  [Code.Lgdt_m1664]: lgdtLidt('gdtr'),
  [Code.Lidt_m1664]: lgdtLidt('idtr'),
  [Code.Sgdt_m1664]: sgdtSidt('gdtr'),
  [Code.Sidt_m1664]: sgdtSidt('idtr'),
  [Code.Ltr_rm16]: ltr,
  [Code.Ltr_r32m16]: ltr,
  [Code.Ltr_r64m16]: ltr,
  [Code.Lldt_rm16]: lldt,
  [Code.Lldt_r32m16]: lldt,
  [Code.Lldt_r64m16]: lldt,
  [Code.Str_rm16]: str,
  [Code.Str_r32m16]: str,
  [Code.Str_r64m16]: str,
  [Code.Sldt_rm16]: sldt,
  [Code.Sldt_r32m16]: sldt,
  [Code.Sldt_r64m16]: sldt,
});
