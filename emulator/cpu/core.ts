// One logical x86-64 CPU: architectural state, register accessors, effective addresses, and the
// fetch/decode/execute loop with architectural exceptions at instruction boundaries.

import { Memory } from '../machine/memory';
import { Mmu } from '../machine/mmu';
import { Decoded } from './decoded';
import { decodeAt } from './decode';
import { Block, BLOCK_SLOT, compileBlock } from './jit';
import { EventKind, GuestFault, Vec, vectorName } from './fault';

/** Segment register indices (the x86 encoding order). */
export const Seg = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5 } as const;
export const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

/** Visible selector plus the hidden descriptor cache of a segment register (SDM Vol. 3A 3.4.3). */
export interface SegmentState {
  selector: number;
  /** Canonical signed Number (fs.base / gs.base live here). */
  base: number;
  limit: number;
  /** Descriptor type field (4 bits) and S bit (1 = code/data). */
  type: number;
  s: boolean;
  dpl: number;
  p: boolean;
  avl: boolean;
  /** 64-bit code segment (CS.L). */
  l: boolean;
  /** Default operation size (D/B). */
  db: boolean;
  g: boolean;
  /** Null selector loaded (unusable). */
  unusable: boolean;
}

export interface TableRegister { base: number; limit: number }
/** LDTR / TR: selector plus hidden base/limit/type. */
export interface SystemSegment { selector: number; base: number; limit: number; type: number }

/**
 * MSR storage, implemented by the machine (emulator/machine/msr.ts). Returns undefined / false for
 * an MSR it does not know (the caller raises #GP(0), SDM Vol. 4).
 */
export interface MsrStore {
  read(core: Core, index: number): bigint | undefined;
  write(core: Core, index: number, value: bigint): boolean;
}

/** Delivery of an exception or interrupt (IDT, privilege switch, #DF escalation): the machine's job. */
export type DeliverHook = (core: Core, vector: number, errorCode: number | undefined, kind: EventKind, reason: string) => void;

/** Why run()/step() returned. */
export type StopReason =
  | 'budget'      // the instruction budget ran out
  | 'halted'      // hlt and no deliverable interrupt
  | 'stopped'     // the core stopped for good (see core.stopMessage)
  | 'breakpoint'  // rip reached an address in core.breakpoints
  | 'exit';       // something asked the loop to return early (core.requestExit())

export const RFLAGS = {
  CF: 1, PF: 4, AF: 0x10, ZF: 0x40, SF: 0x80, TF: 0x100, IF: 0x200, DF: 0x400, OF: 0x800,
  IOPL: 0x3000, NT: 0x4000, RF: 0x10000, VM: 0x20000, AC: 0x40000, VIF: 0x80000, VIP: 0x100000, ID: 0x200000,
} as const;
export const ARITH_FLAGS = 0x8d5;

const TWO32 = 4294967296;
const CANON = 140737488355328; // 2**47

let defaultDeliver: DeliverHook = (core, vector, errorCode, _kind, reason) => {
  const ec = errorCode === undefined ? '' : `(${errorCode})`;
  core.stop(`unhandled ${vectorName(vector)}${ec} at 0x${core.ripBig().toString(16)}${reason ? ': ' + reason : ''}`);
};

/** Set the delivery hook every new Core starts with (the system modules call this once). */
export function setDefaultDeliverHook(h: DeliverHook): void { defaultDeliver = h; }

const defaultMsrs: MsrStore = {
  read: (core, index) => (index === 0xc0000103 ? BigInt(core.apicId) : undefined),
  write: () => false,
};

export class Core {
  /** GPRs as 32-bit halves: r[2*i] low, r[2*i+1] high (RAX=0 ... R15=15). */
  readonly r = new Int32Array(32);
  /** XMM0-15 as four 32-bit lanes each: xmm[4*i + lane]. */
  readonly xmm = new Int32Array(64);
  /** Address of the current instruction (canonical signed Number). */
  rip = 0;
  /** Set by handlers to the address of the next instruction (defaults to the fall-through). */
  nextRip = 0;
  /** Address of the instruction whose fault/trap/software interrupt is being delivered (RIP before onFault moves it). */
  eventRip = 0;
  /** RFLAGS as a Number (bit 1 always set). */
  rflags = 2;
  readonly seg: SegmentState[] = [];
  cr0 = 0x80050033; // PG PE MP ET NE WP AM (long mode)
  cr2 = 0n;
  cr3 = 0;
  cr4 = 0x20; // PAE
  cr8 = 0;
  efer = 0x501; // SCE | LME | LMA (DESIGN.md reset state; NXE off)
  /** Current privilege level, always CS.selector & 3 (SDM Vol. 3A 5.5); change it through setSegment(Seg.CS, ...). */
  cpl = 0;
  gdtr: TableRegister = { base: 0, limit: 0xffff };
  idtr: TableRegister = { base: 0, limit: 0xffff };
  ldtr: SystemSegment = { selector: 0, base: 0, limit: 0, type: 2 };
  tr: SystemSegment = { selector: 0, base: 0, limit: 0x67, type: 11 };
  msr: MsrStore = defaultMsrs;
  deliverHook: DeliverHook = defaultDeliver;
  halted = false;
  /** Interrupts are inhibited while icount < shadowUntil (sti / mov ss shadow, SDM Vol. 3A 6.8.3). */
  shadowUntil = 0;
  /** Retired instructions; also the deterministic TSC source. */
  icount = 0;
  /** Added to icount to give the TSC (IA32_TIME_STAMP_COUNTER writes adjust it). */
  tscOffset = 0;
  /** Set when the core stopped for good; the message says why. */
  stopMessage: string | null = null;
  /** Addresses where run() stops with 'breakpoint' (not at the first instruction of a run). */
  readonly breakpoints = new Set<number>();
  readonly mmu: Mmu;
  /** Last GuestFault seen (message details for the machine). */
  lastFault: GuestFault | null = null;
  /** Non-zero when the fast loop must return to the service point (interrupt, stop, exit request). */
  attention = 0;
  /** Compile hot blocks to JS (off: interpreter only; breakpoints always use the interpreter). */
  jit = true;
  /** Block-start visits before a block is compiled. */
  jitThreshold = 2;
  /** Blocks the compiler failed on (they run in the interpreter); empty unless there is a bug. */
  readonly jitErrors: string[] = [];
  private readonly pending = new Uint8Array(256);
  private pendingCount = 0;
  private exitRequested = false;

  constructor(readonly memory: Memory, readonly apicId = 0) {
    for (let i = 0; i < 6; i++) {
      this.seg.push({ selector: 0, base: 0, limit: 0xffffffff, type: 3, s: true, dpl: 0, p: true, avl: false, l: false, db: true, g: true, unusable: false });
    }
    // CS = 0x08, 64-bit kernel code; SS/DS/ES = 0x10 kernel data (the default GDT of DESIGN.md).
    Object.assign(this.seg[Seg.CS], { selector: 8, type: 11, l: true, db: false });
    for (const s of [Seg.SS, Seg.DS, Seg.ES]) this.seg[s].selector = 0x10;
    this.mmu = new Mmu(memory, this);
  }

  // ---------------------------------------------------------------- registers

  /** 64-bit GPR as an unsigned bigint. */
  getGpr(i: number): bigint {
    return (BigInt(this.r[2 * i + 1] >>> 0) << 32n) | BigInt(this.r[2 * i] >>> 0);
  }
  setGpr(i: number, v: bigint): void {
    this.r[2 * i] = Number(v & 0xffffffffn) | 0;
    this.r[2 * i + 1] = Number((v >> 32n) & 0xffffffffn) | 0;
  }
  /** Low 32 bits (unsigned). */
  getLo(i: number): number { return this.r[2 * i] >>> 0; }
  /** High 32 bits (unsigned). */
  getHi(i: number): number { return this.r[2 * i + 1] >>> 0; }
  setHalves(i: number, lo: number, hi: number): void { this.r[2 * i] = lo; this.r[2 * i + 1] = hi; }
  /** 64-bit GPR as a canonical-signed Number address (exact when the value is canonical). */
  getAddr(i: number): number { return this.r[2 * i + 1] * TWO32 + (this.r[2 * i] >>> 0); }
  /** Store a canonical-signed Number address in a GPR. */
  setAddr(i: number, a: number): void {
    const hi = Math.floor(a / TWO32);
    this.r[2 * i] = (a - hi * TWO32) | 0;
    this.r[2 * i + 1] = hi | 0;
  }

  /** Read an 8/16/32-bit register operand (unsigned). `i` 16..19 = AH/CH/DH/BH. */
  getReg(i: number, size: number): number {
    if (size === 4) return this.r[2 * i] >>> 0;
    if (size === 2) return this.r[2 * i] & 0xffff;
    if (i >= 16) return (this.r[2 * (i - 16)] >>> 8) & 0xff;
    return this.r[2 * i] & 0xff;
  }
  /** Write an 8/16/32-bit register operand with x86-64 semantics (32-bit writes zero the upper half, SDM Vol. 1 3.4.1.1). */
  setReg(i: number, size: number, v: number): void {
    if (size === 4) { this.r[2 * i] = v; this.r[2 * i + 1] = 0; return; }
    if (size === 2) { this.r[2 * i] = (this.r[2 * i] & ~0xffff) | (v & 0xffff); return; }
    if (i >= 16) { const j = 2 * (i - 16); this.r[j] = (this.r[j] & ~0xff00) | ((v & 0xff) << 8); return; }
    this.r[2 * i] = (this.r[2 * i] & ~0xff) | (v & 0xff);
  }

  /** RIP as an unsigned 64-bit bigint. */
  ripBig(): bigint { return BigInt.asUintN(64, BigInt(this.rip)); }

  /** Replace a segment register (selector + hidden cache). Loading CS sets CPL = selector RPL. */
  setSegment(index: number, s: SegmentState): void {
    this.seg[index] = s;
    if (index === Seg.CS) { this.cpl = s.selector & 3; this.mmu.refreshMode(); }
  }
  setCr0(v: number): void { this.cr0 = v >>> 0; this.mmu.refreshMode(); }
  setCr4(v: number): void { this.cr4 = v >>> 0; this.mmu.refreshMode(); }
  setEfer(v: number): void { this.efer = v; this.mmu.refreshMode(); }

  // ---------------------------------------------------------------- addresses

  /**
   * Effective linear address of the memory operand of `d`, with the FS/GS base added
   * (SDM Vol. 1 3.7.5). Non-canonical -> #GP(0), or #SS(0) for stack-segment references
   * (SDM Vol. 3A 6.15 "Interrupt 12").
   */
  ea(d: Decoded): number {
    let a: number;
    const r = this.r;
    if (d.asz === 8) {
      // Exact while every term is below 2**52: registers holding canonical values always are.
      a = d.md;
      const b = d.mb;
      if (b >= 0) {
        const h = r[2 * b + 1];
        if (h > 0xffff || h < -0x10000) return this.eaSlow(d);
        a += h * TWO32 + (r[2 * b] >>> 0);
      }
      const x = d.mi;
      if (x >= 0) {
        const h = r[2 * x + 1];
        if (h > 0xffff || h < -0x10000) return this.eaSlow(d);
        a += (h * TWO32 + (r[2 * x] >>> 0)) * d.ms;
      }
      if (d.mseg >= 0) a += this.seg[d.mseg].base;
      if (a >= -CANON && a < CANON) return a;
      return this.eaSlow(d);
    }
    // 32-bit address size: the sum wraps to 32 bits and is zero-extended before the segment base.
    a = d.md;
    if (d.mb >= 0) a += r[2 * d.mb] >>> 0;
    if (d.mi >= 0) a += (r[2 * d.mi] >>> 0) * d.ms;
    a = a >>> 0;
    if (d.mseg >= 0) a += this.seg[d.mseg].base;
    if (a >= -CANON && a < CANON) return a;
    return this.eaSlow(d);
  }

  private eaSlow(d: Decoded): number {
    let a = BigInt(d.md);
    if (d.mb >= 0) a += this.getGpr(d.mb);
    if (d.mi >= 0) a += this.getGpr(d.mi) * BigInt(d.ms);
    if (d.asz === 4) a &= 0xffffffffn;
    if (d.mseg >= 0) a += BigInt(this.seg[d.mseg].base);
    const s = BigInt.asIntN(64, a);
    if (s < -(1n << 47n) || s >= 1n << 47n) {
      const stack = d.mb === 4 || d.mb === 5;
      throw new GuestFault(stack ? Vec.SS : Vec.GP, 0, 'fault', `non-canonical address 0x${BigInt.asUintN(64, s).toString(16)}`);
    }
    return Number(s);
  }

  /** Make a 64-bit value (halves) a canonical-signed Number, or throw #GP(0) (for jumps: SDM Vol. 2 JMP). */
  canonical(lo: number, hi: number, what = 'address'): number {
    hi |= 0;
    if ((hi << 16 >> 16) !== hi) {
      throw new GuestFault(Vec.GP, 0, 'fault', `non-canonical ${what} 0x${((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16)}`);
    }
    return hi * TWO32 + (lo >>> 0);
  }

  // ---------------------------------------------------------------- stack (64-bit mode: 8-byte pushes)

  push64(lo: number, hi: number): void {
    const r = this.r;
    const sp = this.canonicalStack(r[8], r[9], -8);
    this.mmu.write64(sp, lo, hi);
    this.setAddr(4, sp);
  }
  /** Pop 64 bits: returns low half, high half in mmu.hi. */
  pop64(): number {
    const r = this.r;
    const sp = this.canonicalStack(r[8], r[9], 0);
    const lo = this.mmu.read64(sp);
    this.setAddr(4, sp + 8);
    return lo;
  }
  /** RSP + delta as an address; non-canonical stack addresses raise #SS(0). */
  canonicalStack(lo: number, hi: number, delta: number): number {
    const a = hi * TWO32 + (lo >>> 0) + delta;
    if (a < -CANON || a >= CANON || hi > 0x7fff || hi < -0x8001) {
      const v = BigInt.asIntN(64, ((BigInt(hi) << 32n) | BigInt(lo >>> 0)) + BigInt(delta));
      if (v < -(1n << 47n) || v >= 1n << 47n) throw new GuestFault(Vec.SS, 0, 'fault', 'non-canonical stack address');
      return Number(v);
    }
    return a;
  }

  // ---------------------------------------------------------------- events

  /** Deliver an exception/interrupt through the machine's hook (IDT etc.). RIP must already be the saved RIP. */
  deliver(vector: number, errorCode: number | undefined, kind: EventKind, reason = ''): void {
    this.deliverHook(this, vector, errorCode, kind, reason);
  }

  /** Write RFLAGS (bit 1 forced set); use it whenever IF may become 1 so a pending interrupt is noticed. */
  setRflags(v: number): void {
    this.rflags = ((v | 2) & 0x3f7fd7) >>> 0;
    if (this.pendingCount > 0 && (v & RFLAGS.IF)) this.attention = 1;
  }

  /** Mark an external interrupt pending (timer). Taken at an instruction boundary when IF=1 and no shadow. */
  raiseInterrupt(vector: number): void {
    if (!this.pending[vector]) { this.pending[vector] = 1; this.pendingCount++; }
    this.attention = 1;
  }
  hasPendingInterrupt(): boolean { return this.pendingCount > 0; }
  /** Inhibit interrupts until after the next instruction (sti, mov ss, pop ss). */
  setInterruptShadow(): void { this.shadowUntil = this.icount + 2; }
  /** Stop this core for good; run()/step() return 'stopped'. */
  stop(message: string): void {
    if (this.stopMessage === null) this.stopMessage = message;
    this.attention = 1;
  }
  /** Ask run() to return 'exit' at the next instruction boundary (e.g. to switch cores after a GS event). */
  requestExit(): void { this.exitRequested = true; this.attention = 1; }

  /** True when an interrupt can be taken now (RFLAGS.IF, no shadow, SDM Vol. 3A 6.8.1). */
  private interruptDeliverable(): boolean {
    return this.pendingCount > 0 && (this.rflags & RFLAGS.IF) !== 0 && this.icount >= this.shadowUntil;
  }

  private takeInterrupt(): void {
    // Higher vector = higher priority class in the local APIC (SDM Vol. 3A 11.8.3).
    for (let v = 255; v >= 0; v--) {
      if (this.pending[v]) {
        this.pending[v] = 0; this.pendingCount--;
        this.halted = false;
        this.deliver(v, undefined, 'interrupt');
        return;
      }
    }
  }

  /** Service point at an instruction boundary. Returns a stop reason or null to continue. */
  private service(): StopReason | null {
    this.attention = 0;
    if (this.stopMessage !== null) { this.attention = 1; return 'stopped'; }
    if (this.exitRequested) { this.exitRequested = false; return 'exit'; }
    if (this.pendingCount > 0) {
      if (this.interruptDeliverable()) { this.guard(() => this.takeInterrupt()); if (this.stopMessage !== null) return 'stopped'; }
      // Keep coming back while something stays pending (IF may become 1 at any instruction).
      if (this.pendingCount > 0) this.attention = 1;
    }
    if (this.halted) return 'halted';
    return null;
  }

  private guard(f: () => void): void {
    try { f(); } catch (e) {
      if (e instanceof GuestFault) this.stop(`fault while delivering an event: ${vectorName(e.vector)} ${e.reason}`);
      else throw e;
    }
  }

  /** Handle a fault thrown by an instruction: fix RIP per the event kind and deliver it. */
  private onFault(e: GuestFault): void {
    this.lastFault = e;
    this.eventRip = this.rip;
    if (e.kind !== 'fault') { this.rip = this.nextRip; this.icount++; }
    this.guard(() => this.deliver(e.vector, e.errorCode, e.kind, e.reason));
  }

  // ---------------------------------------------------------------- execution

  /** The decoded instruction at `rip` (decoding and caching it on first use). Throws #PF / #UD. */
  fetch(rip: number): Decoded {
    const p = this.mmu.fetchPage(rip);
    const cache = p.code;
    if (cache !== null) {
      const d = cache[rip & 4095] as Decoded | undefined;
      if (d !== undefined) return d;
    }
    return decodeAt(this, p, rip);
  }

  /** Execute one instruction (or take one pending interrupt / report halt). */
  step(): StopReason {
    const s = this.service();
    if (s !== null && s !== 'exit') return s;
    try {
      const d = this.fetch(this.rip);
      this.nextRip = d.next;
      d.fn(this, d);
      this.rip = this.nextRip;
      this.icount++;
    } catch (e) {
      if (e instanceof GuestFault) this.onFault(e); else throw e;
    }
    if (this.stopMessage !== null) return 'stopped';
    return this.halted ? 'halted' : 'budget';
  }

  /** Run up to `budget` instructions. */
  run(budget: number): StopReason {
    const end = this.icount + budget;
    let first = true;
    for (;;) {
      if (this.attention !== 0) {
        const s = this.service();
        if (s !== null) return s;
      }
      if (this.icount >= end) return 'budget';
      try {
        if (this.attention !== 0) {
          // An interrupt is pending but blocked (IF=0 or shadow): go one instruction at a time so
          // every boundary is looked at (SDM Vol. 3A 6.8.3), instead of spinning on the service point.
          if (!first && this.breakpoints.size !== 0 && this.breakpoints.has(this.rip)) return 'breakpoint';
          first = false;
          const d = this.fetch(this.rip);
          this.nextRip = d.next;
          d.fn(this, d);
          this.rip = this.nextRip;
          this.icount++;
          continue;
        }
        if (this.jit) {
          const r = this.runBlocks(end, first);
          if (r !== null) return r;
        } else if (this.breakpoints.size !== 0) {
          while (this.icount < end && this.attention === 0) {
            if (!first && this.breakpoints.has(this.rip)) return 'breakpoint';
            first = false;
            const d = this.fetch(this.rip);
            this.nextRip = d.next;
            d.fn(this, d);
            this.rip = this.nextRip;
            this.icount++;
          }
        } else {
          while (this.icount < end && this.attention === 0) {
            const d = this.fetch(this.rip);
            this.nextRip = d.next;
            d.fn(this, d);
            this.rip = this.nextRip;
            this.icount++;
          }
        }
      } catch (e) {
        if (e instanceof GuestFault) this.onFault(e); else throw e;
      }
      first = false;
    }
  }

  /**
   * Fast path: run compiled blocks (emulator/cpu/jit.ts), interpreting cold code. A block is only
   * entered when it fits in the remaining budget, so instruction counts stay exact, and only when
   * no breakpoint lies inside it (breakpoints at block starts are checked here).
   */
  private runBlocks(end: number, first: boolean): StopReason | null {
    const threshold = this.jitThreshold;
    const bps = this.breakpoints;
    const checkBp = bps.size !== 0;
    while (this.icount < end && this.attention === 0) {
      const rip = this.rip;
      if (checkBp) {
        if (!first && bps.has(rip)) return 'breakpoint';
        first = false;
      }
      const p = this.mmu.fetchPage(rip);
      const slot = BLOCK_SLOT + (rip & 4095);
      let code = p.code;
      const b = code !== null ? code[slot] as Block | null | undefined : undefined;
      if (b && b.len <= end - this.icount && (!checkBp || !this.breakpointInside(b))) {
        b.fn(this, end - this.icount);
        continue;
      }
      const d = this.fetch(rip);
      if (b === undefined && ++d.hits >= threshold) {
        let nb: Block | null = null;
        try { nb = compileBlock(this, rip); } catch (e) {
          // A generator bug must not take the guest down: keep interpreting this block.
          this.jitErrors.push(`block at 0x${BigInt.asUintN(64, BigInt(rip)).toString(16)}: ${String(e)}`);
        }
        code = p.code;
        if (code !== null) code[slot] = nb;
        // Run it now (the breakpoint at rip, if any, was already passed above).
        if (nb !== null && nb.len <= end - this.icount && (!checkBp || !this.breakpointInside(nb))) {
          nb.fn(this, end - this.icount);
          continue;
        }
      }
      this.nextRip = d.next;
      d.fn(this, d);
      this.rip = this.nextRip;
      this.icount++;
    }
    return null;
  }

  /** A breakpoint the block would run past (its start counts too when the block loops back to it). */
  private breakpointInside(b: Block): boolean {
    for (const a of this.breakpoints) {
      if (a > b.start && a < b.end) return true;
      if (a === b.start && b.loops) return true;
    }
    return false;
  }

  /** The TSC value (deterministic: retired instructions + offset). */
  tsc(): bigint { return BigInt.asUintN(64, BigInt(this.icount) + BigInt(this.tscOffset)); }
}
