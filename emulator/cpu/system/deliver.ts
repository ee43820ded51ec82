// Exception and interrupt delivery in IA-32e mode: IDT gate lookup and checks, target code
// segment, stack selection (IST, TSS RSPn on a privilege change), the 16-byte aligned frame
// SS/RSP/RFLAGS/CS/RIP/error code, and the double-fault / triple-fault rules.
// Intel SDM Vol 3A 6.12 (handler procedures), 6.13 (error code), 6.14 (64-bit mode),
// 6.15 Table 6-4/6-5 (exception classes, double fault conditions), Vol 2A INT n pseudocode.

import type { Core } from '../core';
import { RFLAGS, Seg } from '../core';
import { GuestFault, Vec, vectorName, type EventKind } from '../fault';
import { decodeGate64, isNullSelector, tssIstOffset, tssRspOffset } from '../../machine/descriptors';
import { nullSegment, readDescriptor, segmentFromDescriptor, leBytes, selErr } from './segments';
import { emitGs, sysOf, u64 } from './state';
import { noteSingleStep } from './debug';

const CANON = 2 ** 47;

/** Contributory exceptions (SDM Vol 3A Table 6-4): #DE #TS #NP #SS #GP. */
function contributory(v: number): boolean {
  return v === Vec.DE || v === Vec.TS || v === Vec.NP || v === Vec.SS || v === Vec.GP;
}

/** Whether a second exception during delivery of `first` becomes #DF (SDM Vol 3A Table 6-5). */
export function becomesDoubleFault(first: number, firstKind: EventKind, second: number): boolean {
  if (firstKind === 'interrupt' || firstKind === 'software') return false; // benign first event
  if (contributory(first)) return contributory(second);
  if (first === Vec.PF) return contributory(second) || second === Vec.PF;
  return false;
}

/** `#GP(0)`, `#PF(0x5)`, `#UD`: the vector's mnemonic and its error code (hex unless 0). */
export function formatException(vector: number, errorCode: number | undefined): string {
  if (errorCode === undefined) return vectorName(vector);
  return `${vectorName(vector)}(${errorCode === 0 ? '0' : `0x${errorCode.toString(16)}`})`;
}

/**
 * The machine's delivery hook: pushes the frame and transfers to the handler, or stops the core
 * with a message (no IDT, triple fault). Never throws a GuestFault.
 */
export function deliverEvent(c: Core, vector: number, errorCode: number | undefined, kind: EventKind, reason: string): void {
  const sys = sysOf(c);
  const what = kind === 'interrupt' ? `interrupt vector ${vector}` : formatException(vector, errorCode);
  if (!sys.idtLoaded) {
    // Design: no IDT at reset; the machine stops and says why instead of triple-faulting silently.
    const why = reason || (kind === 'interrupt' ? 'external interrupt' : 'exception');
    // Traps and software interrupts already moved RIP past their instruction: name that one.
    const at = kind === 'trap' || kind === 'software' ? c.rip - 1 : c.rip;
    c.stop(`unhandled ${what} at ${sys.where(at)}: ${why} (no IDT: lidt was never executed)`);
    return;
  }
  // The machine's RFLAGS.TF trap (emulator/machine) reports itself by this reason: DR6.BS (SDM Vol 3A 17.2.3).
  if (vector === Vec.DB && kind === 'trap' && reason.startsWith('single-step')) noteSingleStep(c);
  let v = vector;
  let ec = errorCode;
  let k = kind;
  let why = reason;
  // What went wrong on the way to a handler, for the shutdown message.
  const path: string[] = [];
  // Each round either delivers or replaces the event; #DF then shutdown bound it to a few rounds.
  for (let round = 0; round < 8; round++) {
    try {
      deliverOnce(c, v, ec, k, why);
      sys.deliveries++;
      return;
    } catch (e) {
      if (!(e instanceof GuestFault)) throw e;
      path.push(`${formatException(e.vector, e.errorCode)} ${e.reason}`);
      // A fault while delivering INT n / INT3 / INTO is a fault *of that instruction*: the saved
      // RIP is the int itself, not the next one (SDM Vol 3A 6.5, 6.12.1.1). Traps and external
      // interrupts keep their RIP (the trapping instruction has completed).
      if (k === 'software') c.rip = c.eventRip;
      if (v === Vec.DF) {
        // A fault while delivering #DF: shutdown (SDM Vol 3A 6.15, Interrupt 8). The message leads
        // with the original event, as every unhandled exception does (design: CLI contract).
        // (A software interrupt's RIP was already rewound to the int below.)
        const at = kind === 'trap' ? c.rip - 1 : c.rip;
        c.stop(`unhandled ${what} at ${sys.where(at)}: ${reason || 'exception'}; no usable handler: ${path.join(' -> ')} -> triple fault (shutdown)`);
        return;
      }
      if (becomesDoubleFault(v, k, e.vector)) {
        why = `${formatException(e.vector, e.errorCode)} while delivering ${formatException(v, ec)}: ${e.reason}`;
        v = Vec.DF;
        ec = 0;
        k = 'fault';
        path.push('#DF');
      } else {
        v = e.vector;
        ec = e.errorCode;
        k = 'fault';
        why = e.reason;
      }
    }
  }
  c.stop(`unhandled ${what} at ${sys.where(c.rip)}: exception delivery did not converge: ${path.join(' -> ')}`);
}

/** Reads a 64-bit value of the TSS for a stack switch; #TS(TR) when it is outside the TSS limit. */
function tssRead(c: Core, offset: number, ext: number): number {
  if (isNullSelector(c.tr.selector) || offset + 7 > c.tr.limit) {
    throw new GuestFault(Vec.TS, selErr(c.tr.selector, ext), 'fault',
      isNullSelector(c.tr.selector) ? 'stack switch needs a TSS, but ltr was never executed' : `TSS offset ${offset} is beyond its limit`);
  }
  return Number(BigInt.asIntN(64, c.mmu.readImplicit(c.tr.base + offset, 8)));
}

/** One delivery attempt; throws the GuestFault that stops it (state is unchanged then). */
function deliverOnce(c: Core, vector: number, errorCode: number | undefined, kind: EventKind, reason: string): void {
  const ext = kind === 'software' ? 0 : 1;
  const idtErr = vector * 8 + 2 + ext;
  // -------- phase 1: reads and checks
  if (vector * 16 + 15 > c.idtr.limit) {
    throw new GuestFault(Vec.GP, idtErr, 'fault', `vector ${vector} is beyond the IDT limit 0x${c.idtr.limit.toString(16)}`);
  }
  const gateAddr = c.idtr.base + vector * 16;
  const gb = new Uint8Array(16);
  gb.set(leBytes(c.mmu.readImplicit(gateAddr, 8), 8));
  gb.set(leBytes(c.mmu.readImplicit(gateAddr + 8, 8), 8), 8);
  const gate = decodeGate64(gb);
  if (gate.kind === 'invalid') {
    throw new GuestFault(Vec.GP, idtErr, 'fault', `IDT entry ${vector} is not a 64-bit interrupt or trap gate (type ${gate.type})`);
  }
  // INT n / INT3 / INTO from a privilege level above the gate's DPL (SDM Vol 3A 6.12.1.1).
  if (kind === 'software' && gate.dpl < c.cpl) {
    throw new GuestFault(Vec.GP, vector * 8 + 2, 'fault', `int ${vector} at CPL ${c.cpl} but the gate's DPL is ${gate.dpl}`);
  }
  if (!gate.present) throw new GuestFault(Vec.NP, idtErr, 'fault', `IDT gate ${vector} is not present`);
  const sel = gate.selector;
  if (isNullSelector(sel)) throw new GuestFault(Vec.GP, ext, 'fault', `IDT gate ${vector} has a null code selector`);
  const { d: cs } = readDescriptor(c, sel, ext);
  const csErr = selErr(sel, ext);
  if (!cs.code) throw new GuestFault(Vec.GP, csErr, 'fault', `gate ${vector} selector 0x${sel.toString(16)} is not a code segment`);
  if (cs.dpl > c.cpl) throw new GuestFault(Vec.GP, csErr, 'fault', `gate ${vector} code segment DPL ${cs.dpl} > CPL ${c.cpl}`);
  if (!cs.present) throw new GuestFault(Vec.NP, csErr, 'fault', `gate ${vector} code segment 0x${sel.toString(16)} not present`);
  if (!cs.long || cs.db) throw new GuestFault(Vec.GP, csErr, 'fault', `gate ${vector} code segment 0x${sel.toString(16)} is not a 64-bit code segment`);
  const oldCpl = c.cpl;
  const newCpl = cs.conforming ? oldCpl : cs.dpl;
  let rsp: number;
  if (gate.ist !== 0) rsp = tssRead(c, tssIstOffset(gate.ist), ext);
  else if (newCpl < oldCpl) rsp = tssRead(c, tssRspOffset(newCpl), ext);
  else rsp = c.getAddr(4);
  if (rsp < -CANON || rsp >= CANON) throw new GuestFault(Vec.SS, ext, 'fault', `new stack pointer 0x${u64(rsp).toString(16)} is non-canonical`);
  const target = Number(BigInt.asIntN(64, gate.offset));
  if (target < -CANON || target >= CANON) throw new GuestFault(Vec.GP, ext, 'fault', `gate ${vector} handler address is non-canonical`);
  // -------- phase 2: the frame. 64-bit mode aligns RSP to 16 bytes and always pushes SS:RSP (SDM Vol 3A 6.14.2).
  const top = rsp - (((rsp % 16) + 16) % 16);
  const words: bigint[] = [
    BigInt(c.seg[Seg.SS]!.selector),
    u64(c.getAddr(4)),
    // Fault-class exceptions save RF=1 so the return does not re-trigger an instruction
    // breakpoint (SDM Vol 3A 18.3.1.1); this is the 0x10000 in Linux oops "EFLAGS: 00010246".
    BigInt((kind === 'fault' && vector !== Vec.DB ? c.rflags | RFLAGS.RF : c.rflags) >>> 0),
    BigInt(c.seg[Seg.CS]!.selector),
    u64(c.rip),
  ];
  if (errorCode !== undefined) words.push(BigInt(errorCode >>> 0));
  // The pushes are ordinary supervisor writes at the new CPL (CONTRACT.md; SDM Vol 3A 6.12.1):
  // switch CS first and put it back if a push faults, so a failed delivery changes nothing.
  const from = c.rip;
  const oldCs = c.seg[Seg.CS]!;
  c.setSegment(Seg.CS, segmentFromDescriptor((sel & 0xfffc) | newCpl, cs));
  let sp = top;
  try {
    for (const w of words) {
      sp -= 8;
      c.mmu.write64(sp, Number(w & 0xffffffffn), Number(w >> 32n));
    }
  } catch (e) {
    c.setSegment(Seg.CS, oldCs);
    throw e;
  }
  // -------- phase 3: commit
  if (newCpl !== oldCpl) c.setSegment(Seg.SS, nullSegment(newCpl, true)); // SS := NULL with RPL = new CPL
  c.setAddr(4, sp);
  let fl = c.rflags & ~(RFLAGS.TF | RFLAGS.NT | RFLAGS.RF | RFLAGS.VM);
  if (gate.kind === 'interrupt') fl &= ~RFLAGS.IF; // SDM Vol 3A 6.12.1.3
  c.rflags = fl;
  c.rip = target;
  c.nextRip = target;
  c.shadowUntil = 0;
  c.halted = false;
  const sys = sysOf(c);
  const frameKind = kind === 'interrupt' || kind === 'software' ? 'interrupt' : 'exception';
  sys.observer.pushFrame?.(c, { kind: frameKind, target, from, rsp: sp, vector });
  if (newCpl !== oldCpl) {
    emitGs(c, { kind: 'cpl', cause: frameKind, from: oldCpl, to: newCpl, vector }, from);
  }
  void reason;
}
