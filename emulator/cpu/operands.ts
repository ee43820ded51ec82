// Operand access for handlers: read/write operand n of a Decoded as a Number (<= 32 bits),
// as 64-bit halves, or as a bigint (convenient for system instructions).

import type { Core } from './core';
import { Decoded, K } from './decoded';
import { ud } from './fault';

export function kindOf(d: Decoded, n: number): number { return n === 0 ? d.k0 : n === 1 ? d.k1 : d.k2; }
export function regOf(d: Decoded, n: number): number { return n === 0 ? d.r0 : n === 1 ? d.r1 : d.r2; }
export function sizeOf(d: Decoded, n: number): number { return n === 0 ? d.s0 : n === 1 ? d.s1 : d.s2; }

/** Read operand n of size 1/2/4 as an unsigned Number (an immediate is truncated to `size`). */
export function readOp(c: Core, d: Decoded, n: number, size: number): number {
  const k = kindOf(d, n);
  if (k === K.Gpr) return c.getReg(regOf(d, n), size);
  if (k === K.Mem) return c.mmu.read(c.ea(d), size);
  if (k === K.Imm) return size === 4 ? d.imm >>> 0 : size === 2 ? d.imm & 0xffff : d.imm & 0xff;
  if (k === K.Seg) return c.seg[regOf(d, n)].selector & 0xffff;
  throw ud(`unsupported operand kind ${k}`);
}

/** Write operand n of size 1/2/4. */
export function writeOp(c: Core, d: Decoded, n: number, size: number, v: number): void {
  const k = kindOf(d, n);
  if (k === K.Gpr) { c.setReg(regOf(d, n), size, v); return; }
  if (k === K.Mem) { c.mmu.write(c.ea(d), size, v); return; }
  throw ud(`operand ${n} is not writable`);
}

/** Read a 64-bit operand: returns the low half (unsigned), high half in `c.mmu.hi`. */
export function readOp64(c: Core, d: Decoded, n: number): number {
  const k = kindOf(d, n);
  if (k === K.Gpr) { const i = regOf(d, n); c.mmu.hi = c.r[2 * i + 1] >>> 0; return c.r[2 * i] >>> 0; }
  if (k === K.Mem) return c.mmu.read64(c.ea(d));
  if (k === K.Imm) { c.mmu.hi = d.immHi >>> 0; return d.imm >>> 0; }
  throw ud(`unsupported operand kind ${k}`);
}

export function writeOp64(c: Core, d: Decoded, n: number, lo: number, hi: number): void {
  const k = kindOf(d, n);
  if (k === K.Gpr) { const i = regOf(d, n); c.r[2 * i] = lo; c.r[2 * i + 1] = hi; return; }
  if (k === K.Mem) { c.mmu.write64(c.ea(d), lo, hi); return; }
  throw ud(`operand ${n} is not writable`);
}

/** Read operand n (any GPR/memory/immediate size up to 8) as an unsigned bigint. */
export function readOpBig(c: Core, d: Decoded, n: number): bigint {
  const size = sizeOf(d, n);
  if (size === 8) {
    const lo = readOp64(c, d, n);
    return (BigInt(c.mmu.hi >>> 0) << 32n) | BigInt(lo);
  }
  return BigInt(readOp(c, d, n, size));
}

/** Write operand n from a bigint (truncated to the operand size). */
export function writeOpBig(c: Core, d: Decoded, n: number, v: bigint): void {
  const size = sizeOf(d, n);
  if (size === 8) { writeOp64(c, d, n, Number(v & 0xffffffffn) | 0, Number((v >> 32n) & 0xffffffffn) | 0); return; }
  writeOp(c, d, n, size, Number(v & 0xffffffffn));
}
