// String instructions movs/stos/lods/cmps/scas with rep/repe/repne and DF (SDM Vol. 2 pages of
// each, "REP/REPE/REPZ/REPNE/REPNZ"). A rep instruction runs in chunks and re-executes itself,
// so interrupts and the budget are honoured between iterations (SDM Vol. 2 REP: interruptible).

import { Code, Mnemonic } from 'iced-x86';
import type { Core } from '../core';
import type { Decoded } from '../decoded';
import { registerHandlers, registerMnemonicHandlers } from '../dispatch';
import { alu, alu64, Op } from './alu';
import { DF, ZF } from './flags';

const CHUNK = 4096;
const TWO32 = 4294967296;

const enum Str { Movs, Stos, Lods, Cmps, Scas }

/** Read a pointer register (RSI/RDI/RCX) honouring the address size. */
function ptr(c: Core, i: number, asz: number): number {
  return asz === 4 ? c.r[2 * i] >>> 0 : c.getAddr(i);
}
function setPtr(c: Core, i: number, asz: number, v: number): void {
  if (asz === 4) c.setHalves(i, v >>> 0, 0);
  else {
    // Wrap modulo 2**64 (a pointer may step past either end of the canonical range).
    const hi = Math.floor(v / TWO32);
    c.setHalves(i, (v - hi * TWO32) | 0, hi | 0);
  }
}

function canon(c: Core, a: number): number {
  if (a < -140737488355328 || a >= 140737488355328) {
    // Reuse the EA check for the precise fault (#GP(0)).
    return c.canonical(a >>> 0, Math.floor(a / TWO32) | 0);
  }
  return a;
}

function stringOp(kind: Str, size: number) {
  return (c: Core, d: Decoded): void => {
    const asz = d.asz;
    const step = c.rflags & DF ? -size : size;
    const srcBase = d.mseg >= 0 ? c.seg[d.mseg].base : 0;
    const rep = d.rep;
    let n = rep ? CHUNK : 1;
    while (n-- > 0) {
      if (rep) {
        const cnt = asz === 4 ? c.r[2] : c.r[2] | c.r[3];
        if (cnt === 0) return;
      }
      const si = ptr(c, 6, asz), di = ptr(c, 7, asz);
      switch (kind) {
        case Str.Movs: {
          const s = canon(c, si + srcBase), t = canon(c, di);
          if (size === 8) { const lo = c.mmu.read64(s); c.mmu.write64(t, lo, c.mmu.hi); }
          else c.mmu.write(t, size, c.mmu.read(s, size));
          setPtr(c, 6, asz, si + step); setPtr(c, 7, asz, di + step);
          break;
        }
        case Str.Stos: {
          const t = canon(c, di);
          if (size === 8) c.mmu.write64(t, c.r[0], c.r[1]); else c.mmu.write(t, size, c.getReg(0, size));
          setPtr(c, 7, asz, di + step);
          break;
        }
        case Str.Lods: {
          const s = canon(c, si + srcBase);
          if (size === 8) { const lo = c.mmu.read64(s); c.setHalves(0, lo, c.mmu.hi); }
          else c.setReg(0, size, c.mmu.read(s, size));
          setPtr(c, 6, asz, si + step);
          break;
        }
        case Str.Cmps: {
          // Compares [rsi] with [rdi]: flags of src - dst (SDM Vol. 2 CMPS).
          const s = canon(c, si + srcBase), t = canon(c, di);
          if (size === 8) {
            const alo = c.mmu.read64(s), ahi = c.mmu.hi;
            const blo = c.mmu.read64(t);
            alu64(c, Op.Cmp, alo, ahi, blo, c.mmu.hi);
          } else alu(c, Op.Cmp, c.mmu.read(s, size), c.mmu.read(t, size), size);
          setPtr(c, 6, asz, si + step); setPtr(c, 7, asz, di + step);
          break;
        }
        default: {
          const t = canon(c, di);
          if (size === 8) { const blo = c.mmu.read64(t); alu64(c, Op.Cmp, c.r[0] >>> 0, c.r[1] >>> 0, blo, c.mmu.hi); }
          else alu(c, Op.Cmp, c.getReg(0, size), c.mmu.read(t, size), size);
          setPtr(c, 7, asz, di + step);
        }
      }
      if (!rep) return;
      // Decrement rCX after the iteration.
      if (asz === 4) c.setHalves(1, ((c.r[2] >>> 0) - 1) >>> 0, 0);
      else { const lo = (c.r[2] - 1) | 0; if (lo === -1) c.r[3] = (c.r[3] - 1) | 0; c.r[2] = lo; }
      if (kind === Str.Cmps || kind === Str.Scas) {
        const zf = (c.rflags & ZF) !== 0;
        if (rep === 1 ? !zf : zf) return;
      }
    }
    // Chunk used up with work left: execute this instruction again.
    const left = asz === 4 ? c.r[2] : c.r[2] | c.r[3];
    if (left !== 0) c.nextRip = d.ip;
  };
}

const h = (k: Str, s: number) => stringOp(k, s);
registerMnemonicHandlers({
  [Mnemonic.Movsb]: h(Str.Movs, 1), [Mnemonic.Movsw]: h(Str.Movs, 2), [Mnemonic.Movsq]: h(Str.Movs, 8),
  [Mnemonic.Stosb]: h(Str.Stos, 1), [Mnemonic.Stosw]: h(Str.Stos, 2), [Mnemonic.Stosd]: h(Str.Stos, 4), [Mnemonic.Stosq]: h(Str.Stos, 8),
  [Mnemonic.Lodsb]: h(Str.Lods, 1), [Mnemonic.Lodsw]: h(Str.Lods, 2), [Mnemonic.Lodsd]: h(Str.Lods, 4), [Mnemonic.Lodsq]: h(Str.Lods, 8),
  [Mnemonic.Cmpsb]: h(Str.Cmps, 1), [Mnemonic.Cmpsw]: h(Str.Cmps, 2), [Mnemonic.Cmpsq]: h(Str.Cmps, 8),
  [Mnemonic.Scasb]: h(Str.Scas, 1), [Mnemonic.Scasw]: h(Str.Scas, 2), [Mnemonic.Scasd]: h(Str.Scas, 4), [Mnemonic.Scasq]: h(Str.Scas, 8),
});
// movsd/cmpsd share their mnemonic with the SSE instructions: register the string forms by Code.
registerHandlers({
  [Code.Movsd_m32_m32]: h(Str.Movs, 4),
  [Code.Cmpsd_m32_m32]: h(Str.Cmps, 4),
});
