// Per-core state of the system architecture that the ISA core does not hold: MSRs other than
// the segment bases, IA32_KERNEL_GS_BASE, the I/O port bus, the event sinks (GS events, shadow
// call stack) and the exception-nesting state used for double-fault rules.

import type { Core } from '../core';
import { MSR, resetMsrs } from '../../machine/msr';
import type { CplCause, GsCause, GsEvent } from '../../machine/events';
import type { ShadowFrame, FrameKind } from '../../machine/shadow-stack';

/** I/O ports (in/out), provided by the machine. Values are unsigned, `size` in bytes (1, 2, 4). */
export interface PortBus {
  in(core: Core, port: number, size: number): number;
  out(core: Core, port: number, size: number, value: number): void;
}

/** Observers the machine installs; all optional so a bare Core works in unit tests. */
export interface SystemObserver {
  gsEvent?(e: GsEvent): void;
  /** Shadow call stack: a control transfer that pushes a frame. */
  pushFrame?(core: Core, f: ShadowFrame): void;
  /** `ret` (with RSP before the pop) or iretq/sysret (the kinds to unwind to). */
  popFrame?(core: Core, kinds: readonly FrameKind[] | null, rspBefore: number): void;
  /** An instruction set RFLAGS.IF (sti, popf, iretq, sysret): a held-back interrupt may now be taken. */
  ifSet?(core: Core): void;
}

const IF = 0x200;
const TF = 0x100;

/**
 * Reports RFLAGS.IF or RFLAGS.TF going from 0 to 1. A set TF makes the core return to the machine
 * at this boundary so the single-step trap starts with the next instruction.
 */
export function noteIf(c: Core, before: number): void {
  if (!(before & IF) && c.rflags & IF) sysOf(c).observer.ifSet?.(c);
  if (!(before & TF) && c.rflags & TF) c.requestExit();
}

export class SystemState {
  /** Core index = APIC id = IA32_TSC_AUX reset value. */
  readonly index: number;
  /** MSRs not held elsewhere (EFER lives in core.efer, FS/GS bases in core.seg, TSC in core.icount). */
  readonly msrs: Map<number, bigint>;
  /** IA32_KERNEL_GS_BASE as a canonical signed Number (like core.seg[GS].base). */
  kernelGsBase = 0;
  ports: PortBus | null = null;
  observer: SystemObserver = {};
  /** Vectors being delivered right now (nesting), for the double-fault rules (SDM Vol 3A 6.15 Table 6-5). */
  delivering: number[] = [];
  /** Reasons collected while escalating to #DF / triple fault. */
  chain: string[] = [];
  /** IDTR was loaded by `lidt` (design: no IDT at reset). */
  idtLoaded = false;
  /** Events delivered through the IDT so far (the machine uses it to tell a retired instruction). */
  deliveries = 0;
  /** DR0-DR3, DR6, DR7 as stored (emulator/cpu/system/debug.ts applies the fixed bits; reset per SDM Vol 3A 17.2). */
  dr: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n, 0xffff0ff0n, 0x400n];
  /** Formats an address for messages (the machine installs file:line). */
  where: (address: number) => string = (a) => `0x${u64(a).toString(16)}`;

  /** A deep copy for snapshots (observer, ports and `where` are shared, they belong to the machine). */
  clone(): SystemState {
    const s = new SystemState(this.index);
    s.msrs.clear();
    for (const [k, v] of this.msrs) s.msrs.set(k, v);
    s.kernelGsBase = this.kernelGsBase;
    s.ports = this.ports;
    s.observer = this.observer;
    s.delivering = [...this.delivering];
    s.chain = [...this.chain];
    s.idtLoaded = this.idtLoaded;
    s.deliveries = this.deliveries;
    s.dr = [...this.dr];
    s.where = this.where;
    return s;
  }

  constructor(index: number) {
    this.index = index;
    this.msrs = resetMsrs(index);
    for (const k of [MSR.EFER, MSR.FS_BASE, MSR.GS_BASE, MSR.KERNEL_GS_BASE, MSR.TSC]) this.msrs.delete(k);
  }
}

const states = new WeakMap<Core, SystemState>();
// One-entry cache: call/ret hooks look the state up on every call, usually for the same core.
let lastCore: Core | null = null;
let lastState: SystemState | null = null;

/** The system state of a core, created on first use (index = its APIC id). */
export function sysOf(c: Core): SystemState {
  if (c === lastCore) return lastState!;
  let s = states.get(c);
  if (!s) {
    s = new SystemState(c.apicId);
    states.set(c, s);
  }
  lastCore = c;
  lastState = s;
  return s;
}

/** Replace a core's system state (snapshot restore). */
export function setSysState(c: Core, s: SystemState): void {
  states.set(c, s);
  if (lastCore === c) lastState = s;
}

export const TWO32 = 4294967296;

/** Canonical signed Number -> unsigned 64-bit bigint. */
export function u64(a: number): bigint {
  return BigInt.asUintN(64, BigInt(a));
}

/** Unsigned/signed 64-bit bigint (canonical) -> canonical signed Number. */
export function addrOf(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/** Emit a GS event when anyone listens. */
export function emitGs(
  c: Core,
  e:
    | { kind: 'swapgs' }
    | { kind: 'gs-base' | 'kernel-gs-base' | 'fs-base'; cause: GsCause; old: bigint; value: bigint }
    | { kind: 'cpl'; cause: CplCause; from: number; to: number; vector?: number },
  rip = c.rip,
): void {
  const s = sysOf(c);
  const sink = s.observer.gsEvent;
  if (!sink) return;
  sink({
    ...e,
    core: s.index,
    rip,
    gsBase: u64(c.seg[5]!.base),
    kernelGsBase: u64(s.kernelGsBase),
    cpl: c.cpl,
  } as GsEvent);
}
