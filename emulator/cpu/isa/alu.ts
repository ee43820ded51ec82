// Integer arithmetic and logic: add/adc/sub/sbb/cmp/and/or/xor/test/neg/not/inc/dec
// (SDM Vol. 2 instruction pages; flags per Vol. 1 Appendix A). Tiny functions per size, one flags writer.

import { Mnemonic } from 'iced-x86';
import type { Core } from '../core';
import type { Decoded, Handler } from '../decoded';
import { registerMnemonicHandlers } from '../dispatch';
import { loadDst, loadDst64, loadSrc, loadSrc64, S, storeDst, storeDst64 } from './access';
import { CF, maskOf, setLogic, setLogic64, setStatus, signBit } from './flags';

export const enum Op { Add, Or, Adc, Sbb, And, Sub, Xor, Cmp, Test }

/** a OP b for sizes 1/2/4 (unsigned inputs), flags written; returns the masked result. */
export function alu(c: Core, op: Op, a: number, b: number, size: number): number {
  const sb = signBit(size);
  let r: number;
  switch (op) {
    case Op.Add: case Op.Adc: {
      const cin = op === Op.Adc ? c.rflags & CF : 0;
      r = a + b + cin;
      const cf = r > maskOf(size);
      r = size === 4 ? r >>> 0 : r & maskOf(size);
      setStatus(c, cf, (a ^ r) & (b ^ r) & sb, a ^ b ^ r, r === 0, r & sb, r);
      return r;
    }
    case Op.Sub: case Op.Sbb: case Op.Cmp: {
      const cin = op === Op.Sbb ? c.rflags & CF : 0;
      r = a - b - cin;
      const cf = r < 0;
      r = size === 4 ? r >>> 0 : r & maskOf(size);
      setStatus(c, cf, (a ^ b) & (a ^ r) & sb, a ^ b ^ r, r === 0, r & sb, r);
      return r;
    }
    case Op.And: case Op.Test: r = (a & b) >>> 0; break;
    case Op.Or: r = (a | b) >>> 0; break;
    default: r = (a ^ b) >>> 0; break;
  }
  setLogic(c, r, size);
  return r;
}

/** 64-bit a OP b on unsigned halves; returns the low half, high half in S.hi. */
export function alu64(c: Core, op: Op, alo: number, ahi: number, blo: number, bhi: number): number {
  let lo: number, hi: number;
  switch (op) {
    case Op.Add: case Op.Adc: {
      lo = alo + blo + (op === Op.Adc ? c.rflags & CF : 0);
      const c0 = lo > 0xffffffff ? 1 : 0;
      lo >>>= 0;
      hi = ahi + bhi + c0;
      const cf = hi > 0xffffffff;
      hi >>>= 0;
      setStatus(c, cf, (ahi ^ hi) & (bhi ^ hi) & 0x80000000, alo ^ blo ^ lo, (lo | hi) === 0, hi & 0x80000000, lo);
      S.hi = hi;
      return lo;
    }
    case Op.Sub: case Op.Sbb: case Op.Cmp: {
      lo = alo - blo - (op === Op.Sbb ? c.rflags & CF : 0);
      const b0 = lo < 0 ? 1 : 0;
      lo >>>= 0;
      hi = ahi - bhi - b0;
      const cf = hi < 0;
      hi >>>= 0;
      setStatus(c, cf, (ahi ^ bhi) & (ahi ^ hi) & 0x80000000, alo ^ blo ^ lo, (lo | hi) === 0, hi & 0x80000000, lo);
      S.hi = hi;
      return lo;
    }
    case Op.And: case Op.Test: lo = (alo & blo) >>> 0; hi = (ahi & bhi) >>> 0; break;
    case Op.Or: lo = (alo | blo) >>> 0; hi = (ahi | bhi) >>> 0; break;
    default: lo = (alo ^ blo) >>> 0; hi = (ahi ^ bhi) >>> 0; break;
  }
  setLogic64(c, lo, hi);
  S.hi = hi;
  return lo;
}

function binary(op: Op): Handler {
  const writes = op !== Op.Cmp && op !== Op.Test;
  return (c: Core, d: Decoded) => {
    const size = d.s0;
    if (size === 8) {
      const alo = loadDst64(c, d, writes);
      const ahi = S.hi;
      const blo = loadSrc64(c, d, 1);
      const lo = alu64(c, op, alo, ahi, blo, S.hi2);
      if (writes) storeDst64(c, d, lo, S.hi);
      return;
    }
    const a = loadDst(c, d, size, writes);
    const b = loadSrc(c, d, 1, size);
    const r = alu(c, op, a, b, size);
    if (writes) storeDst(c, d, size, r);
  };
}

const add = binary(Op.Add), sub = binary(Op.Sub), xor = binary(Op.Xor);

function neg(c: Core, d: Decoded): void {
  const size = d.s0;
  if (size === 8) {
    const lo = loadDst64(c, d, true);
    const r = alu64(c, Op.Sub, 0, 0, lo, S.hi);
    storeDst64(c, d, r, S.hi);
    return;
  }
  storeDst(c, d, size, alu(c, Op.Sub, 0, loadDst(c, d, size, true), size));
}

function not(c: Core, d: Decoded): void {
  const size = d.s0;
  if (size === 8) {
    const lo = loadDst64(c, d, true);
    storeDst64(c, d, ~lo, ~S.hi);
    return;
  }
  storeDst(c, d, size, ~loadDst(c, d, size, true) >>> 0);
}

/** inc/dec keep CF (SDM Vol. 2 INC/DEC). */
function incdec(delta: 1 | -1): Handler {
  const op = delta === 1 ? Op.Add : Op.Sub;
  return (c: Core, d: Decoded) => {
    const size = d.s0;
    const cf = c.rflags & CF;
    if (size === 8) {
      const lo = loadDst64(c, d, true);
      const r = alu64(c, op, lo, S.hi, 1, 0);
      c.rflags = (c.rflags & ~CF) | cf;
      storeDst64(c, d, r, S.hi);
      return;
    }
    const r = alu(c, op, loadDst(c, d, size, true), 1, size);
    c.rflags = (c.rflags & ~CF) | cf;
    storeDst(c, d, size, r);
  };
}

registerMnemonicHandlers({
  [Mnemonic.Add]: add,
  [Mnemonic.Or]: binary(Op.Or),
  [Mnemonic.Adc]: binary(Op.Adc),
  [Mnemonic.Sbb]: binary(Op.Sbb),
  [Mnemonic.And]: binary(Op.And),
  [Mnemonic.Sub]: sub,
  [Mnemonic.Xor]: xor,
  [Mnemonic.Cmp]: binary(Op.Cmp),
  [Mnemonic.Test]: binary(Op.Test),
  [Mnemonic.Neg]: neg,
  [Mnemonic.Not]: not,
  [Mnemonic.Inc]: incdec(1),
  [Mnemonic.Dec]: incdec(-1),
});
