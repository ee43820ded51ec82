// Fast operand access for the integer handlers: destination load/store with one address
// computation (read-modify-write checks the write permission up front so a fault leaves no trace).

import type { Core } from '../core';
import { Decoded, K } from '../decoded';
import { ud } from '../fault';

/** Scratch shared by the handlers: the destination address of the current instruction, and high halves. */
export const S = { addr: 0, hi: 0, hi2: 0 };

/** Load operand 0 (size 1/2/4); with `rmw` a memory destination is probed for writing first. */
export function loadDst(c: Core, d: Decoded, size: number, rmw: boolean): number {
  if (d.k0 === K.Gpr) return c.getReg(d.r0, size);
  if (d.k0 !== K.Mem) throw ud('bad destination operand');
  const a = c.ea(d);
  S.addr = a;
  if (rmw) c.mmu.probeWrite(a, size);
  return c.mmu.read(a, size);
}

/** Store operand 0 after loadDst (memory uses the saved address). */
export function storeDst(c: Core, d: Decoded, size: number, v: number): void {
  if (d.k0 === K.Gpr) c.setReg(d.r0, size, v);
  else c.mmu.write(S.addr, size, v);
}

/** Store operand 0 without a previous load. */
export function writeDst(c: Core, d: Decoded, size: number, v: number): void {
  if (d.k0 === K.Gpr) c.setReg(d.r0, size, v);
  else if (d.k0 === K.Mem) c.mmu.write(c.ea(d), size, v);
  else throw ud('bad destination operand');
}

/** 64-bit operand 0: returns the low half, high half in S.hi (both unsigned). */
export function loadDst64(c: Core, d: Decoded, rmw: boolean): number {
  if (d.k0 === K.Gpr) { const i = 2 * d.r0; S.hi = c.r[i + 1] >>> 0; return c.r[i] >>> 0; }
  if (d.k0 !== K.Mem) throw ud('bad destination operand');
  const a = c.ea(d);
  S.addr = a;
  if (rmw) c.mmu.probeWrite(a, 8);
  const lo = c.mmu.read64(a);
  S.hi = c.mmu.hi;
  return lo;
}

export function storeDst64(c: Core, d: Decoded, lo: number, hi: number): void {
  if (d.k0 === K.Gpr) { const i = 2 * d.r0; c.r[i] = lo; c.r[i + 1] = hi; }
  else c.mmu.write64(S.addr, lo, hi);
}

export function writeDst64(c: Core, d: Decoded, lo: number, hi: number): void {
  if (d.k0 === K.Gpr) { const i = 2 * d.r0; c.r[i] = lo; c.r[i + 1] = hi; }
  else if (d.k0 === K.Mem) c.mmu.write64(c.ea(d), lo, hi);
  else throw ud('bad destination operand');
}

/** Operand 1 (or `n`) as a Number of `size` bytes (register, memory or immediate truncated). */
export function loadSrc(c: Core, d: Decoded, n: number, size: number): number {
  const k = n === 1 ? d.k1 : n === 2 ? d.k2 : d.k0;
  if (k === K.Imm) { const v = n === 2 && d.k1 === K.Imm ? d.imm2 : d.imm; return size === 4 ? v >>> 0 : size === 2 ? v & 0xffff : v & 0xff; }
  if (k === K.Gpr) return c.getReg(n === 1 ? d.r1 : n === 2 ? d.r2 : d.r0, size);
  if (k === K.Mem) return c.mmu.read(c.ea(d), size);
  throw ud('bad source operand');
}

/** Operand `n` as 64 bits: low half returned, high half in S.hi2 (unsigned). */
export function loadSrc64(c: Core, d: Decoded, n: number): number {
  const k = n === 1 ? d.k1 : n === 2 ? d.k2 : d.k0;
  if (k === K.Imm) { S.hi2 = d.immHi >>> 0; return d.imm >>> 0; }
  if (k === K.Gpr) { const i = 2 * (n === 1 ? d.r1 : n === 2 ? d.r2 : d.r0); S.hi2 = c.r[i + 1] >>> 0; return c.r[i] >>> 0; }
  if (k === K.Mem) { const lo = c.mmu.read64(c.ea(d)); S.hi2 = c.mmu.hi; return lo; }
  throw ud('bad source operand');
}
