// Near control flow: jcc/jmp/call/ret/loop/loopcc/jrcxz/enter/leave, direct and indirect
// (SDM Vol. 2 pages of each; 64-bit mode operand size is 64 bits for near branches).

import { Mnemonic } from 'iced-x86';
import type { Core } from '../core';
import { Decoded, K } from '../decoded';
import { registerMnemonicHandlers } from '../dispatch';
import { GuestFault, ud, Vec } from '../fault';
import { loadSrc64, S } from './access';
import { cond, ZF } from './flags';

const TWO32 = 4294967296;
const CANON = 140737488355328;

function pushAddr(c: Core, a: number): void {
  const hi = Math.floor(a / TWO32);
  c.push64((a - hi * TWO32) | 0, hi | 0);
}

function checkTarget(t: number): number {
  if (t < -CANON || t >= CANON) throw new GuestFault(Vec.GP, 0, 'fault', 'branch to a non-canonical address');
  return t;
}

function jcc(c: Core, d: Decoded): void {
  if (cond(c, d.cc)) c.nextRip = d.target;
}

/** Indirect target from operand 0 (r/m64). */
function indirect(c: Core, d: Decoded): number {
  // Far forms (m16:32 / m16:64) share the mnemonic; they are not near branches.
  if (d.k0 === K.Mem && d.s0 !== 8) throw ud('far jmp/call through memory is not implemented by the emulator');
  const lo = loadSrc64(c, d, 0);
  return c.canonical(lo, S.hi2, 'branch target');
}

function jmp(c: Core, d: Decoded): void {
  c.nextRip = d.k0 === K.Branch ? checkTarget(d.target) : indirect(c, d);
}

function call(c: Core, d: Decoded): void {
  const t = d.k0 === K.Branch ? checkTarget(d.target) : indirect(c, d);
  pushAddr(c, d.next);
  c.nextRip = t;
}

function ret(c: Core, d: Decoded): void {
  const oldLo = c.r[8], oldHi = c.r[9];
  const lo = c.pop64();
  try {
    c.nextRip = c.canonical(lo, c.mmu.hi, 'return address');
  } catch (e) {
    c.r[8] = oldLo; c.r[9] = oldHi;
    throw e;
  }
  if (d.k0 === K.Imm) c.setAddr(4, c.getAddr(4) + (d.imm & 0xffff));
}

/** loop/loope/loopne: decrement rCX (RCX, or ECX with 0x67) without touching flags. */
function loop(c: Core, d: Decoded): void {
  let nz: boolean;
  if (d.asz === 4 || d.s1 === 4) {
    const v = ((c.r[2] >>> 0) - 1) >>> 0;
    c.setHalves(1, v, 0);
    nz = v !== 0;
  } else {
    const lo = (c.r[2] - 1) | 0;
    if (lo === -1) c.r[3] = (c.r[3] - 1) | 0;
    c.r[2] = lo;
    nz = (lo | c.r[3]) !== 0;
  }
  const m = d.mnemonic;
  const take = m === Mnemonic.Loop ? nz : m === Mnemonic.Loope ? nz && (c.rflags & ZF) !== 0 : nz && (c.rflags & ZF) === 0;
  if (take) c.nextRip = d.target;
}

function jrcxz(c: Core, d: Decoded): void {
  const zero = d.mnemonic === Mnemonic.Jecxz ? c.r[2] === 0 : (c.r[2] | c.r[3]) === 0;
  if (zero) c.nextRip = d.target;
}

/** ENTER imm16, imm8 (SDM Vol. 2 ENTER), 64-bit stack. */
function enter(c: Core, d: Decoded): void {
  const size = d.imm & 0xffff;
  const level = d.imm2 & 31;
  const rbpLo = c.r[10], rbpHi = c.r[11];
  const oldSp = c.r.slice(8, 12);
  try {
    c.push64(rbpLo, rbpHi);
    const frame = c.getAddr(4);
    let bp = c.getAddr(5);
    for (let i = 1; i < level; i++) {
      bp -= 8;
      const lo = c.mmu.read64(bp);
      c.push64(lo, c.mmu.hi);
    }
    if (level > 0) pushAddr(c, frame);
    const newSp = c.getAddr(4) - size;
    c.mmu.probeWrite(newSp, 1); // the new stack top must be writable (#SS/#PF as on hardware)
    c.setAddr(5, frame);
    c.setAddr(4, newSp);
  } catch (e) {
    c.r.set(oldSp, 8);
    throw e;
  }
}

/** LEAVE: RSP = RBP; RBP = pop (SDM Vol. 2 LEAVE). */
function leave(c: Core): void {
  const sp = c.canonicalStack(c.r[10], c.r[11], 0);
  const lo = c.mmu.read64(sp);
  c.setHalves(5, lo, c.mmu.hi);
  c.setAddr(4, sp + 8);
}

const table: Record<number, (c: Core, d: Decoded) => void> = {
  [Mnemonic.Jmp]: jmp,
  [Mnemonic.Call]: call,
  [Mnemonic.Ret]: ret,
  [Mnemonic.Loop]: loop,
  [Mnemonic.Loope]: loop,
  [Mnemonic.Loopne]: loop,
  [Mnemonic.Jrcxz]: jrcxz,
  [Mnemonic.Jecxz]: jrcxz,
  [Mnemonic.Enter]: enter,
  [Mnemonic.Leave]: leave,
};
const M = Mnemonic as unknown as Record<string, number>;
for (const cc of ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g']) table[M['J' + cc]] = jcc;
registerMnemonicHandlers(table);
