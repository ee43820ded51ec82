// Debug registers DR0-DR7 as state: mov to/from DRn with the privilege, CR4.DE alias and reserved-bit
// checks, and DR6.BS for the single-step trap. Breakpoints programmed in DR7 do not fire (model limit,
// test/qemu/DIVERGENCES.md). Intel SDM Vol 2A "MOV—Move to/from Debug Registers", Vol 3A 17.2.

import { Code, Register } from 'iced-x86';
import type { Core } from '../core';
import type { Decoded } from '../decoded';
import { registerHandlers } from '../dispatch';
import { GuestFault, Vec, ud } from '../fault';
import { sysOf } from './state';

const CR4_DE = 8;
/** DR6 bits software can write: B0-B3, BD, BS, BT; the rest of [31:0] reads as 1 except bit 12 (SDM Vol 3A 17.2.3). */
const DR6_WRITABLE = 0xe00fn;
const DR6_ONES = 0xffff0ff0n;
/** DR7 bits software can write: L0-G3, LE, GE, RTM, GD, R/W and LEN fields; bit 10 reads as 1, 12/14/15 as 0 (SDM Vol 3A 17.2.4). */
const DR7_WRITABLE = 0xffff2bffn;
const DR7_ONES = 0x400n;
export const DR6_BS = 0x4000n;
const DR7_GD = 0x2000n;
const DR6_BD = 0x2000n;

/**
 * The architectural register number an access really reaches: DR4/DR5 alias DR6/DR7 when CR4.DE=0
 * and are #UD when CR4.DE=1; DR8-DR15 (REX.R) are #UD (SDM Vol 2A MOV DR, Vol 3A 17.2.2).
 */
function target(c: Core, reg: number, what: string): number {
  const n = reg - Register.DR0;
  if (c.cpl !== 0) throw new GuestFault(Vec.GP, 0, 'fault', `${what} dr${n} at CPL ${c.cpl} (needs 0)`);
  if (n > 7) throw ud(`dr${n} does not exist (SDM Vol 2A MOV DR: #UD)`);
  if (n === 4 || n === 5) {
    if (c.cr4 & CR4_DE) throw ud(`dr${n} with CR4.DE=1 (SDM Vol 2A MOV DR: #UD)`);
    return n + 2;
  }
  const s = sysOf(c);
  if (s.dr[7]! & DR7_GD) {
    // General detect: a #DB fault before the access, DR6.BD set and DR7.GD cleared so the handler can use the registers (SDM Vol 3A 17.2.4, 17.3.1.2).
    s.dr[6] = s.dr[6]! | DR6_BD;
    s.dr[7] = s.dr[7]! & ~DR7_GD;
    throw new GuestFault(Vec.DB, undefined, 'fault', `${what} dr${n} with DR7.GD=1 (general detect)`);
  }
  return n;
}

/** DRn as software reads it (n in 0-3, 6, 7). */
export function readDr(c: Core, n: number): bigint {
  const v = sysOf(c).dr[n] ?? 0n;
  if (n === 6) return (v & DR6_WRITABLE) | DR6_ONES;
  if (n === 7) return (v & DR7_WRITABLE) | DR7_ONES;
  return v;
}

/** Sets DR6.BS: the #DB was a single-step trap (SDM Vol 3A 17.2.3; the processor never clears DR6 itself). */
export function noteSingleStep(c: Core): void {
  const s = sysOf(c);
  s.dr[6] = s.dr[6]! | DR6_BS;
}

const movDrR = (c: Core, d: Decoded): void => {
  const n = target(c, d.x0, 'mov to');
  const v = BigInt.asUintN(64, c.getGpr(d.r1));
  // In 64-bit mode bits 63:32 of DR6 and DR7 are reserved: writing a 1 there is #GP(0) (SDM Vol 2A MOV DR).
  if ((n === 6 || n === 7) && v >> 32n) {
    throw new GuestFault(Vec.GP, 0, 'fault', `mov dr${n}: bits 63:32 are reserved (0x${v.toString(16)})`);
  }
  sysOf(c).dr[n] = v;
};

const movRDr = (c: Core, d: Decoded): void => {
  const n = target(c, d.x1, 'mov from');
  c.setGpr(d.r0, readDr(c, n));
};

registerHandlers({
  [Code.Mov_dr_r64]: movDrR,
  [Code.Mov_dr_r32]: movDrR,
  [Code.Mov_r64_dr]: movRDr,
  [Code.Mov_r32_dr]: movRDr,
});
