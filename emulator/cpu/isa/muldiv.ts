// mul/imul (one, two and three operands) and div/idiv with #DE (SDM Vol. 2 MUL, IMUL, DIV, IDIV).

import { Mnemonic } from 'iced-x86';
import type { Core } from '../core';
import type { Decoded } from '../decoded';
import { registerMnemonicHandlers } from '../dispatch';
import { GuestFault, Vec } from '../fault';
import { loadSrc, loadSrc64, S } from './access';
import { ARITH, CF, OF, PARITY, SF, ZF } from './flags';

function big(lo: number, hi: number): bigint { return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0); }
function setBig(c: Core, i: number, v: bigint): void { c.setGpr(i, BigInt.asUintN(64, v)); }

/** Source operand (operand `n`) as a bigint of `size` bytes, unsigned. */
function srcBig(c: Core, d: Decoded, n: number, size: number): bigint {
  if (size === 8) { const lo = loadSrc64(c, d, n); return big(lo, S.hi2); }
  return BigInt(loadSrc(c, d, n, size));
}

/**
 * MUL/IMUL define only CF and OF; SF, ZF, AF, PF are undefined. We set SF/ZF/PF from the low
 * result the way many implementations do and clear AF; tests mask them.
 */
function mulFlags(c: Core, overflow: boolean, low: bigint, bits: number): void {
  const lowN = Number(low & 0xffn);
  const sign = (low >> BigInt(bits - 1)) & 1n;
  c.rflags = (c.rflags & ~ARITH) | (overflow ? CF | OF : 0) | (sign ? SF : 0) |
    (BigInt.asUintN(bits, low) === 0n ? ZF : 0) | PARITY[lowN];
}

const REG_A = 0, REG_D = 2;

function readAcc(c: Core, size: number): bigint {
  return size === 8 ? c.getGpr(REG_A) : BigInt(c.getReg(REG_A, size));
}

/** Store a double-width product: AX for bytes, else rDX:rAX. */
function storeWide(c: Core, size: number, v: bigint): void {
  const bits = BigInt(size * 8);
  const mask = (1n << bits) - 1n;
  if (size === 1) { c.setReg(REG_A, 2, Number(v & 0xffffn)); return; }
  if (size === 8) { setBig(c, REG_A, v & mask); setBig(c, REG_D, (v >> bits) & mask); return; }
  c.setReg(REG_A, size, Number(v & mask));
  c.setReg(REG_D, size, Number((v >> bits) & mask));
}

function mul(c: Core, d: Decoded): void {
  const size = d.s0, bits = size * 8;
  const p = readAcc(c, size) * srcBig(c, d, 0, size);
  storeWide(c, size, p);
  mulFlags(c, (p >> BigInt(bits)) !== 0n, p, bits);
}

function imul(c: Core, d: Decoded): void {
  const size = d.s0, bits = size * 8;
  if (d.nops === 1) {
    const p = BigInt.asIntN(bits, readAcc(c, size)) * BigInt.asIntN(bits, srcBig(c, d, 0, size));
    storeWide(c, size, BigInt.asUintN(bits * 2, p));
    mulFlags(c, BigInt.asIntN(bits, p) !== p, p, bits);
    return;
  }
  // Two-operand form multiplies dst by src; three-operand form is src * imm (SDM Vol. 2 IMUL).
  const a = d.nops === 2 ? srcBig(c, d, 0, size) : srcBig(c, d, 1, size);
  const b = d.nops === 2 ? srcBig(c, d, 1, size) : srcBig(c, d, 2, size);
  const p = BigInt.asIntN(bits, a) * BigInt.asIntN(bits, b);
  const r = BigInt.asUintN(bits, p);
  if (size === 8) setBig(c, d.r0, r); else c.setReg(d.r0, size, Number(r));
  mulFlags(c, BigInt.asIntN(bits, p) !== p, r, bits);
}

function de(why: string): GuestFault { return new GuestFault(Vec.DE, undefined, 'fault', why); }

function div(c: Core, d: Decoded): void {
  const size = d.s0, bits = BigInt(size * 8);
  const divisor = srcBig(c, d, 0, size);
  if (divisor === 0n) throw de('division by zero');
  const dividend = size === 1 ? BigInt(c.getReg(REG_A, 2)) : (readD(c, size) << bits) | readAcc(c, size);
  const q = dividend / divisor, r = dividend % divisor;
  if (q >> bits !== 0n) throw de('quotient too large');
  storeQR(c, size, q, r);
}

function idiv(c: Core, d: Decoded): void {
  const size = d.s0, nb = size * 8, bits = BigInt(nb);
  const divisor = BigInt.asIntN(nb, srcBig(c, d, 0, size));
  if (divisor === 0n) throw de('division by zero');
  const raw = size === 1 ? BigInt(c.getReg(REG_A, 2)) : (readD(c, size) << bits) | readAcc(c, size);
  const dividend = BigInt.asIntN(nb * 2, raw);
  const q = dividend / divisor, r = dividend % divisor; // truncation toward zero, remainder has the dividend's sign
  if (BigInt.asIntN(nb, q) !== q) throw de('quotient too large');
  storeQR(c, size, BigInt.asUintN(nb, q), BigInt.asUintN(nb, r));
}

function readD(c: Core, size: number): bigint {
  return size === 8 ? c.getGpr(REG_D) : BigInt(c.getReg(REG_D, size));
}

function storeQR(c: Core, size: number, q: bigint, r: bigint): void {
  if (size === 1) { c.setReg(REG_A, 1, Number(q)); c.setReg(16, 1, Number(r)); return; } // AL, AH
  if (size === 8) { setBig(c, REG_A, q); setBig(c, REG_D, r); return; }
  c.setReg(REG_A, size, Number(q));
  c.setReg(REG_D, size, Number(r));
}

registerMnemonicHandlers({
  [Mnemonic.Mul]: mul,
  [Mnemonic.Imul]: imul,
  [Mnemonic.Div]: div,
  [Mnemonic.Idiv]: idiv,
});
