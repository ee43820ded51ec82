// The SSE moves kernels use for memcpy/memset: movdqu/movdqa/movups/movaps/movupd/movapd, movq,
// movd, pxor/xorps/xorpd (SDM Vol. 2 pages of each). Aligned forms need 16-byte alignment (#GP(0)).

import { Mnemonic } from 'iced-x86';
import type { Core } from '../core';
import { Decoded, K } from '../decoded';
import { registerMnemonicHandlers } from '../dispatch';
import { GuestFault, ud, Vec } from '../fault';

const CR0_EM = 1 << 2, CR0_TS = 1 << 3, CR4_OSFXSR = 1 << 9;

/**
 * #UD with CR0.EM=1 or CR4.OSFXSR=0 (the OS has not declared FXSAVE/SSE support), then #NM with
 * CR0.TS=1 (SDM Vol. 3A 2.5, 13.1.3 Table 13-1; Vol. 2 SSE exception classes, e.g. MOVDQU).
 */
function sseCheck(c: Core): void {
  if (c.cr0 & CR0_EM) throw ud('SSE instruction with CR0.EM=1');
  if (!(c.cr4 & CR4_OSFXSR)) throw ud('SSE instruction with CR4.OSFXSR=0 (set CR4 bit 9 first)');
  if (c.cr0 & CR0_TS) throw new GuestFault(Vec.NM, undefined, 'fault', 'SSE instruction with CR0.TS=1');
}

function load128(c: Core, d: Decoded, n: number, aligned: boolean, out: Int32Array): void {
  const k = n === 0 ? d.k0 : d.k1, r = n === 0 ? d.r0 : d.r1;
  if (k === K.Xmm) { out.set(c.xmm.subarray(4 * r, 4 * r + 4)); return; }
  const a = c.ea(d);
  if (aligned && (a & 15)) throw new GuestFault(Vec.GP, 0, 'fault', 'misaligned 16-byte SSE access');
  out[0] = c.mmu.read64(a); out[1] = c.mmu.hi;
  out[2] = c.mmu.read64(a + 8); out[3] = c.mmu.hi;
}

function store128(c: Core, d: Decoded, aligned: boolean, v: Int32Array): void {
  if (d.k0 === K.Xmm) { c.xmm.set(v, 4 * d.r0); return; }
  const a = c.ea(d);
  if (aligned && (a & 15)) throw new GuestFault(Vec.GP, 0, 'fault', 'misaligned 16-byte SSE access');
  c.mmu.probeWrite(a, 16);
  c.mmu.write64(a, v[0], v[1]);
  c.mmu.write64(a + 8, v[2], v[3]);
}

const tmp = new Int32Array(4);
const tmp2 = new Int32Array(4);

function mov128(aligned: boolean) {
  return (c: Core, d: Decoded): void => {
    sseCheck(c);
    load128(c, d, 1, aligned, tmp);
    store128(c, d, aligned, tmp);
  };
}

function pxor(c: Core, d: Decoded): void {
  sseCheck(c);
  if (d.k0 !== K.Xmm) throw ud('MMX registers are not implemented by the emulator');
  // pxor/xorps/xorpd m128 need alignment in their legacy-SSE encoding (SDM Vol. 1 11.6.7).
  load128(c, d, 1, true, tmp);
  const b = 4 * d.r0;
  for (let i = 0; i < 4; i++) c.xmm[b + i] ^= tmp[i];
}

/** MOVQ / MOVD between xmm, GPRs and memory; loads into xmm zero the rest of the register. */
function movqd(c: Core, d: Decoded): void {
  sseCheck(c);
  const size = d.mnemonic === Mnemonic.Movd ? 4 : 8;
  if (d.k0 === K.Xmm) {
    tmp2.fill(0);
    if (d.k1 === K.Xmm) { tmp2[0] = c.xmm[4 * d.r1]; if (size === 8) tmp2[1] = c.xmm[4 * d.r1 + 1]; }
    else if (d.k1 === K.Gpr) { tmp2[0] = c.r[2 * d.r1]; if (size === 8) tmp2[1] = c.r[2 * d.r1 + 1]; }
    else if (d.k1 === K.Mem) {
      const a = c.ea(d);
      if (size === 8) { tmp2[0] = c.mmu.read64(a); tmp2[1] = c.mmu.hi; } else tmp2[0] = c.mmu.read32(a);
    } else throw ud('MMX registers are not implemented by the emulator');
    c.xmm.set(tmp2, 4 * d.r0);
    return;
  }
  if (d.k1 !== K.Xmm) throw ud('MMX registers are not implemented by the emulator');
  const lo = c.xmm[4 * d.r1], hi = c.xmm[4 * d.r1 + 1];
  if (d.k0 === K.Gpr) { if (size === 8) c.setHalves(d.r0, lo, hi); else c.setHalves(d.r0, lo, 0); }
  else if (d.k0 === K.Mem) { const a = c.ea(d); if (size === 8) c.mmu.write64(a, lo, hi); else c.mmu.write32(a, lo); }
  else throw ud('MMX registers are not implemented by the emulator');
}

registerMnemonicHandlers({
  [Mnemonic.Movdqu]: mov128(false),
  [Mnemonic.Movups]: mov128(false),
  [Mnemonic.Movupd]: mov128(false),
  [Mnemonic.Movdqa]: mov128(true),
  [Mnemonic.Movaps]: mov128(true),
  [Mnemonic.Movapd]: mov128(true),
  [Mnemonic.Pxor]: pxor,
  [Mnemonic.Xorps]: pxor,
  [Mnemonic.Xorpd]: pxor,
  [Mnemonic.Movq]: movqd,
  [Mnemonic.Movd]: movqd,
});
