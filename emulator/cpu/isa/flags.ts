// The one RFLAGS writer for arithmetic results and the condition-code evaluator (SDM Vol. 1 3.4.3, Appendix B).

import type { Core } from '../core';

export const CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, DF = 0x400, OF = 0x800;
export const ARITH = CF | PF | AF | ZF | SF | OF;

/** PF for each low-byte value: set when the number of 1 bits is even. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let n = 0;
  for (let b = i; b; b >>= 1) n += b & 1;
  PARITY[i] = n & 1 ? 0 : PF;
}

/** Sign bit of an operand of `size` bytes (sizes 1, 2, 4). */
export function signBit(size: number): number {
  return size === 4 ? 0x80000000 : size === 2 ? 0x8000 : 0x80;
}
export function maskOf(size: number): number {
  return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
}

/**
 * Write the six status flags. `cf`, `of`: any truthy value sets the flag; `af` any value with bit 4;
 * `zero` whether the result is zero; `sign` any non-zero sets SF; `low` the result's low byte (PF).
 */
export function setStatus(c: Core, cf: number | boolean, of: number | boolean, af: number, zero: boolean, sign: number, low: number): void {
  c.rflags = (c.rflags & ~ARITH) | (cf ? CF : 0) | (of ? OF : 0) | (af & AF) | (zero ? ZF : 0) | (sign ? SF : 0) | PARITY[low & 0xff];
}

/** SF/ZF/PF from a result of `size` (1, 2, 4) bytes; CF=OF=0; AF cleared (undefined for logic ops). */
export function setLogic(c: Core, r: number, size: number): void {
  c.rflags = (c.rflags & ~ARITH) | (r === 0 ? ZF : 0) | (r & signBit(size) ? SF : 0) | PARITY[r & 0xff];
}

/** SF/ZF/PF from a 64-bit result (halves); CF=OF=AF=0. */
export function setLogic64(c: Core, lo: number, hi: number): void {
  c.rflags = (c.rflags & ~ARITH) | ((lo | hi) === 0 ? ZF : 0) | (hi & 0x80000000 ? SF : 0) | PARITY[lo & 0xff];
}

/** Evaluate an iced ConditionCode (1..16) against RFLAGS (SDM Vol. 1 Appendix B). */
export function cond(c: Core, cc: number): boolean {
  const f = c.rflags;
  switch (cc) {
    case 1: return (f & OF) !== 0;
    case 2: return (f & OF) === 0;
    case 3: return (f & CF) !== 0;
    case 4: return (f & CF) === 0;
    case 5: return (f & ZF) !== 0;
    case 6: return (f & ZF) === 0;
    case 7: return (f & (CF | ZF)) !== 0;
    case 8: return (f & (CF | ZF)) === 0;
    case 9: return (f & SF) !== 0;
    case 10: return (f & SF) === 0;
    case 11: return (f & PF) !== 0;
    case 12: return (f & PF) === 0;
    case 13: return ((f & SF) !== 0) !== ((f & OF) !== 0);
    case 14: return ((f & SF) !== 0) === ((f & OF) !== 0);
    case 15: return (f & ZF) !== 0 || ((f & SF) !== 0) !== ((f & OF) !== 0);
    case 16: return (f & ZF) === 0 && ((f & SF) !== 0) === ((f & OF) !== 0);
    default: return true;
  }
}
