// Privilege-changing control transfers: syscall, sysret, iretq, far return, int n / into
// (int3/int1 are in isa/misc.ts; the gate DPL check is in deliver.ts), plus the call/ret hooks that keep the debugger's shadow call stack.
// Intel SDM Vol 2B SYSCALL, SYSRET; Vol 2A IRET/IRETD/IRETQ, INT n/INTO/INT3/INT1, RET (far).

import { Code, Mnemonic } from 'iced-x86';
import type { Core, SegmentState } from '../core';
import { RFLAGS, Seg } from '../core';
import type { Decoded, Handler } from '../decoded';
import { lookupHandler, registerHandlers } from '../dispatch';
import { GuestFault, Vec, ud } from '../fault';
import { MSR } from '../../machine/msr';
import { isNullSelector, type SegmentDescriptor } from '../../machine/descriptors';
import { readMsr } from './msr-insns';
import { readDescriptor, segmentFromDescriptor, selErr, nullSegment } from './segments';
import { emitGs, noteIf, sysOf, u64 } from './state';

const EFER_SCE = 1;
/** iretq and sysret leave the kernel however it was entered (Linux returns from some syscalls with iretq). */
const RETURN_KINDS = ['interrupt', 'exception', 'syscall'] as const;
const CANON = 2 ** 47;

/** The flat 64-bit code segment SYSCALL/SYSRET load without reading the GDT (SDM Vol 2B SYSCALL). */
function flatCode(selector: number, dpl: number, long: boolean): SegmentState {
  return {
    selector, base: 0, limit: 0xffffffff, type: 11, s: true, dpl, p: true, avl: false,
    l: long, db: !long, g: true, unusable: false,
  };
}

function flatData(selector: number, dpl: number): SegmentState {
  return {
    selector, base: 0, limit: 0xffffffff, type: 3, s: true, dpl, p: true, avl: false,
    l: false, db: true, g: true, unusable: false,
  };
}

/**
 * Stops the core when a transfer enters compatibility mode: the emulator runs 64-bit code only
 * (CONTRACT.md). Usually the bug is a `sysret`/`iretq` without the 64-bit form or a 32-bit CS.
 */
function compatibilityMode(c: Core, how: string): void {
  c.stop(`${how} entered compatibility mode (32-bit code segment CS=0x${c.seg[Seg.CS]!.selector.toString(16)}) at ${sysOf(c).where(c.nextRip)}; ` +
    'the emulator runs 64-bit code only (did you mean o64 sysret / a 64-bit code selector?)');
}

/** SYSCALL (SDM Vol 2B): RCX := next RIP, R11 := RFLAGS, RFLAGS &= ~FMASK, CS/SS from STAR[47:32], RIP := LSTAR. */
const syscall = (c: Core, d: Decoded): void => {
  if (!(c.efer & EFER_SCE)) throw ud('syscall with IA32_EFER.SCE = 0');
  const star = readMsr(c, MSR.STAR)!;
  const lstar = Number(BigInt.asIntN(64, readMsr(c, MSR.LSTAR)!));
  const fmask = Number(readMsr(c, MSR.FMASK)! & 0xffffffffn);
  const sel = Number((star >> 32n) & 0xffffn);
  const from = d.ip;
  const oldCpl = c.cpl;
  c.setAddr(1, d.next);
  const fl = c.rflags & ~RFLAGS.RF;
  c.setHalves(11, fl, 0);
  c.rflags = ((fl & ~fmask) | 2) >>> 0;
  c.setSegment(Seg.CS, flatCode(sel & 0xfffc, 0, true));
  c.setSegment(Seg.SS, flatData((sel + 8) & 0xffff, 0));
  c.nextRip = lstar;
  sysOf(c).observer.pushFrame?.(c, { kind: 'syscall', target: lstar, from, rsp: c.getAddr(4) });
  if (oldCpl !== 0) emitGs(c, { kind: 'cpl', cause: 'syscall', from: oldCpl, to: 0 }, from);
};

/**
 * SYSRET (SDM Vol 2B): #UD without EFER.SCE; #GP(0) at CPL > 0; Intel raises #GP(0) *at CPL 0*
 * when RCX is non-canonical (the o64 form), which is why kernels must check RCX first
 * (CVE-2012-0217). CS = STAR[63:48]+16 (64-bit) or STAR[63:48] (32-bit), SS = STAR[63:48]+8, RPL 3.
 */
function sysret(long: boolean): Handler {
  return (c: Core, d: Decoded): void => {
    if (!(c.efer & EFER_SCE)) throw ud('sysret with IA32_EFER.SCE = 0');
    if (c.cpl !== 0) throw new GuestFault(Vec.GP, 0, 'fault', `sysret at CPL ${c.cpl} (needs 0)`);
    const star = readMsr(c, MSR.STAR)!;
    const base = Number((star >> 48n) & 0xffffn);
    let rip: number;
    if (long) {
      const rcx = c.getGpr(1);
      const s = BigInt.asIntN(64, rcx);
      if (s < -(1n << 47n) || s >= 1n << 47n) {
        throw new GuestFault(Vec.GP, 0, 'fault', `sysret to non-canonical RCX 0x${rcx.toString(16)} (Intel faults at CPL 0, on the kernel stack: CVE-2012-0217)`);
      }
      rip = Number(s);
    } else rip = c.getLo(1);
    const from = d.ip;
    // RFLAGS := (R11 & 3C7FD7H) | 2 (SDM Vol 2B SYSRET).
    const before = c.rflags;
    c.rflags = ((c.getLo(11) & 0x3c7fd7) | 2) >>> 0;
    noteIf(c, before);
    c.setSegment(Seg.CS, flatCode(((long ? base + 16 : base) | 3) & 0xffff, 3, long));
    c.setSegment(Seg.SS, flatData(((base + 8) | 3) & 0xffff, 3));
    c.nextRip = rip;
    sysOf(c).observer.popFrame?.(c, RETURN_KINDS, c.getAddr(4));
    emitGs(c, { kind: 'cpl', cause: 'sysret', from: 0, to: 3 }, from);
    if (!long) compatibilityMode(c, 'sysret (32-bit form)');
    else if (!(before & RFLAGS.TF) && c.rflags & RFLAGS.TF) {
      // Unlike POPF/IRET (no trap after the instruction that sets TF, SDM Vol 3A 17.3.1.4), a sysret
      // that loads TF=1 traps at once, in ring 3 before the first user instruction (silicon and
      // QEMU; Linux's opportunistic-sysret check relies on it). Deliver that #DB trap here, with
      // the user RIP saved, and continue at its handler.
      c.rip = rip;
      c.deliver(Vec.DB, undefined, 'trap', 'single-step trap (RFLAGS.TF) right after sysret');
      c.nextRip = c.rip;
    }
  };
}

/** The checks of a far return / IRET on the new CS (SDM Vol 2A IRET "RETURN-TO-OUTER/SAME-PRIVILEGE-LEVEL"). */
function checkReturnCs(c: Core, sel: number, what: string): SegmentDescriptor {
  if (isNullSelector(sel)) throw new GuestFault(Vec.GP, 0, 'fault', `${what} to a null CS`);
  const { d } = readDescriptor(c, sel, 0);
  const rpl = sel & 3;
  const gp = (m: string) => new GuestFault(Vec.GP, selErr(sel, 0), 'fault', `${what} to CS 0x${sel.toString(16)}: ${m}`);
  if (rpl < c.cpl) throw gp(`RPL ${rpl} is more privileged than CPL ${c.cpl}`);
  if (!d.code) throw gp('not a code segment');
  if (d.conforming ? d.dpl > rpl : d.dpl !== rpl) throw gp(`descriptor DPL ${d.dpl} does not match RPL ${rpl}`);
  if (!d.present) throw new GuestFault(Vec.NP, selErr(sel, 0), 'fault', `${what} to CS 0x${sel.toString(16)}: not present`);
  return d;
}

/** The SS checks of IRET / far return (null SS allowed only for a 64-bit return to CPL < 3). */
function checkReturnSs(c: Core, sel: number, newCpl: number, long: boolean, what: string): SegmentState {
  if (isNullSelector(sel)) {
    if (newCpl === 3 || !long) throw new GuestFault(Vec.GP, 0, 'fault', `${what} with a null SS to CPL ${newCpl}`);
    if ((sel & 3) !== newCpl) throw new GuestFault(Vec.GP, 0, 'fault', `${what}: null SS RPL ${sel & 3} differs from the new CPL ${newCpl}`);
    return nullSegment(sel, true);
  }
  const { d } = readDescriptor(c, sel, 0);
  const gp = (m: string) => new GuestFault(Vec.GP, selErr(sel, 0), 'fault', `${what} with SS 0x${sel.toString(16)}: ${m}`);
  if ((sel & 3) !== newCpl) throw gp(`RPL ${sel & 3} differs from the new CPL ${newCpl}`);
  if (!d.s || d.code || !d.writable) throw gp('not a writable data segment');
  if (d.dpl !== newCpl) throw gp(`descriptor DPL ${d.dpl} differs from the new CPL ${newCpl}`);
  if (!d.present) throw new GuestFault(Vec.SS, selErr(sel, 0), 'fault', `${what} with SS 0x${sel.toString(16)}: not present`);
  return segmentFromDescriptor(sel, d);
}

/** On a return to an outer level, data segments the new CPL may not use become null (SDM Vol 2A IRET). */
function invalidateDataSegments(c: Core): void {
  for (const i of [Seg.ES, Seg.DS, Seg.FS, Seg.GS]) {
    const s = c.seg[i]!;
    if (isNullSelector(s.selector)) continue;
    const dataOrNonconforming = !(s.type & 8) || !(s.type & 4);
    if (dataOrNonconforming && s.dpl < c.cpl) c.seg[i] = { ...s, selector: 0, unusable: true };
  }
}

/** RFLAGS bits IRET may change, by privilege (SDM Vol 2A IRET: IOPL only at CPL 0, IF when CPL <= IOPL). */
function iretFlags(c: Core, popped: number, oldCpl: number): number {
  let mask = 0x3d7fd5; // CF PF AF ZF SF TF IF DF OF IOPL NT RF AC VIF VIP ID (VM stays 0 in IA-32e mode)
  const iopl = (c.rflags >>> 12) & 3;
  if (oldCpl > 0) mask &= ~RFLAGS.IOPL;
  if (oldCpl > iopl) mask &= ~RFLAGS.IF;
  // RF would only suppress an instruction breakpoint on the first instruction and then clear
  // (SDM Vol 3A 18.3.1.1); without instruction breakpoints it is dropped right away.
  return (((c.rflags & ~mask) | (popped & mask) | 2) & ~RFLAGS.RF) >>> 0;
}

/** IRETQ in 64-bit mode: pops RIP, CS, RFLAGS, RSP, SS (always all five, SDM Vol 2A IRET). */
const iretq = (c: Core, d: Decoded): void => {
  if (c.rflags & RFLAGS.NT) throw new GuestFault(Vec.GP, 0, 'fault', 'iretq with RFLAGS.NT=1 (task return does not exist in IA-32e mode)');
  const sp = c.canonicalStack(c.r[8]!, c.r[9]!, 0);
  const ripLo = c.mmu.read64(sp);
  const ripHi = c.mmu.hi;
  const cs = c.mmu.read64(sp + 8) & 0xffff;
  const fl = c.mmu.read64(sp + 16);
  const rspLo = c.mmu.read64(sp + 24);
  const rspHi = c.mmu.hi;
  const ss = c.mmu.read64(sp + 32) & 0xffff;
  const oldCpl = c.cpl;
  const csd = checkReturnCs(c, cs, 'iretq');
  const newCpl = cs & 3;
  const ssState = checkReturnSs(c, ss, newCpl, csd.long, 'iretq');
  const rip = ripHi * 4294967296 + ripLo;
  const signedRip = Number(BigInt.asIntN(64, (BigInt(ripHi) << 32n) | BigInt(ripLo)));
  if (csd.long && (signedRip < -CANON || signedRip >= CANON)) {
    throw new GuestFault(Vec.GP, 0, 'fault', `iretq to non-canonical RIP 0x${u64(rip).toString(16)}`);
  }
  const before = c.rflags;
  c.rflags = iretFlags(c, fl, oldCpl);
  noteIf(c, before);
  c.setSegment(Seg.CS, segmentFromDescriptor(cs, csd));
  c.setSegment(Seg.SS, ssState);
  c.setHalves(4, rspLo | 0, rspHi | 0);
  c.nextRip = csd.long ? signedRip : ripLo;
  if (newCpl > oldCpl) invalidateDataSegments(c);
  const sys = sysOf(c);
  sys.observer.popFrame?.(c, RETURN_KINDS, sp);
  if (newCpl !== oldCpl) emitGs(c, { kind: 'cpl', cause: 'iret', from: oldCpl, to: newCpl }, d.ip);
  if (!csd.long) compatibilityMode(c, 'iretq');
};

/** RETF (64-bit operand size): pops RIP, CS, [imm16 bytes], and RSP/SS on a return to an outer level (SDM Vol 2B RET). */
function retfq(withImm: boolean): Handler {
  return (c: Core, d: Decoded): void => {
    const sp = c.canonicalStack(c.r[8]!, c.r[9]!, 0);
    const ripLo = c.mmu.read64(sp);
    const ripHi = c.mmu.hi;
    const cs = c.mmu.read64(sp + 8) & 0xffff;
    const n = withImm ? d.imm & 0xffff : 0;
    const oldCpl = c.cpl;
    const csd = checkReturnCs(c, cs, 'retf');
    const newCpl = cs & 3;
    const signedRip = Number(BigInt.asIntN(64, (BigInt(ripHi) << 32n) | BigInt(ripLo)));
    if (csd.long && (signedRip < -CANON || signedRip >= CANON)) throw new GuestFault(Vec.GP, 0, 'fault', 'retf to a non-canonical RIP');
    if (newCpl === oldCpl) {
      c.setSegment(Seg.CS, segmentFromDescriptor(cs, csd));
      c.setAddr(4, sp + 16 + n);
    } else {
      const rspLo = c.mmu.read64(sp + 16 + n);
      const rspHi = c.mmu.hi;
      const ss = c.mmu.read64(sp + 24 + n) & 0xffff;
      const ssState = checkReturnSs(c, ss, newCpl, csd.long, 'retf');
      c.setSegment(Seg.CS, segmentFromDescriptor(cs, csd));
      c.setSegment(Seg.SS, ssState);
      const rsp = Number(BigInt.asIntN(64, (BigInt(rspHi) << 32n) | BigInt(rspLo))) + n;
      c.setAddr(4, rsp);
      invalidateDataSegments(c);
      emitGs(c, { kind: 'cpl', cause: 'far-transfer', from: oldCpl, to: newCpl }, d.ip);
    }
    c.nextRip = csd.long ? signedRip : ripLo;
    if (!csd.long) compatibilityMode(c, 'retf');
  };
}

/** INT n: a software interrupt; the delivery checks the gate's DPL against CPL (SDM Vol 2A INT n). */
const intN = (_c: Core, d: Decoded): void => {
  throw new GuestFault(d.imm & 0xff, undefined, 'software', `int 0x${(d.imm & 0xff).toString(16)}`);
};
const into = (): void => {
  throw ud('into is invalid in 64-bit mode (SDM Vol 2A INTO)');
};

registerHandlers({
  [Code.Syscall]: syscall,
  [Code.Sysretq]: sysret(true),
  [Code.Sysretd]: sysret(false),
  [Code.Iretq]: iretq,
  [Code.Retfq]: retfq(false),
  [Code.Retfq_imm16]: retfq(true),
  [Code.Int_imm8]: intN,
  [Code.Into]: into,
});

let hooked = false;

/**
 * Wraps the ISA's near call/ret handlers so they report to the shadow call stack, and popf so
 * a set IF is reported. Call once after
 * every ISA module registered its handlers (the machine does); later calls do nothing.
 */
export function installCallHooks(): void {
  if (hooked) return;
  hooked = true;
  const wrap: Record<number, Handler> = {};
  for (const code of [Code.Call_rel32_64, Code.Call_rm64]) {
    const orig = lookupHandler({ code, mnemonic: Mnemonic.Call });
    if (!orig) continue;
    wrap[code] = (c, d) => {
      orig(c, d);
      const o = sysOf(c).observer;
      if (o.pushFrame) o.pushFrame(c, { kind: 'call', target: c.nextRip, from: d.ip, rsp: c.getAddr(4) });
    };
  }
  for (const code of [Code.Retnq, Code.Retnq_imm16]) {
    const orig = lookupHandler({ code, mnemonic: Mnemonic.Ret });
    if (!orig) continue;
    wrap[code] = (c, d) => {
      const rsp = c.getAddr(4);
      orig(c, d);
      const o = sysOf(c).observer;
      if (o.popFrame) o.popFrame(c, null, rsp);
    };
  }
  // popf can set IF too (SDM Vol 2B POPF): tell the machine, which holds timer ticks back while IF=0.
  for (const code of [Code.Popfq, Code.Popfw]) {
    const orig = lookupHandler({ code, mnemonic: Mnemonic.Popf });
    if (!orig) continue;
    wrap[code] = (c, d) => {
      const before = c.rflags;
      orig(c, d);
      noteIf(c, before);
    };
  }
  registerHandlers(wrap);
}
