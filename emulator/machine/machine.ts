// The machine of DESIGN.md "The machine model": N cores sharing memory, loaded from an
// AssembledProgram, deterministic round-robin scheduling with a quantum, a per-core periodic
// timer, ports 0xE9 (console) and 0xF4 (exit), an instruction budget, and the observability API
// the debugger and `swapgs-lab run` use (stepping, run-until, registers, MSRs, memory, GS events,
// shadow call stacks, snapshots). No I/O and no VS Code types here.

import '../cpu';
import { Core, RFLAGS, Seg, type StopReason } from '../cpu/core';
import { attachSystem, installCallHooks, setSysState, sysOf } from '../cpu/system';
import type { SystemState } from '../cpu/system';
import type { AssembledProgram } from '../asm/types';
import { Attr, Memory, type MemorySnapshot } from './memory';
import { LineTable, planLoad, type LoadPlan } from './loader';
import { Emitter, type GsEvent } from './events';
import { ShadowStack, type ShadowFrame } from './shadow-stack';
import { readRegister, writeRegister } from './registers';
import { captureCore, restoreCore } from './snapshot';
import { DefaultSelector } from './descriptors';

export const PORT_CONSOLE = 0xe9;
export const PORT_EXIT = 0xf4;

export interface MachineOptions {
  entry?: string;
  cpus?: number;
  timer?: { vector: number; period: number };
  quantum?: number;
  /** Instruction budget of the whole machine (all cores). */
  maxInstructions?: number;
  /** Keep the shadow call stacks (default true; `swapgs-lab run` turns them off for speed). */
  callStack?: boolean;
}

/** Why the machine (or a run/step call) stopped. Terminal kinds end the machine. */
export type RunResult =
  | { kind: 'exit'; exitCode: number; core: number } // out 0xF4 (terminal)
  | { kind: 'halted'; exitCode: 0 } // every core stopped by hlt (terminal)
  | { kind: 'fault'; exitCode: 3; core: number; message: string } // unhandled exception, triple fault (terminal)
  | { kind: 'budget'; exitCode: 4; message: string } // instruction budget exhausted (terminal)
  | { kind: 'breakpoint'; core: number; address: number }
  | { kind: 'watch'; core: number; watch: Watch; detail: string }
  | { kind: 'paused'; core: number } // pause() or the run's own instruction limit
  | { kind: 'step'; core: number }; // step() finished normally

export type Watch =
  | { kind: 'memory'; address: number; size: number }
  | { kind: 'gs-base' }
  | { kind: 'kernel-gs-base' }
  | { kind: 'fs-base' }
  | { kind: 'cpl' }
  | { kind: 'swapgs' };

/** Scheduling state of a core. */
export type CoreRunState = 'running' | 'waiting' | 'stopped';


interface CoreExtra {
  state: CoreRunState;
  nextTick: number;
  shadow: ShadowStack;
  /** A timer tick arrived while IF=0: held here until an instruction sets IF (see tick()). */
  tickHeld: boolean;
  /** IF was just set with a tick held: raise it at the next boundary. */
  tickRelease: boolean;
}

export interface MachineSnapshot {
  readonly memory: MemorySnapshot;
  readonly cores: readonly { fields: Record<string, unknown>; sys: SystemState; extra: CoreExtra }[];
  readonly machine: { executed: number; cur: number; sliceUsed: number; result: RunResult | null };
}

export class Machine {
  readonly memory = new Memory({ maxBytes: 1024 * 1024 * 1024 });
  readonly cores: Core[] = [];
  readonly lines: LineTable;
  readonly plan: LoadPlan;
  readonly quantum: number;
  readonly maxInstructions: number;
  readonly timer?: { vector: number; period: number };
  /** Every GS event of every core (swapgs, base writes, CPL changes). */
  readonly gsEvents = new Emitter<GsEvent>(() => this.updateGsSink());
  /** Console bytes written to port 0xE9. */
  readonly console = new Emitter<Uint8Array>();
  /** Instructions retired by all cores. */
  executed = 0;
  private readonly extra: CoreExtra[] = [];
  private cur = 0;
  private sliceUsed = 0;
  private result: RunResult | null = null;
  private pauseRequested = false;
  private watches: Watch[] = [];
  private watchHit: { core: number; watch: Watch; detail: string } | null = null;
  /** A core resuming from a breakpoint at this icount does not stop there again. */
  private resume: { core: number; icount: number } | null = null;

  private readonly keepCallStack: boolean;

  private constructor(readonly program: AssembledProgram, plan: LoadPlan, options: MachineOptions) {
    installCallHooks();
    this.keepCallStack = options.callStack ?? true;
    this.plan = plan;
    this.lines = new LineTable(program.lines);
    this.quantum = Math.max(1, options.quantum ?? 1000);
    this.maxInstructions = options.maxInstructions ?? 100_000_000;
    if (options.timer) this.timer = options.timer;
    for (const p of plan.pages) {
      this.memory.map(p.addr, 4096, Attr.Present | Attr.Writable | Attr.Executable | (p.user ? Attr.User : 0));
    }
    for (const w of plan.writes) this.memory.writeBytes(w.addr, w.bytes);
    const cpus = plan.stacks.length;
    for (let i = 0; i < cpus; i++) {
      const c = new Core(this.memory, i);
      this.resetCore(c, i);
      this.cores.push(c);
      this.extra.push({
        state: 'running',
        nextTick: this.timer ? this.timer.period : Infinity,
        shadow: new ShadowStack(plan.entry, plan.stacks[i]!.top),
        tickHeld: false,
        tickRelease: false,
      });
    }
  }

  /** Loads `program` and builds the machine, or says why it cannot run. */
  static create(program: AssembledProgram, options: MachineOptions = {}): { ok: true; machine: Machine } | { ok: false; error: string } {
    const cpus = options.cpus ?? 1;
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > 64) return { ok: false, error: `cpus must be 1..64, got ${cpus}` };
    if (options.timer && (options.timer.vector < 32 || options.timer.vector > 255 || !(options.timer.period >= 1))) {
      return { ok: false, error: 'timer needs a vector 32..255 and a period of at least 1 instruction' };
    }
    const r = planLoad(program, { cpus, ...(options.entry !== undefined ? { entry: options.entry } : {}) });
    if (!r.ok) return r;
    return { ok: true, machine: new Machine(program, r.plan, options) };
  }

  /** The entry state of DESIGN.md: 64-bit CPL 0 at the entry, default GDT, reset MSRs, no IDT. */
  private resetCore(c: Core, i: number): void {
    attachSystem(c, {
      ports: { in: (core, port, size) => this.portIn(core, port, size), out: (core, port, size, v) => this.portOut(core, port, size, v) },
      observer: {
        // Installed only while someone listens or a GS watch is set (see updateGsSink).
        ...(this.gsSinkOn ? { gsEvent: this.gsSink } : {}),
        ...(this.keepCallStack ? {
          pushFrame: (core, f) => this.extra[sysOf(core).index]?.shadow.push(f),
          popFrame: (core, kinds, rsp) => {
            const s = this.extra[sysOf(core).index]?.shadow;
            if (!s) return;
            if (kinds) s.returnFrom(kinds);
            else s.ret(rsp);
          },
        } : {}),
        ifSet: (core) => {
          const x = this.extra[sysOf(core).index];
          if (x?.tickHeld) {
            x.tickHeld = false;
            x.tickRelease = true;
            core.requestExit(); // raised between instructions, so Core.run never sees it blocked mid-run
          }
        },
      },
      where: (a) => this.where(a),
    });
    c.setEfer(0x501); // LME | LMA | SCE (design: MSRs at reset)
    c.gdtr = { base: this.plan.gdt.base, limit: this.plan.gdt.limit };
    c.idtr = { base: 0, limit: 0 };
    c.tr = { selector: 0, base: 0, limit: 0, type: 11 };
    c.seg[Seg.CS]!.selector = DefaultSelector.KERNEL_CS;
    for (const s of [Seg.SS, Seg.DS, Seg.ES]) c.seg[s]!.selector = DefaultSelector.KERNEL_DS;
    c.seg[Seg.FS]!.selector = 0;
    c.seg[Seg.GS]!.selector = 0;
    c.rip = this.plan.entry;
    c.nextRip = this.plan.entry;
    c.setAddr(4, this.plan.stacks[i]!.top);
  }

  /** file:line of an address (hex when no source line emitted it). */
  where(address: number): string {
    return this.lines.format(address);
  }

  private labels: { address: number; name: string }[] | null = null;

  /** The nearest label at or below `address` as `name` or `name+0x12` (the debugger's frame names). */
  symbolize(address: number): string | undefined {
    if (!this.labels) {
      this.labels = [...this.program.symbols.values()]
        .filter((s) => s.kind === 'label')
        .map((s) => ({ address: Number(s.value), name: s.name }))
        .sort((a, b) => a.address - b.address);
    }
    const l = this.labels;
    let lo = 0;
    let hi = l.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (l[mid]!.address <= address) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return undefined;
    // Several labels at one address: prefer a non-local one over a `.local` name.
    let b = best;
    while (b > 0 && l[b - 1]!.address === l[best]!.address && l[b]!.name.startsWith('.')) b--;
    const off = address - l[b]!.address;
    return off === 0 ? l[b]!.name : `${l[b]!.name}+0x${off.toString(16)}`;
  }

  // ---------------------------------------------------------------- devices

  private portIn(_c: Core, port: number, _size: number): number {
    // Reading the Bochs debug port returns 0xE9 (how guests detect it); other ports float high.
    if (port === PORT_CONSOLE) return PORT_CONSOLE;
    return 0xffffffff;
  }

  private portOut(c: Core, port: number, size: number, value: number): void {
    if (port === PORT_CONSOLE) {
      this.console.emit(Uint8Array.of(value & 0xff));
    } else if (port === PORT_EXIT) {
      const idx = sysOf(c).index;
      this.result = { kind: 'exit', exitCode: size === 1 ? value & 0xff : value >>> 0, core: idx };
      c.requestExit();
    }
  }

  private readonly gsSink = (e: GsEvent): void => this.onGsEvent(e);
  private gsSinkOn = false;

  /** GS events cost allocations on every swapgs/syscall: build them only when someone reads them. */
  private updateGsSink(): void {
    const on = this.gsEvents.active || this.watches.some((w) => w.kind !== 'memory');
    if (on === this.gsSinkOn) return;
    this.gsSinkOn = on;
    for (const c of this.cores) {
      const o = sysOf(c).observer;
      if (on) o.gsEvent = this.gsSink;
      else delete o.gsEvent;
    }
  }

  private onGsEvent(e: GsEvent): void {
    this.gsEvents.emit(e);
    for (const w of this.watches) {
      const hit =
        (w.kind === 'gs-base' && e.kind === 'gs-base') ||
        (w.kind === 'gs-base' && e.kind === 'swapgs') ||
        (w.kind === 'kernel-gs-base' && (e.kind === 'kernel-gs-base' || e.kind === 'swapgs')) ||
        (w.kind === 'fs-base' && e.kind === 'fs-base') ||
        (w.kind === 'cpl' && e.kind === 'cpl') ||
        (w.kind === 'swapgs' && e.kind === 'swapgs');
      if (hit) {
        this.watchHit = { core: e.core, watch: w, detail: `${e.kind} at ${this.where(e.rip)}` };
        this.cores[e.core]?.requestExit();
        return;
      }
    }
  }

  // ---------------------------------------------------------------- control

  /** The terminal result once the machine ended (exit, all halted, fault, budget), else null. */
  get finished(): RunResult | null {
    return this.result;
  }

  coreState(i: number): CoreRunState {
    return this.extra[i]!.state;
  }

  /** Breakpoint addresses, on every core. */
  setBreakpoints(addresses: Iterable<number>): void {
    const set = [...addresses];
    for (const c of this.cores) {
      c.breakpoints.clear();
      for (const a of set) c.breakpoints.add(a);
    }
  }

  setWatches(watches: Watch[]): void {
    this.watches = [...watches];
    this.updateGsSink();
    this.memWatchValues = this.watches.filter((w): w is Extract<Watch, { kind: 'memory' }> => w.kind === 'memory').map((w) => ({
      w,
      bytes: this.memory.readBytes(w.address, w.size),
    }));
  }
  private memWatchValues: { w: Extract<Watch, { kind: 'memory' }>; bytes: Uint8Array | undefined }[] = [];

  /** Ask a running `run()` to return 'paused' at the next instruction boundary. */
  pause(): void {
    this.pauseRequested = true;
    for (const c of this.cores) c.requestExit();
  }

  /** Runs the cores round-robin until the machine ends or something stops it. `limit`: at most this many instructions now. */
  run(limit = Infinity): RunResult {
    this.pauseRequested = false;
    const start = this.executed;
    for (;;) {
      if (this.result) return this.result;
      const live = this.extra.some((x) => x.state !== 'stopped');
      if (!live) return (this.result = { kind: 'halted', exitCode: 0 });
      if (this.executed >= this.maxInstructions) {
        return (this.result = { kind: 'budget', exitCode: 4, message: `instruction budget of ${this.maxInstructions} exhausted` });
      }
      if (this.executed - start >= limit) return { kind: 'paused', core: this.cur };
      const i = this.cur;
      const x = this.extra[i]!;
      if (x.state === 'stopped') {
        this.rotate();
        continue;
      }
      const c = this.cores[i]!;
      if (c.breakpoints.size && c.breakpoints.has(c.rip) && x.state === 'running' && !this.resumeHere(i, c)) {
        this.resume = { core: i, icount: c.icount };
        return { kind: 'breakpoint', core: i, address: c.rip };
      }
      let n = Math.min(this.quantum - this.sliceUsed, this.maxInstructions - this.executed, limit - (this.executed - start));
      if (this.timer) n = Math.min(n, Math.max(1, x.nextTick - c.icount));
      if (this.memWatchValues.length) n = 1;
      n = Math.max(1, n);
      if (x.state === 'waiting') this.wake(c, x);
      const before = c.icount;
      const reason = this.runCore(c, n);
      const r = this.account(i, c, x, before, reason);
      if (r) {
        if (r.kind === 'breakpoint') this.resume = { core: i, icount: c.icount };
        return r;
      }
      if (this.pauseRequested) {
        this.pauseRequested = false;
        return { kind: 'paused', core: i };
      }
      if (this.sliceUsed >= this.quantum || x.state !== 'running' || reason === 'halted') this.rotate();
    }
  }

  /** Executes one instruction (or one interrupt delivery) on core `i`; the schedule does not move. */
  step(i: number): RunResult {
    if (this.result) return this.result;
    const c = this.cores[i];
    const x = this.extra[i];
    if (!c || !x) throw new RangeError(`no core ${i}`);
    if (x.state === 'stopped') return { kind: 'paused', core: i };
    if (x.state === 'waiting') this.wake(c, x);
    const before = c.icount;
    const reason = c.rflags & RFLAGS.TF ? this.singleStep(c, 1) : c.step();
    const saved = this.sliceUsed;
    const r = this.account(i, c, x, before, reason === 'budget' ? 'budget' : reason);
    this.sliceUsed = saved;
    this.resume = { core: i, icount: c.icount };
    return r ?? { kind: 'step', core: i };
  }

  /**
   * Runs up to `n` instructions. While an interrupt is pending but blocked (IF=0 or the sti/mov ss
   * shadow) it steps one instruction at a time: the core must look at the pending vector at every
   * boundary, and Core.run() makes no progress in that state.
   */
  private runCore(c: Core, n: number): StopReason {
    if (c.rflags & RFLAGS.TF) return this.singleStep(c, n);
    if (!c.hasPendingInterrupt()) return c.run(n);
    const end = c.icount + n;
    let first = true;
    while (c.icount < end) {
      if (!first && c.breakpoints.size !== 0 && c.breakpoints.has(c.rip)) return 'breakpoint';
      first = false;
      const r = c.step();
      if (r !== 'budget') return r;
      if (this.result || this.watchHit || this.pauseRequested) return 'exit';
      if (!c.hasPendingInterrupt()) return end > c.icount ? c.run(end - c.icount) : 'budget';
    }
    return 'budget';
  }

  /**
   * RFLAGS.TF: a #DB trap after every instruction that started with TF=1 and retired without
   * raising an exception or taking an interrupt (SDM Vol 3A 18.3.1.4, "Single-Step Exception
   * Condition"); the saved RIP is the next instruction.
   */
  private singleStep(c: Core, n: number): StopReason {
    const end = c.icount + n;
    let first = true;
    while (c.icount < end) {
      if (!first && c.breakpoints.size !== 0 && c.breakpoints.has(c.rip)) return 'breakpoint';
      first = false;
      const tf = c.rflags & RFLAGS.TF;
      const sys = sysOf(c);
      const delivered = sys.deliveries;
      const before = c.icount;
      const r = c.step();
      if (tf && c.icount === before + 1 && sys.deliveries === delivered && c.stopMessage === null) {
        c.deliver(1, undefined, 'trap', 'single-step trap (RFLAGS.TF)');
      }
      if (r !== 'budget') return r;
      if (c.stopMessage !== null) return 'stopped';
      if (this.result || this.watchHit || this.pauseRequested) return 'exit';
      if (!(c.rflags & RFLAGS.TF) && !c.hasPendingInterrupt()) return end > c.icount ? c.run(end - c.icount) : 'budget';
    }
    return 'budget';
  }

  private resumeHere(i: number, c: Core): boolean {
    return this.resume !== null && this.resume.core === i && this.resume.icount === c.icount;
  }

  private rotate(): void {
    this.cur = (this.cur + 1) % this.cores.length;
    this.sliceUsed = 0;
  }

  /** A core waiting in hlt with IF=1 gets its next timer tick now (time skips ahead while idle). */
  private wake(c: Core, x: CoreExtra): void {
    x.state = 'running';
    x.tickHeld = false;
    if (this.timer && !c.hasPendingInterrupt()) {
      c.raiseInterrupt(this.timer.vector);
      x.nextTick = c.icount + this.timer.period;
    }
  }

  /**
   * A timer tick. With IF=1 it becomes pending in the core; with IF=0 the machine holds it until an
   * instruction sets IF (the interrupt stays pending, SDM Vol 3A 6.8.1), so the core keeps running
   * at full speed instead of checking a blocked interrupt at every boundary.
   */
  private tick(c: Core, x: CoreExtra): void {
    if (c.rflags & RFLAGS.IF) c.raiseInterrupt(this.timer!.vector);
    else x.tickHeld = true;
  }

  /** Bookkeeping after a core ran: budget, timer, halt/stop states, watches. Returns a stop, if any. */
  private account(i: number, c: Core, x: CoreExtra, before: number, reason: StopReason): RunResult | null {
    const delta = c.icount - before;
    this.executed += delta;
    this.sliceUsed += delta;
    if (this.timer) {
      while (c.icount >= x.nextTick) {
        this.tick(c, x);
        x.nextTick += this.timer.period;
      }
      if (x.tickRelease) {
        x.tickRelease = false;
        c.raiseInterrupt(this.timer.vector);
      }
    }
    if (reason === 'stopped' || c.stopMessage !== null) {
      x.state = 'stopped';
      return (this.result = { kind: 'fault', exitCode: 3, core: i, message: `cpu${i}: ${c.stopMessage ?? 'stopped'}` });
    }
    if (this.result) return this.result;
    if (reason === 'halted') {
      // hlt with IF=0, or with no timer configured, stops the core; with IF=1 it waits for its timer (design).
      if (!(c.rflags & RFLAGS.IF) || !this.timer) x.state = 'stopped';
      else x.state = 'waiting';
    }
    if (this.watchHit) {
      const h = this.watchHit;
      this.watchHit = null;
      return { kind: 'watch', ...h };
    }
    for (const m of this.memWatchValues) {
      const now = this.memory.readBytes(m.w.address, m.w.size);
      if (!sameBytes(now, m.bytes)) {
        m.bytes = now;
        return { kind: 'watch', core: i, watch: m.w, detail: `memory 0x${m.w.address.toString(16)} changed at ${this.where(c.rip)}` };
      }
    }
    if (reason === 'breakpoint') return { kind: 'breakpoint', core: i, address: c.rip };
    return null;
  }

  // ---------------------------------------------------------------- state access (debugger)

  /** Reads a register by name (registers.ts lists the names); undefined for an unknown name. */
  readRegister(core: number, name: string): bigint | undefined {
    const c = this.cores[core];
    return c ? readRegister(c, name) : undefined;
  }

  /** Writes a register by name; returns why it was refused (non-canonical, reserved bits ...). */
  writeRegister(core: number, name: string, value: bigint): string | undefined {
    const c = this.cores[core];
    if (!c) return `no core ${core}`;
    return writeRegister(c, name, value, () => {
      const x = this.extra[core]!;
      if (x.tickHeld && c.rflags & RFLAGS.IF && this.timer) {
        x.tickHeld = false;
        c.raiseInterrupt(this.timer.vector);
      }
    });
  }

  /** Debugger memory access: no permission checks; undefined when a byte is unmapped. */
  readMemory(address: number, length: number): Uint8Array | undefined {
    return this.memory.readBytes(address, length);
  }

  writeMemory(address: number, bytes: Uint8Array): boolean {
    return this.memory.writeBytes(address, bytes);
  }

  /** The shadow call stack of a core, innermost frame last. */
  callStack(core: number): readonly ShadowFrame[] {
    return this.extra[core]?.shadow.frames ?? [];
  }

  // ---------------------------------------------------------------- snapshots

  /** Captures the whole machine; memory pages become copy-on-write (cheap). */
  snapshot(): MachineSnapshot {
    return {
      memory: this.memory.snapshot(),
      cores: this.cores.map((c, i) => ({
        fields: captureCore(c),
        sys: sysOf(c).clone(),
        extra: { ...this.extra[i]!, shadow: this.extra[i]!.shadow.clone() },
      })),
      machine: { executed: this.executed, cur: this.cur, sliceUsed: this.sliceUsed, result: this.result },
    };
  }

  /** Restores a snapshot exactly (it stays valid for more restores). */
  restore(s: MachineSnapshot): void {
    this.memory.restore(s.memory);
    s.cores.forEach((sc, i) => {
      const c = this.cores[i]!;
      restoreCore(c, sc.fields);
      setSysState(c, sc.sys.clone());
      this.extra[i] = { ...sc.extra, shadow: sc.extra.shadow.clone() };
    });
    this.executed = s.machine.executed;
    this.cur = s.machine.cur;
    this.sliceUsed = s.machine.sliceUsed;
    this.result = s.machine.result;
    this.watchHit = null;
    this.resume = null;
    this.setWatches(this.watches);
  }
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
