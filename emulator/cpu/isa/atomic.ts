// cmpxchg, cmpxchg8b, cmpxchg16b and xadd (SDM Vol. 2 pages of each). Every instruction runs
// atomically with respect to the other cores (they are interleaved at instruction boundaries), so
// `lock` needs no extra work.

import { Mnemonic } from 'iced-x86';
import type { Core } from '../core';
import { Decoded, K } from '../decoded';
import { registerMnemonicHandlers } from '../dispatch';
import { GuestFault, Vec } from '../fault';
import { loadDst, loadDst64, S, storeDst, storeDst64 } from './access';
import { alu, alu64, Op } from './alu';
import { ZF } from './flags';

/**
 * CMPXCHG r/m, r: flags as CMP accumulator, dest. Equal: dest = src. Not equal: accumulator = dest.
 * The destination is written back in both cases (SDM Vol. 2 CMPXCHG: "the destination operand is
 * written back if the comparison fails"), so a read-only memory destination always faults.
 */
function cmpxchg(c: Core, d: Decoded): void {
  const size = d.s0;
  if (size === 8) {
    const dlo = loadDst64(c, d, true), dhi = S.hi;
    alu64(c, Op.Cmp, c.r[0] >>> 0, c.r[1] >>> 0, dlo, dhi);
    if (c.rflags & ZF) storeDst64(c, d, c.r[2 * d.r1], c.r[2 * d.r1 + 1]);
    else {
      if (d.k0 === K.Mem) storeDst64(c, d, dlo, dhi);
      c.setHalves(0, dlo, dhi);
    }
    return;
  }
  const dv = loadDst(c, d, size, true);
  alu(c, Op.Cmp, c.getReg(0, size), dv, size);
  if (c.rflags & ZF) storeDst(c, d, size, c.getReg(d.r1, size));
  else {
    if (d.k0 === K.Mem) storeDst(c, d, size, dv);
    c.setReg(0, size, dv);
  }
}

/** CMPXCHG8B m64 / CMPXCHG16B m128 (16B needs 16-byte alignment, else #GP(0)). */
function cmpxchgWide(c: Core, d: Decoded): void {
  const wide = d.mnemonic === Mnemonic.Cmpxchg16b;
  const addr = c.ea(d);
  if (wide && (addr & 15) !== 0) throw new GuestFault(Vec.GP, 0, 'fault', 'cmpxchg16b operand not 16-byte aligned');
  const n = wide ? 16 : 8;
  c.mmu.probeWrite(addr, n);
  if (!wide) {
    const lo = c.mmu.read64(addr), hi = c.mmu.hi;
    if ((lo | 0) === c.r[0] && (hi | 0) === c.r[4]) {
      c.rflags |= ZF;
      c.mmu.write64(addr, c.r[6], c.r[2]); // ECX:EBX
    } else {
      c.rflags &= ~ZF;
      c.mmu.write64(addr, lo, hi);
      c.setHalves(0, lo, 0); c.setHalves(2, hi, 0);
    }
    return;
  }
  const l0 = c.mmu.read64(addr), l1 = c.mmu.hi;
  const h0 = c.mmu.read64(addr + 8), h1 = c.mmu.hi;
  if ((l0 | 0) === c.r[0] && (l1 | 0) === c.r[1] && (h0 | 0) === c.r[4] && (h1 | 0) === c.r[5]) {
    c.rflags |= ZF;
    c.mmu.write64(addr, c.r[6], c.r[7]);      // RBX
    c.mmu.write64(addr + 8, c.r[2], c.r[3]);  // RCX
  } else {
    c.rflags &= ~ZF;
    c.mmu.write64(addr, l0, l1);
    c.mmu.write64(addr + 8, h0, h1);
    c.setHalves(0, l0, l1); c.setHalves(2, h0, h1);
  }
}

/** XADD r/m, r: temp = dest + src; src = dest; dest = temp (SDM Vol. 2 XADD). */
function xadd(c: Core, d: Decoded): void {
  const size = d.s0;
  if (size === 8) {
    const dlo = loadDst64(c, d, true), dhi = S.hi;
    const slo = c.r[2 * d.r1] >>> 0, shi = c.r[2 * d.r1 + 1] >>> 0;
    const lo = alu64(c, Op.Add, dlo, dhi, slo, shi);
    const hi = S.hi;
    c.setHalves(d.r1, dlo, dhi);
    storeDst64(c, d, lo, hi);
    return;
  }
  const dv = loadDst(c, d, size, true);
  const r = alu(c, Op.Add, dv, c.getReg(d.r1, size), size);
  c.setReg(d.r1, size, dv);
  storeDst(c, d, size, r);
}

registerMnemonicHandlers({
  [Mnemonic.Cmpxchg]: cmpxchg,
  [Mnemonic.Cmpxchg8b]: cmpxchgWide,
  [Mnemonic.Cmpxchg16b]: cmpxchgWide,
  [Mnemonic.Xadd]: xadd,
});
