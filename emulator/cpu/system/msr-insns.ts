// MSR access and the GS-base instructions: rdmsr/wrmsr, swapgs, rd/wr{fs,gs}base,
// and the MsrStore that maps MSR indexes onto the core's state (FS/GS bases live in the segment
// registers' hidden parts, KERNEL_GS_BASE in the system state). Intel SDM Vol 2B (RDMSR, WRMSR,
// SWAPGS, RDFSBASE/RDGSBASE, WRFSBASE/WRGSBASE), Vol 4 Table 2-2. rdtscp/rdpid (isa/misc.ts)
// read IA32_TSC_AUX through the MsrStore below.

import { Code } from 'iced-x86';
import type { Core, MsrStore } from '../core';
import { Seg } from '../core';
import type { Decoded } from '../decoded';
import { registerHandlers } from '../dispatch';
import { GuestFault, Vec, ud } from '../fault';
import { MSR, msrName, wrmsrFault, wrmsrResult } from '../../machine/msr';
import type { GsCause } from '../../machine/events';
import { addrOf, emitGs, sysOf, u64 } from './state';

const CR0_PG = 1 << 31;
const CR4_FSGSBASE = 1 << 16;

/** Reads an MSR's current value, or undefined when the machine does not implement it. */
export function readMsr(c: Core, index: number): bigint | undefined {
  switch (index) {
    case MSR.EFER:
      return BigInt(c.efer >>> 0);
    case MSR.FS_BASE:
      return u64(c.seg[Seg.FS]!.base);
    case MSR.GS_BASE:
      return u64(c.seg[Seg.GS]!.base);
    case MSR.KERNEL_GS_BASE:
      return u64(sysOf(c).kernelGsBase);
    case MSR.TSC:
      return c.tsc();
    default:
      return sysOf(c).msrs.get(index);
  }
}

/** Sets the GS base and reports it (every path that changes gs.base goes through here). */
export function setGsBase(c: Core, value: number, cause: GsCause): void {
  const s = c.seg[Seg.GS]!;
  const old = s.base;
  c.seg[Seg.GS] = { ...s, base: value };
  emitGs(c, { kind: 'gs-base', cause, old: u64(old), value: u64(value) });
}

export function setFsBase(c: Core, value: number, cause: GsCause): void {
  const s = c.seg[Seg.FS]!;
  const old = s.base;
  c.seg[Seg.FS] = { ...s, base: value };
  emitGs(c, { kind: 'fs-base', cause, old: u64(old), value: u64(value) });
}

export function setKernelGsBase(c: Core, value: number, cause: GsCause): void {
  const sys = sysOf(c);
  const old = sys.kernelGsBase;
  sys.kernelGsBase = value;
  emitGs(c, { kind: 'kernel-gs-base', cause, old: u64(old), value: u64(value) });
}

/**
 * Writes an MSR without checks (callers ran `wrmsrFault` first). Returns false for an MSR the
 * machine does not implement.
 */
export function writeMsr(c: Core, index: number, value: bigint, cause: GsCause = 'wrmsr'): boolean {
  const current = readMsr(c, index);
  if (current === undefined) return false;
  const v = wrmsrResult(index, value, current);
  switch (index) {
    case MSR.EFER:
      c.setEfer(Number(v));
      return true;
    case MSR.FS_BASE:
      setFsBase(c, addrOf(v), cause);
      return true;
    case MSR.GS_BASE:
      setGsBase(c, addrOf(v), cause);
      return true;
    case MSR.KERNEL_GS_BASE:
      setKernelGsBase(c, addrOf(v), cause);
      return true;
    case MSR.TSC:
      // The TSC counts retired instructions; a write sets the offset (SDM Vol 3B 18.17).
      c.tscOffset = Number(BigInt.asIntN(64, v - BigInt(c.icount)));
      return true;
    default:
      sysOf(c).msrs.set(index, v);
      return true;
  }
}

/** The core's MsrStore (installed by the machine): checked writes, unknown index -> false. */
export const systemMsrStore: MsrStore = {
  read: (core, index) => readMsr(core, index),
  write: (core, index, value) => {
    const cur = readMsr(core, index);
    if (cur === undefined) return false;
    if (wrmsrFault(index, value, cur, (core.cr0 & CR0_PG) !== 0) !== undefined) return false;
    return writeMsr(core, index, value, 'debugger');
  },
};

function requireCpl0(c: Core, what: string): void {
  if (c.cpl !== 0) throw new GuestFault(Vec.GP, 0, 'fault', `${what} is privileged: CPL ${c.cpl} (needs 0)`);
}

/** RDMSR: EDX:EAX := MSR[ECX]; #GP(0) at CPL > 0 or for an unimplemented MSR (SDM Vol 2B RDMSR). */
const rdmsr = (c: Core): void => {
  const index = c.getLo(1);
  requireCpl0(c, `rdmsr ${msrName(index)}`);
  const v = readMsr(c, index);
  if (v === undefined) throw new GuestFault(Vec.GP, 0, 'fault', `rdmsr from unimplemented ${msrName(index)}`);
  c.setHalves(0, Number(v & 0xffffffffn) | 0, 0);
  c.setHalves(2, Number(v >> 32n) | 0, 0);
};

/** WRMSR: MSR[ECX] := EDX:EAX, with the #GP(0) conditions of SDM Vol 2B WRMSR. */
const wrmsr = (c: Core): void => {
  const index = c.getLo(1);
  requireCpl0(c, `wrmsr ${msrName(index)}`);
  const value = (BigInt(c.getLo(2)) << 32n) | BigInt(c.getLo(0));
  const cur = readMsr(c, index);
  const fault = cur === undefined ? `wrmsr to unimplemented ${msrName(index)}` : wrmsrFault(index, value, cur, (c.cr0 & CR0_PG) !== 0);
  if (fault !== undefined) throw new GuestFault(Vec.GP, 0, 'fault', fault);
  writeMsr(c, index, value, 'wrmsr');
};

/**
 * SWAPGS: exchange gs.base with IA32_KERNEL_GS_BASE. #GP(0) at CPL > 0; #UD outside 64-bit mode
 * (SDM Vol 2B SWAPGS). The emulator only executes 64-bit code, so the #UD case is compatibility
 * mode, which never reaches a handler.
 */
const swapgs = (c: Core): void => {
  if (!c.seg[Seg.CS]!.l) throw ud('swapgs outside 64-bit mode');
  requireCpl0(c, 'swapgs');
  const sys = sysOf(c);
  const gs = c.seg[Seg.GS]!;
  const user = gs.base;
  c.seg[Seg.GS] = { ...gs, base: sys.kernelGsBase };
  sys.kernelGsBase = user;
  emitGs(c, { kind: 'swapgs' });
};

function fsgsbaseCheck(c: Core, what: string): void {
  // #UD when CR4.FSGSBASE = 0 (SDM Vol 2B RDFSBASE/WRFSBASE "Protected Mode Exceptions").
  if (!(c.cr4 & CR4_FSGSBASE)) throw ud(`${what} needs CR4.FSGSBASE (bit 16) = 1`);
}

function rdbase(index: number, size: 4 | 8) {
  const name = index === Seg.FS ? 'rdfsbase' : 'rdgsbase';
  return (c: Core, d: Decoded): void => {
    fsgsbaseCheck(c, name);
    const b = u64(c.seg[index]!.base);
    const lo = Number(b & 0xffffffffn) | 0;
    c.setHalves(d.r0, lo, size === 8 ? Number(b >> 32n) | 0 : 0);
  };
}

function wrbase(index: number, size: 4 | 8) {
  const name = index === Seg.FS ? 'wrfsbase' : 'wrgsbase';
  return (c: Core, d: Decoded): void => {
    fsgsbaseCheck(c, name);
    const v = size === 8 ? c.getGpr(d.r0) : BigInt(c.getLo(d.r0));
    const s = BigInt.asIntN(64, v);
    // #GP(0) when the source is non-canonical (SDM Vol 2B WRFSBASE/WRGSBASE).
    if (s < -(1n << 47n) || s >= 1n << 47n) throw new GuestFault(Vec.GP, 0, 'fault', `${name} with non-canonical 0x${v.toString(16)}`);
    if (index === Seg.GS) setGsBase(c, Number(s), 'wrgsbase');
    else setFsBase(c, Number(s), 'wrfsbase');
  };
}

registerHandlers({
  [Code.Rdmsr]: rdmsr,
  [Code.Wrmsr]: wrmsr,
  [Code.Swapgs]: swapgs,
  [Code.Rdfsbase_r32]: rdbase(Seg.FS, 4),
  [Code.Rdfsbase_r64]: rdbase(Seg.FS, 8),
  [Code.Rdgsbase_r32]: rdbase(Seg.GS, 4),
  [Code.Rdgsbase_r64]: rdbase(Seg.GS, 8),
  [Code.Wrfsbase_r32]: wrbase(Seg.FS, 4),
  [Code.Wrfsbase_r64]: wrbase(Seg.FS, 8),
  [Code.Wrgsbase_r32]: wrbase(Seg.GS, 4),
  [Code.Wrgsbase_r64]: wrbase(Seg.GS, 8),
});
