// Data movement: mov/movzx/movsx/movsxd/lea/xchg/cmovcc/setcc/push/pop/pushfq/popfq,
// sign extensions (cbw...cqo), lahf/sahf, flag bit instructions, xlatb (SDM Vol. 2 pages of each).

import { Mnemonic } from 'iced-x86';
import { Core, RFLAGS } from '../core';
import { Decoded, K, MB_RIP } from '../decoded';
import { registerMnemonicHandlers } from '../dispatch';
import { ud } from '../fault';
import { loadSrc, loadSrc64, S, writeDst, writeDst64 } from './access';
import { cond, CF, DF } from './flags';

const TWO32 = 4294967296;

function mov(c: Core, d: Decoded): void {
  if (d.k0 === K.Seg || d.k0 === K.Other || d.k1 === K.Other) {
    throw ud(`mov to/from ${d.k0 === K.Seg ? 'a segment register' : 'a control/debug register'} is not implemented by the emulator`);
  }
  if (d.k1 === K.Seg) {
    // mov r/m, Sreg: a register destination gets the selector zero-extended (SDM Vol. 2 MOV).
    const sel = c.seg[d.r1].selector & 0xffff;
    if (d.k0 === K.Gpr) { if (d.s0 === 2) c.setReg(d.r0, 2, sel); else c.setHalves(d.r0, sel, 0); }
    else writeDst(c, d, 2, sel);
    return;
  }
  const size = d.s0;
  if (size === 8) {
    const lo = loadSrc64(c, d, 1);
    writeDst64(c, d, lo, S.hi2);
  } else {
    writeDst(c, d, size, loadSrc(c, d, 1, size));
  }
}

function movzx(c: Core, d: Decoded): void {
  const v = loadSrc(c, d, 1, d.s1);
  if (d.s0 === 8) c.setHalves(d.r0, v, 0); else c.setReg(d.r0, d.s0, v);
}

function movsx(c: Core, d: Decoded): void {
  const s = d.s1;
  let v = loadSrc(c, d, 1, s);
  v = s === 1 ? (v << 24) >> 24 : s === 2 ? (v << 16) >> 16 : v | 0;
  if (d.s0 === 8) c.setHalves(d.r0, v, v < 0 ? -1 : 0);
  else c.setReg(d.r0, d.s0, v >>> 0);
}

/** LEA: the effective address (no segment base), truncated to the operand size (SDM Vol. 2 LEA). */
function lea(c: Core, d: Decoded): void {
  const r = c.r;
  const size = d.s0;
  if (size !== 8 || d.asz === 4) {
    let a = d.mb === MB_RIP ? d.md : d.md + (d.mb >= 0 ? r[2 * d.mb] >>> 0 : 0);
    if (d.mi >= 0) a += (r[2 * d.mi] >>> 0) * d.ms;
    if (d.asz === 4 || size === 4) a = a >>> 0;
    if (size === 8) c.setHalves(d.r0, a, 0);
    else c.setReg(d.r0, size, a >>> 0);
    return;
  }
  let a = d.md;
  let exact = true;
  if (d.mb >= 0) { const h = r[2 * d.mb + 1]; if (h > 0xffff || h < -0x10000) exact = false; a += h * TWO32 + (r[2 * d.mb] >>> 0); }
  if (d.mi >= 0) { const h = r[2 * d.mi + 1]; if (h > 0xffff || h < -0x10000) exact = false; a += (h * TWO32 + (r[2 * d.mi] >>> 0)) * d.ms; }
  if (exact) { c.setAddr(d.r0, a); return; }
  let b = BigInt(d.md);
  if (d.mb >= 0) b += c.getGpr(d.mb);
  if (d.mi >= 0) b += c.getGpr(d.mi) * BigInt(d.ms);
  c.setGpr(d.r0, BigInt.asUintN(64, b));
}

function xchg(c: Core, d: Decoded): void {
  const size = d.s0;
  if (d.k0 === K.Mem || d.k1 === K.Mem) {
    // One operand in memory (implicitly locked): swap with the register.
    const memFirst = d.k0 === K.Mem;
    const reg = memFirst ? d.r1 : d.r0;
    const addr = c.ea(d);
    c.mmu.probeWrite(addr, size);
    if (size === 8) {
      const lo = c.mmu.read64(addr), hi = c.mmu.hi;
      c.mmu.write64(addr, c.r[2 * reg], c.r[2 * reg + 1]);
      c.setHalves(reg, lo, hi);
    } else {
      const m = c.mmu.read(addr, size);
      c.mmu.write(addr, size, c.getReg(reg, size));
      c.setReg(reg, size, m);
    }
    return;
  }
  if (size === 8) {
    const a = d.r0, b = d.r1;
    const lo = c.r[2 * a], hi = c.r[2 * a + 1];
    c.r[2 * a] = c.r[2 * b]; c.r[2 * a + 1] = c.r[2 * b + 1];
    c.r[2 * b] = lo; c.r[2 * b + 1] = hi;
    return;
  }
  const x = c.getReg(d.r0, size), y = c.getReg(d.r1, size);
  c.setReg(d.r0, size, y);
  c.setReg(d.r1, size, x);
}

function cmov(c: Core, d: Decoded): void {
  // The source is read (and may fault) even when the condition is false; a 32-bit destination is
  // zero-extended either way (SDM Vol. 2 CMOVcc, Vol. 1 3.4.1.1).
  const size = d.s0;
  if (size === 8) {
    const lo = loadSrc64(c, d, 1);
    if (cond(c, d.cc)) c.setHalves(d.r0, lo, S.hi2);
    return;
  }
  const v = loadSrc(c, d, 1, size);
  if (cond(c, d.cc)) c.setReg(d.r0, size, v);
  else if (size === 4) c.r[2 * d.r0 + 1] = 0;
}

function setcc(c: Core, d: Decoded): void {
  writeDst(c, d, 1, cond(c, d.cc) ? 1 : 0);
}

function push(c: Core, d: Decoded): void {
  if (d.k0 === K.Seg) { c.push64(c.seg[d.r0].selector & 0xffff, 0); return; }
  if (d.s0 === 2) {
    const v = loadSrc(c, d, 0, 2);
    const sp = c.canonicalStack(c.r[8], c.r[9], -2);
    c.mmu.write16(sp, v);
    c.setAddr(4, sp);
    return;
  }
  const lo = loadSrc64(c, d, 0);
  c.push64(lo, S.hi2);
}

function pop(c: Core, d: Decoded): void {
  if (d.k0 === K.Seg) throw ud('pop to a segment register is not implemented by the emulator');
  if (d.s0 === 2) {
    const sp = c.canonicalStack(c.r[8], c.r[9], 0);
    const v = c.mmu.read16(sp);
    c.setAddr(4, sp + 2);
    writeDst(c, d, 2, v);
    return;
  }
  // pop [rsp+x] uses RSP after the increment for the address (SDM Vol. 2 POP).
  const sp = c.canonicalStack(c.r[8], c.r[9], 0);
  const lo = c.mmu.read64(sp), hi = c.mmu.hi;
  const oldLo = c.r[8], oldHi = c.r[9];
  c.setAddr(4, sp + 8);
  try {
    writeDst64(c, d, lo, hi);
  } catch (e) {
    c.r[8] = oldLo; c.r[9] = oldHi;
    throw e;
  }
}

/** PUSHFQ pushes RFLAGS with VM and RF cleared (SDM Vol. 2 PUSHF). */
function pushfq(c: Core, d: Decoded): void {
  const f = c.rflags & ~(RFLAGS.VM | RFLAGS.RF);
  if (d.code && d.s0 === 2) {
    const sp = c.canonicalStack(c.r[8], c.r[9], -2);
    c.mmu.write16(sp, f & 0xffff);
    c.setAddr(4, sp);
    return;
  }
  c.push64(f, 0);
}

/**
 * POPFQ (SDM Vol. 2 POPF, 64-bit mode): VM, VIF, VIP and RF are not loaded; IOPL changes only at
 * CPL 0; IF only when CPL <= IOPL.
 */
function popfq(c: Core, d: Decoded): void {
  const size = d.mnemonic === Mnemonic.Popf ? 2 : 8;
  const sp = c.canonicalStack(c.r[8], c.r[9], 0);
  let v = size === 2 ? c.mmu.read16(sp) | (c.rflags & 0xffff0000) : c.mmu.read64(sp);
  c.setAddr(4, sp + size);
  let changeable = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | RFLAGS.NT | RFLAGS.AC | RFLAGS.ID;
  const iopl = (c.rflags >> 12) & 3;
  if (c.cpl === 0) changeable |= RFLAGS.IOPL;
  if (c.cpl <= iopl) changeable |= RFLAGS.IF;
  v = (c.rflags & ~changeable) | (v & changeable);
  c.setRflags(v & ~RFLAGS.RF);
}

function signExtendAcc(c: Core, d: Decoded): void {
  switch (d.mnemonic) {
    case Mnemonic.Cbw: c.setReg(0, 2, ((c.r[0] << 24) >> 24) & 0xffff); break;
    case Mnemonic.Cwde: c.setReg(0, 4, ((c.r[0] << 16) >> 16) >>> 0); break;
    case Mnemonic.Cdqe: c.r[1] = c.r[0] < 0 ? -1 : 0; break;
    case Mnemonic.Cwd: c.setReg(2, 2, (c.r[0] & 0x8000) ? 0xffff : 0); break;
    case Mnemonic.Cdq: c.setReg(2, 4, c.r[0] < 0 ? 0xffffffff : 0); break;
    default: { const s = c.r[1] < 0 ? -1 : 0; c.r[4] = s; c.r[5] = s; } // cqo
  }
}

/** LAHF/SAHF: AH <-> SF:ZF:0:AF:0:PF:1:CF (SDM Vol. 2 LAHF, SAHF). */
function lahf(c: Core): void { c.setReg(16, 1, (c.rflags & 0xd5) | 2); }
function sahf(c: Core): void { c.rflags = (c.rflags & ~0xd5) | (c.getReg(16, 1) & 0xd5); }

function xlat(c: Core, d: Decoded): void {
  let a = c.getAddr(3) + (c.r[0] & 0xff);
  if (d.mseg >= 0) a += c.seg[d.mseg].base;
  c.setReg(0, 1, c.mmu.read8(a));
}

registerMnemonicHandlers({
  [Mnemonic.Mov]: mov,
  [Mnemonic.Movnti]: mov, // a non-temporal hint only
  [Mnemonic.Movzx]: movzx,
  [Mnemonic.Movsx]: movsx,
  [Mnemonic.Movsxd]: movsx,
  [Mnemonic.Lea]: lea,
  [Mnemonic.Xchg]: xchg,
  [Mnemonic.Push]: push,
  [Mnemonic.Pop]: pop,
  [Mnemonic.Pushfq]: pushfq,
  [Mnemonic.Pushf]: pushfq,
  [Mnemonic.Popfq]: popfq,
  [Mnemonic.Popf]: popfq,
  [Mnemonic.Cbw]: signExtendAcc, [Mnemonic.Cwde]: signExtendAcc, [Mnemonic.Cdqe]: signExtendAcc,
  [Mnemonic.Cwd]: signExtendAcc, [Mnemonic.Cdq]: signExtendAcc, [Mnemonic.Cqo]: signExtendAcc,
  [Mnemonic.Lahf]: lahf,
  [Mnemonic.Sahf]: sahf,
  [Mnemonic.Clc]: (c) => { c.rflags &= ~CF; },
  [Mnemonic.Stc]: (c) => { c.rflags |= CF; },
  [Mnemonic.Cmc]: (c) => { c.rflags ^= CF; },
  [Mnemonic.Cld]: (c) => { c.rflags &= ~DF; },
  [Mnemonic.Std]: (c) => { c.rflags |= DF; },
  [Mnemonic.Xlatb]: xlat,
});

const CC_MNEMONICS: Record<string, (c: Core, d: Decoded) => void> = {};
for (const cc of ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g']) {
  const m = Mnemonic as unknown as Record<string, number>;
  CC_MNEMONICS[m['Cmov' + cc]] = cmov;
  CC_MNEMONICS[m['Set' + cc]] = setcc;
}
registerMnemonicHandlers(CC_MNEMONICS as unknown as Record<number, (c: Core, d: Decoded) => void>);
