// Bit instructions: bt/bts/btr/btc, bsf/bsr, lzcnt/tzcnt/popcnt, bswap (SDM Vol. 2 pages of each).

import { Mnemonic } from 'iced-x86';
import type { Core } from '../core';
import { Decoded, K } from '../decoded';
import { registerMnemonicHandlers } from '../dispatch';
import { loadSrc, loadSrc64, S } from './access';
import { AF, ARITH, CF, OF, SF, ZF } from './flags';

const enum Bt { Test, Set, Reset, Complement }

function bitOp(kind: Bt) {
  return (c: Core, d: Decoded): void => {
    const size = d.s0, bits = size * 8;
    let off: number;
    let addr = 0;
    if (d.k1 === K.Imm) off = d.imm & (bits - 1);
    else {
      // Register bit offset: with a memory operand it is a signed offset that may reach outside the
      // operand (SDM Vol. 2 BT "bit base/offset"); with a register operand it is taken modulo the size.
      const raw = size === 8 ? c.getGpr(d.r1) : BigInt(c.getReg(d.r1, size));
      const soff = BigInt.asIntN(bits, raw);
      if (d.k0 === K.Mem) {
        const byteDelta = (soff >> BigInt(Math.log2(bits))) * BigInt(size);
        addr = c.ea(d) + Number(byteDelta);
        off = Number(BigInt.asUintN(32, soff) & BigInt(bits - 1));
      } else off = Number(BigInt.asUintN(bits, soff) & BigInt(bits - 1));
    }
    if (d.k0 === K.Mem && d.k1 === K.Imm) addr = c.ea(d);
    let v: bigint;
    if (d.k0 === K.Mem) {
      if (kind !== Bt.Test) c.mmu.probeWrite(addr, size);
      v = size === 8 ? (() => { const lo = c.mmu.read64(addr); return (BigInt(c.mmu.hi) << 32n) | BigInt(lo); })() : BigInt(c.mmu.read(addr, size));
    } else v = size === 8 ? c.getGpr(d.r0) : BigInt(c.getReg(d.r0, size));
    const bit = (v >> BigInt(off)) & 1n;
    // CF = the bit; ZF unchanged; OF/SF/AF/PF undefined (left unchanged here).
    c.rflags = (c.rflags & ~CF) | Number(bit);
    if (kind === Bt.Test) return;
    const m = 1n << BigInt(off);
    const nv = kind === Bt.Set ? v | m : kind === Bt.Reset ? v & ~m : v ^ m;
    if (d.k0 === K.Mem) {
      if (size === 8) c.mmu.write64(addr, Number(nv & 0xffffffffn) | 0, Number(nv >> 32n) | 0);
      else c.mmu.write(addr, size, Number(nv));
    } else if (size === 8) c.setGpr(d.r0, nv);
    else c.setReg(d.r0, size, Number(nv));
  };
}

function src(c: Core, d: Decoded, size: number): bigint {
  if (size === 8) { const lo = loadSrc64(c, d, 1); return (BigInt(S.hi2) << 32n) | BigInt(lo); }
  return BigInt(loadSrc(c, d, 1, size));
}

function setDst(c: Core, d: Decoded, size: number, v: number): void {
  if (size === 8) c.setHalves(d.r0, v, 0);
  else c.setReg(d.r0, size, v);
}

function bitLength(v: bigint): number { return v === 0n ? 0 : v.toString(2).length; }

function bsf(c: Core, d: Decoded): void {
  const size = d.s0, v = src(c, d, size);
  // Source 0: ZF=1 and the destination keeps its value (what Intel and AMD CPUs do; SDM says undefined).
  // CF, OF, SF, AF, PF are undefined: left unchanged.
  if (v === 0n) { c.rflags |= ZF; return; }
  const idx = bitLength(v & -v) - 1;
  c.rflags &= ~ZF;
  setDst(c, d, size, idx);
}

function bsr(c: Core, d: Decoded): void {
  const size = d.s0, v = src(c, d, size);
  if (v === 0n) { c.rflags |= ZF; return; }
  const idx = bitLength(v) - 1;
  c.rflags &= ~ZF;
  setDst(c, d, size, idx);
}

function lzcnt(c: Core, d: Decoded): void {
  const size = d.s0, v = src(c, d, size), r = size * 8 - bitLength(v);
  // CF = source was zero, ZF = result is zero; OF, SF, PF, AF undefined (SDM Vol. 2 LZCNT).
  c.rflags = (c.rflags & ~(CF | ZF)) | (v === 0n ? CF : 0) | (r === 0 ? ZF : 0);
  setDst(c, d, size, r);
}

function tzcnt(c: Core, d: Decoded): void {
  const size = d.s0, v = src(c, d, size), r = v === 0n ? size * 8 : bitLength(v & -v) - 1;
  c.rflags = (c.rflags & ~(CF | ZF)) | (v === 0n ? CF : 0) | (r === 0 ? ZF : 0);
  setDst(c, d, size, r);
}

function popcnt(c: Core, d: Decoded): void {
  const size = d.s0, v = src(c, d, size);
  let n = 0;
  for (let x = v; x; x &= x - 1n) n++;
  // ZF = source zero; OF, SF, AF, CF, PF cleared (SDM Vol. 2 POPCNT).
  c.rflags = (c.rflags & ~(ARITH | AF | OF | SF)) | (v === 0n ? ZF : 0);
  setDst(c, d, size, n);
}

function bswap(c: Core, d: Decoded): void {
  const i = 2 * d.r0;
  const sw = (x: number) => (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) | 0;
  if (d.s0 === 8) { const lo = c.r[i], hi = c.r[i + 1]; c.r[i] = sw(hi); c.r[i + 1] = sw(lo); }
  else if (d.s0 === 4) { c.r[i] = sw(c.r[i]); c.r[i + 1] = 0; }
  else c.setReg(d.r0, 2, 0); // BSWAP r16 is undefined (SDM); real CPUs clear the low word.
}

registerMnemonicHandlers({
  [Mnemonic.Bt]: bitOp(Bt.Test),
  [Mnemonic.Bts]: bitOp(Bt.Set),
  [Mnemonic.Btr]: bitOp(Bt.Reset),
  [Mnemonic.Btc]: bitOp(Bt.Complement),
  [Mnemonic.Bsf]: bsf,
  [Mnemonic.Bsr]: bsr,
  [Mnemonic.Lzcnt]: lzcnt,
  [Mnemonic.Tzcnt]: tzcnt,
  [Mnemonic.Popcnt]: popcnt,
  [Mnemonic.Bswap]: bswap,
});
