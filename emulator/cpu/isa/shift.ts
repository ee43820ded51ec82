// Shifts and rotates: shl/sal/shr/sar/rol/ror/rcl/rcr/shld/shrd (SDM Vol. 2 "SAL/SAR/SHL/SHR",
// "RCL/RCR/ROL/ROR", SHLD, SHRD). A flag the SDM leaves undefined is given a plausible value.

import { Mnemonic } from 'iced-x86';
import type { Core } from '../core';
import { Decoded, K } from '../decoded';
import { registerMnemonicHandlers } from '../dispatch';
import { loadDst, loadDst64, S, storeDst, storeDst64 } from './access';
import { AF, ARITH, CF, OF, PARITY, SF, ZF } from './flags';

const enum Sh { Rol, Ror, Rcl, Rcr, Shl, Shr, Sar }

/** Shift count: operand 1 (CL or imm8), masked to 5 bits (6 for 64-bit operands). */
function count(c: Core, d: Decoded, n: number, size: number): number {
  const k = n === 1 ? d.k1 : d.k2;
  const raw = k === K.Imm ? (n === 2 && d.k1 === K.Imm ? d.imm2 : d.imm) : d.k1 === K.None && n === 1 ? 1 : c.r[2] & 0xff;
  return raw & (size === 8 ? 63 : 31);
}

function szp(r: bigint, bits: number): number {
  return (r === 0n ? ZF : 0) | (((r >> BigInt(bits - 1)) & 1n) ? SF : 0) | PARITY[Number(r & 0xffn)];
}

/** Generic shift/rotate on a bigint of `bits` bits with a masked count != 0; returns the result. */
function shiftBig(c: Core, op: Sh, a: bigint, cnt: number, bits: number): bigint {
  const B = BigInt(bits), mask = (1n << B) - 1n, msb = (x: bigint) => (x >> (B - 1n)) & 1n;
  let f = c.rflags;
  let r: bigint;
  switch (op) {
    case Sh.Shl: {
      const n = BigInt(cnt);
      r = (a << n) & mask;
      const cf = cnt <= bits ? (a >> (B - n)) & 1n : 0n;
      const of = msb(r) ^ cf; // defined for count 1
      f = (f & ~ARITH) | (cf ? CF : 0) | (of ? OF : 0) | szp(r, bits);
      break;
    }
    case Sh.Shr: {
      const n = BigInt(cnt);
      r = a >> n;
      const cf = (a >> (n - 1n)) & 1n;
      const of = cnt === 1 ? msb(a) : 0n;
      f = (f & ~ARITH) | (cf ? CF : 0) | (of ? OF : 0) | szp(r, bits);
      break;
    }
    case Sh.Sar: {
      const n = BigInt(Math.min(cnt, bits));
      const s = BigInt.asIntN(bits, a);
      r = BigInt.asUintN(bits, s >> n);
      const cf = (s >> (n - 1n)) & 1n;
      f = (f & ~ARITH) | (cf ? CF : 0) | szp(r, bits);
      break;
    }
    case Sh.Rol: case Sh.Ror: {
      const n = BigInt(cnt % bits);
      r = op === Sh.Rol ? ((a << n) | (a >> (B - n))) & mask : ((a >> n) | (a << (B - n))) & mask;
      // Rotates change only CF and OF (OF defined for count 1).
      const cf = op === Sh.Rol ? r & 1n : msb(r);
      const of = op === Sh.Rol ? msb(r) ^ cf : msb(r) ^ ((r >> (B - 2n)) & 1n);
      f = (f & ~(CF | OF)) | (cf ? CF : 0) | (of ? OF : 0);
      break;
    }
    default: {
      // RCL/RCR rotate bits+1 bits through CF; 8/16-bit counts are taken modulo 9/17.
      const n = bits < 32 ? cnt % (bits + 1) : cnt;
      const cin = BigInt(f & CF);
      if (n === 0) { r = a; break; }
      const N = BigInt(n);
      const wide = (cin << B) | a; // bits+1 bit value, CF on top
      const W = B + 1n, wmask = (1n << W) - 1n;
      const rot = op === Sh.Rcl ? ((wide << N) | (wide >> (W - N))) & wmask : ((wide >> N) | (wide << (W - N))) & wmask;
      r = rot & mask;
      const cf = rot >> B;
      const of = op === Sh.Rcl ? msb(r) ^ cf : msb(r) ^ ((r >> (B - 2n)) & 1n);
      f = (f & ~(CF | OF)) | (cf ? CF : 0) | (of ? OF : 0);
      break;
    }
  }
  c.rflags = f & ~(op >= Sh.Shl ? AF : 0);
  return r;
}

/** Bit `b` (0..63) of a 64-bit value in halves. */
function bitOf(lo: number, hi: number, b: number): number {
  return b >= 32 ? (hi >>> (b - 32)) & 1 : (lo >>> b) & 1;
}

/**
 * 64-bit shl/shr/sar/rol/ror on halves (same results and flags as shiftBig, without bigints).
 * `cnt` is 1..63. Returns the low half; the high half is left in S.hi.
 */
function shift64(c: Core, op: Sh, lo: number, hi: number, n: number): number {
  let rl: number, rh: number;
  const rot = (l: number, h: number, k: number): void => {
    if (k >= 32) { const t = l; l = h; h = t; k -= 32; }
    if (k === 0) { rl = l; rh = h; return; }
    rh = (h << k) | (l >>> (32 - k)); rl = (l << k) | (h >>> (32 - k));
  };
  switch (op) {
    case Sh.Shl:
      if (n < 32) { rh = (hi << n) | (lo >>> (32 - n)); rl = lo << n; } else { rh = lo << (n - 32); rl = 0; }
      break;
    case Sh.Shr:
      if (n < 32) { rl = (lo >>> n) | (hi << (32 - n)); rh = hi >>> n; } else { rl = hi >>> (n - 32); rh = 0; }
      break;
    case Sh.Sar:
      if (n < 32) { rl = (lo >>> n) | (hi << (32 - n)); rh = hi >> n; } else { rl = hi >> (n - 32); rh = hi >> 31; }
      break;
    case Sh.Rol: rot(lo, hi, n); break;
    default: rot(lo, hi, 64 - n); break;
  }
  rl = rl! >>> 0; rh = rh! >>> 0;
  const msb = rh >>> 31;
  let f = c.rflags;
  if (op === Sh.Rol || op === Sh.Ror) {
    const cf = op === Sh.Rol ? rl & 1 : msb;
    const of = op === Sh.Rol ? msb ^ cf : msb ^ ((rh >>> 30) & 1);
    f = (f & ~(CF | OF)) | cf | (of ? OF : 0);
  } else {
    const cf = op === Sh.Shl ? bitOf(lo, hi, 64 - n) : op === Sh.Shr ? bitOf(lo, hi, n - 1) : (n - 1 >= 32 ? (hi >> (n - 33)) & 1 : (lo >>> (n - 1)) & 1);
    const of = op === Sh.Shl ? msb ^ cf : op === Sh.Shr ? (n === 1 ? hi >>> 31 : 0) : 0;
    f = (f & ~(ARITH | AF)) | cf | (of ? OF : 0) | ((rl | rh) === 0 ? ZF : 0) | (msb ? SF : 0) | PARITY[rl & 0xff];
  }
  c.rflags = f;
  S.hi = rh;
  return rl;
}

function shiftHandler(op: Sh) {
  return (c: Core, d: Decoded): void => {
    const size = d.s0;
    const cnt = count(c, d, 1, size);
    if (size === 8) {
      const lo = loadDst64(c, d, true);
      if (cnt === 0) return; // no flags or destination change (a memory destination was still checked)
      if (op !== Sh.Rcl && op !== Sh.Rcr) {
        const hi = S.hi;
        const rl = shift64(c, op, lo, hi, cnt);
        storeDst64(c, d, rl, S.hi);
        return;
      }
      const r = shiftBig(c, op, (BigInt(S.hi) << 32n) | BigInt(lo), cnt, 64);
      storeDst64(c, d, Number(r & 0xffffffffn) | 0, Number(r >> 32n) | 0);
      return;
    }
    const a = loadDst(c, d, size, true);
    if (cnt === 0) {
      // Flags unchanged, but a 32-bit register destination is still written (upper half zeroed),
      // as on silicon (SDM Vol. 1 3.4.1.1).
      if (size === 4 && d.k0 === K.Gpr) c.r[2 * d.r0 + 1] = 0;
      return;
    }
    if (op === Sh.Rol && size === 4) {
      // Fast path for the common 32-bit rotate.
      const n = cnt & 31;
      const r = ((a << n) | (a >>> (32 - n))) >>> 0;
      const cf = r & 1;
      c.rflags = (c.rflags & ~(CF | OF)) | cf | (((r >>> 31) ^ cf) ? OF : 0);
      storeDst(c, d, 4, r);
      return;
    }
    storeDst(c, d, size, Number(shiftBig(c, op, BigInt(a), cnt, size * 8)));
  };
}

/** SHLD/SHRD: shift dst, filling from src (SDM Vol. 2 SHLD, SHRD). */
function doubleShift(left: boolean) {
  return (c: Core, d: Decoded): void => {
    const size = d.s0, bits = size * 8, B = BigInt(bits), mask = (1n << B) - 1n;
    const cnt = count(c, d, 2, size);
    let a: bigint;
    if (size === 8) { const lo = loadDst64(c, d, true); a = (BigInt(S.hi) << 32n) | BigInt(lo); }
    else a = BigInt(loadDst(c, d, size, true));
    if (cnt === 0) {
      if (size === 4 && d.k0 === K.Gpr) c.r[2 * d.r0 + 1] = 0;
      return;
    }
    const b = size === 8 ? c.getGpr(d.r1) : BigInt(c.getReg(d.r1, size));
    const n = BigInt(cnt);
    let r: bigint, cf: bigint;
    if (cnt > bits) {
      // 16-bit operands with count > 16: result and flags undefined; model as a shift of the 32-bit pair.
      const pair = left ? (a << B) | b : (b << B) | a;
      const m2 = (1n << (2n * B)) - 1n;
      const rot = left ? ((pair << n) | (pair >> (2n * B - n))) & m2 : ((pair >> n) | (pair << (2n * B - n))) & m2;
      r = left ? rot >> B : rot & mask;
      cf = 0n;
    } else if (left) {
      r = ((a << n) | (b >> (B - n))) & mask;
      cf = (a >> (B - n)) & 1n;
    } else {
      r = ((a >> n) | (b << (B - n))) & mask;
      cf = (a >> (n - 1n)) & 1n;
    }
    const of = ((a ^ r) >> (B - 1n)) & 1n; // sign change, defined for count 1
    c.rflags = (c.rflags & ~ARITH) | (cf ? CF : 0) | (of ? OF : 0) | szp(r, bits);
    if (size === 8) storeDst64(c, d, Number(r & 0xffffffffn) | 0, Number(r >> 32n) | 0);
    else storeDst(c, d, size, Number(r));
  };
}

registerMnemonicHandlers({
  [Mnemonic.Rol]: shiftHandler(Sh.Rol),
  [Mnemonic.Ror]: shiftHandler(Sh.Ror),
  [Mnemonic.Rcl]: shiftHandler(Sh.Rcl),
  [Mnemonic.Rcr]: shiftHandler(Sh.Rcr),
  [Mnemonic.Shl]: shiftHandler(Sh.Shl),
  [Mnemonic.Sal]: shiftHandler(Sh.Shl),
  [Mnemonic.Shr]: shiftHandler(Sh.Shr),
  [Mnemonic.Sar]: shiftHandler(Sh.Sar),
  [Mnemonic.Shld]: doubleShift(true),
  [Mnemonic.Shrd]: doubleShift(false),
});
