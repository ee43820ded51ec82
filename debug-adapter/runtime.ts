// The debugger's runtime, free of DAP types: assembles a program, drives the emulated machine in
// slices (so pause works and the event loop breathes), maps source lines <-> addresses, resolves
// breakpoints against the line table and implements source-level stepping (in / over / out).

import path from 'node:path';
import { assemble } from '../emulator/asm/index';
import type { Diagnostic, FileHost, LineEntry } from '../emulator/asm/types';
import { formatGsEvent } from '../emulator/machine/events';
import { Machine, type MachineSnapshot, type RunResult, type Watch } from '../emulator/machine/machine';

export interface RuntimeOptions {
  program: string;
  entry?: string;
  cpus?: number;
  timer?: { vector: number; period: number };
  quantum?: number;
  maxInstructions?: number;
  includePaths?: string[];
  /** Report every GS event as a text line (the CLI's `--trace gs` format). */
  trace?: boolean;
}

/** Why execution stopped while the machine can still go on. */
export type StopReason = 'entry' | 'breakpoint' | 'data breakpoint' | 'step' | 'pause' | 'exception';

export type Outcome =
  | { kind: 'stopped'; reason: StopReason; core: number; text?: string }
  | { kind: 'ended'; exitCode: number; message?: string };

export interface ResolvedBreakpoint {
  /** 0-based line the breakpoint really sits on (the next line with code), when verified. */
  line?: number;
  verified: boolean;
  address?: number;
  message?: string;
}

/** Stops remembered for step back / reverse continue (snapshots are copy-on-write, so cheap). */
export const MAX_HISTORY = 256;

/** The state at one stop, for going back to it. */
interface HistoryEntry {
  snapshot: MachineSnapshot;
  swapgs: number[];
  faultShown: boolean;
  stop: Extract<Outcome, { kind: 'stopped' }>;
}

/** Instructions per synchronous slice before yielding to the event loop. */
export const SLICE = 50_000;
/** A single step command gives up after this many instructions (a spinning core never finishes a line). */
export const MAX_STEP_INSTRUCTIONS = 5_000_000;

export type LoadResult = { ok: true; runtime: Runtime } | { ok: false; errors: string[] };

/** `file:line:col: error: message`, 1-based (what editors and the CLI print). */
export function formatError(d: Diagnostic): string {
  return `${d.range.file}:${d.range.line + 1}:${d.range.start + 1}: ${d.severity}: ${d.message}`;
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

export class Runtime {
  /** Console bytes (port 0xE9) and trace lines, delivered as they happen. */
  onOutput: (category: 'stdout' | 'console', text: string) => void = () => {};
  private pauseRequested = false;
  private busy = false;
  /** A fault stops once (so the user can look), the next resume ends the session. */
  private faultShown = false;
  /** Core that sits on a breakpoint it already reported (entry stop, restored stop): continue passes it. */
  private skipBreakpointOn: number | undefined;
  private readonly history: HistoryEntry[] = [];
  private breakpointsByFile = new Map<string, number[]>();
  private readonly swapgsCount: number[];

  private constructor(readonly machine: Machine, readonly options: RuntimeOptions) {
    this.swapgsCount = machine.cores.map(() => 0);
    machine.console.on((b) => this.onOutput('stdout', String.fromCharCode(...b)));
    machine.gsEvents.on((e) => {
      if (e.kind === 'swapgs') this.swapgsCount[e.core]!++;
      if (options.trace) this.onOutput('console', `${formatGsEvent(e, (a) => machine.where(a))}\n`);
    });
    this.remember({ kind: 'stopped', reason: 'entry', core: 0 });
  }

  /** Reads, assembles and loads the program; errors are located `file:line:col` messages. */
  static load(options: RuntimeOptions, host: FileHost): LoadResult {
    const file = path.resolve(options.program);
    const source = host.readText(file);
    if (source === undefined) return { ok: false, errors: [`cannot read '${options.program}'`] };
    const program = assemble(source, file, { host, includePaths: options.includePaths ?? [] });
    const errors = program.diagnostics.filter((d) => d.severity === 'error').map(formatError);
    if (errors.length > 0) return { ok: false, errors };
    const created = Machine.create(program, {
      ...(options.entry !== undefined ? { entry: options.entry } : {}),
      ...(options.cpus !== undefined ? { cpus: options.cpus } : {}),
      ...(options.timer ? { timer: options.timer } : {}),
      ...(options.quantum !== undefined ? { quantum: options.quantum } : {}),
      ...(options.maxInstructions !== undefined ? { maxInstructions: options.maxInstructions } : {}),
    });
    if (!created.ok) return { ok: false, errors: [`${file}: ${created.error}`] };
    return { ok: true, runtime: new Runtime(created.machine, { ...options, program: file }) };
  }

  get cores(): number {
    return this.machine.cores.length;
  }

  /** swapgs executed by a core since the start (its parity tells which base is in gs.base). */
  swapgsExecuted(core: number): number {
    return this.swapgsCount[core] ?? 0;
  }

  /** Value of a register or MSR name (`rax`, `gs.base`, `IA32_LSTAR`) on `core`, else of a label or equ. */
  evaluate(core: number, expression: string): bigint | undefined {
    const name = expression.trim();
    if (!/^[A-Za-z_.$?@][\w.$?@#~]*$/.test(name)) return undefined;
    const r = this.machine.readRegister(core, name === 'KernelGSBase' ? 'kernel_gs_base' : name);
    if (r !== undefined) return r;
    const sym = this.machine.program.symbols.get(name);
    return sym && sym.kind !== 'extern' ? BigInt.asUintN(64, sym.value) : undefined;
  }

  // ---------------------------------------------------------------- lines and breakpoints

  /** The line entry (file, 0-based line) of the instruction at `address`. */
  lineAt(address: number): LineEntry | undefined {
    return this.machine.lines.lookup(address);
  }

  /**
   * Replaces the breakpoints of one file. A line without code moves to the next line of the same
   * file that has an instruction; a line after the last instruction is not verified.
   */
  setBreakpoints(file: string, lines: readonly number[]): ResolvedBreakpoint[] {
    const f = path.resolve(file);
    const code = this.instructionLines(f);
    const out: ResolvedBreakpoint[] = [];
    const addresses: number[] = [];
    for (const line of lines) {
      const next = code.find((l) => l.line >= line);
      if (!next) {
        out.push({ verified: false, message: 'no instruction on or after this line' });
        continue;
      }
      out.push({ verified: true, line: next.line, address: next.address });
      addresses.push(next.address);
    }
    this.breakpointsByFile.set(f, addresses);
    this.machine.setBreakpoints([...this.breakpointsByFile.values()].flat());
    return out;
  }

  /** First address of each source line with an instruction, sorted by line. */
  private instructionLines(file: string): { line: number; address: number }[] {
    const first = new Map<number, number>();
    for (const l of this.machine.program.lines) {
      if (l.kind !== 'instruction' || l.size === 0 || path.resolve(l.site.file) !== file) continue;
      const cur = first.get(l.site.line);
      if (cur === undefined || l.address < cur) first.set(l.site.line, l.address);
    }
    return [...first.entries()].map(([line, address]) => ({ line, address })).sort((a, b) => a.line - b.line);
  }

  /**
   * Replaces the data breakpoints. Ids: `gs-base`, `kernel-gs-base`, `fs-base`, `cpl`, `swapgs`
   * (the machine's GS watches) or `memory:ADDRESS:SIZE`; returns which ids were understood.
   */
  setDataBreakpoints(ids: readonly string[]): boolean[] {
    const watches: Watch[] = [];
    const ok = ids.map((id) => {
      const w = parseWatch(id);
      if (w) watches.push(w);
      return w !== undefined;
    });
    this.machine.setWatches(watches);
    return ok;
  }

  private isBreakpoint(address: number): boolean {
    return this.machine.cores[0]?.breakpoints.has(address) ?? false;
  }

  // ---------------------------------------------------------------- execution

  /** Asks a running continue/step to stop at the next slice boundary. */
  pause(): void {
    this.pauseRequested = true;
    this.machine.pause();
  }

  get running(): boolean {
    return this.busy;
  }

  /** The stop before the first instruction (stopOnEntry). */
  entryStop(): Outcome {
    this.skipBreakpointOn = 0;
    return { kind: 'stopped', reason: 'entry', core: 0 };
  }

  /** Runs every core until a breakpoint, a pause, a fault or the end of the machine. */
  continue(): Promise<Outcome> {
    const skip = this.skipBreakpointOn;
    return this.exclusive(async () => {
      // Continuing from the entry stop (or a restored stop) leaves a breakpoint under the core
      // behind, as after a breakpoint stop (the machine itself skips only the one it just reported).
      if (skip !== undefined && this.isBreakpoint(Number(this.machine.readRegister(skip, 'rip') ?? 0n))) {
        const r = this.machine.step(skip);
        if (r.kind !== 'step') return this.outcome(r);
      }
      for (;;) {
        if (this.pauseRequested) return { kind: 'stopped', reason: 'pause', core: 0 };
        const r = this.machine.run(SLICE);
        if (r.kind === 'paused' && !this.pauseRequested) {
          await yieldToEventLoop();
          continue;
        }
        return this.outcome(r);
      }
    });
  }

  /** One instruction on one core. */
  stepInstruction(core: number): Promise<Outcome> {
    return this.exclusive(async () => this.afterStep(core, this.machine.step(core)));
  }

  /**
   * A step result. A core that stopped (hlt with IF=0) during the step may have been the last one
   * running: then the machine has ended, and a zero-length run says so.
   */
  private afterStep(core: number, r: RunResult): Outcome {
    if (this.machine.coreState(core) !== 'stopped' || this.machine.finished) return this.outcome(r, 'step');
    const end = this.machine.run(0);
    if (end.kind === 'halted') return this.outcome(end);
    return { kind: 'stopped', reason: 'step', core, text: `core ${core} stopped (hlt)` };
  }

  /** Step in: instructions on `core` until its source line changes (into calls and handlers). */
  stepIn(core: number): Promise<Outcome> {
    const start = this.lineKey(core);
    return this.stepUntil(core, () => this.lineKey(core) !== start, () => false);
  }

  /** Next: like step in, but a deeper shadow call stack (call, interrupt, syscall) runs to its return. */
  next(core: number): Promise<Outcome> {
    const start = this.lineKey(core);
    const depth = this.depth(core);
    // A breakpoint on the starting line itself (reached again after an interrupt returns there) does not stop.
    const away = (): boolean => this.depth(core) > depth || this.lineKey(core) !== start;
    return this.stepUntil(core, () => this.depth(core) <= depth && this.lineKey(core) !== start, away);
  }

  /** Next by instruction (disassembly view): one instruction, a call or syscall run to its return. */
  nextInstruction(core: number): Promise<Outcome> {
    const depth = this.depth(core);
    return this.stepUntil(core, () => this.depth(core) <= depth, () => this.depth(core) > depth);
  }

  /** Step out: until the current frame of the shadow call stack has returned. */
  stepOut(core: number): Promise<Outcome> {
    const depth = this.depth(core);
    if (depth <= 1) return this.next(core); // the entry frame never returns
    return this.stepUntil(core, () => this.depth(core) < depth, () => true);
  }

  private depth(core: number): number {
    return this.machine.callStack(core).length;
  }

  private lineKey(core: number): string {
    const rip = Number(this.machine.readRegister(core, 'rip') ?? 0n);
    const l = this.lineAt(rip);
    return l ? `${l.site.file}:${l.site.line}` : `@${rip}`;
  }

  private stepUntil(core: number, done: () => boolean, breakpointsStop: () => boolean): Promise<Outcome> {
    return this.exclusive(async () => {
      let executed = 0;
      for (;;) {
        for (let i = 0; i < SLICE / 10; i++) {
          const r = this.machine.step(core);
          executed++;
          if (r.kind !== 'step' || this.machine.coreState(core) === 'stopped') return this.afterStep(core, r);
          if (done()) return { kind: 'stopped', reason: 'step', core };
          const rip = Number(this.machine.readRegister(core, 'rip') ?? 0n);
          if (this.isBreakpoint(rip) && breakpointsStop()) return { kind: 'stopped', reason: 'breakpoint', core };
          if (executed >= MAX_STEP_INSTRUCTIONS) {
            return { kind: 'stopped', reason: 'pause', core, text: `step gave up after ${MAX_STEP_INSTRUCTIONS} instructions` };
          }
        }
        await yieldToEventLoop();
        if (this.pauseRequested) return { kind: 'stopped', reason: 'pause', core };
      }
    });
  }

  /** One execution at a time; the pause flag belongs to it. Every stop is remembered for going back. */
  private async exclusive(body: () => Promise<Outcome>): Promise<Outcome> {
    if (this.busy) throw new Error('the machine is already running');
    this.busy = true;
    this.pauseRequested = false;
    this.skipBreakpointOn = undefined;
    try {
      const o = await body();
      if (o.kind === 'stopped') this.remember(o);
      return o;
    } finally {
      this.busy = false;
      this.pauseRequested = false;
    }
  }

  private remember(stop: Extract<Outcome, { kind: 'stopped' }>): void {
    this.history.push({ snapshot: this.machine.snapshot(), swapgs: [...this.swapgsCount], faultShown: this.faultShown, stop });
    if (this.history.length > MAX_HISTORY) this.history.shift();
  }

  /** Stops that step back can return to (the current one excluded). */
  get earlierStops(): number {
    return this.history.length - 1;
  }

  /**
   * Step back: the state of the previous stop, exactly (registers, memory, MSRs, call stacks).
   * Console output already shown stays shown. Without an earlier stop nothing changes.
   */
  stepBack(): Outcome {
    if (this.busy) throw new Error('the machine is already running');
    if (this.history.length < 2) return { ...this.current(), reason: 'step', text: 'no earlier stop to go back to' };
    this.history.pop();
    return this.restoreTop('step');
  }

  /** Reverse continue: back to the previous breakpoint, data breakpoint or entry stop. */
  reverseContinue(): Outcome {
    if (this.busy) throw new Error('the machine is already running');
    if (this.history.length < 2) return { ...this.current(), reason: 'entry', text: 'no earlier stop to go back to' };
    this.history.pop();
    const hit = (e: HistoryEntry): boolean => e.stop.reason === 'breakpoint' || e.stop.reason === 'data breakpoint' || e.stop.reason === 'entry';
    while (this.history.length > 1 && !hit(this.history[this.history.length - 1]!)) this.history.pop();
    return this.restoreTop(this.history[this.history.length - 1]!.stop.reason);
  }

  private current(): Extract<Outcome, { kind: 'stopped' }> {
    return this.history[this.history.length - 1]!.stop;
  }

  private restoreTop(reason: StopReason): Outcome {
    const e = this.history[this.history.length - 1]!;
    this.machine.restore(e.snapshot);
    this.swapgsCount.splice(0, this.swapgsCount.length, ...e.swapgs);
    this.faultShown = e.faultShown;
    this.skipBreakpointOn = e.stop.core;
    return { kind: 'stopped', reason, core: e.stop.core };
  }

  /** Maps a machine result to a stop or the end; a fault stops once before it ends the session. */
  private outcome(r: RunResult, stepReason: StopReason = 'pause'): Outcome {
    switch (r.kind) {
      case 'breakpoint':
        return { kind: 'stopped', reason: 'breakpoint', core: r.core };
      case 'watch':
        return { kind: 'stopped', reason: 'data breakpoint', core: r.core, text: r.detail };
      case 'paused':
        return { kind: 'stopped', reason: 'pause', core: r.core };
      case 'step':
        return { kind: 'stopped', reason: stepReason, core: r.core };
      case 'fault':
        if (!this.faultShown) {
          this.faultShown = true;
          return { kind: 'stopped', reason: 'exception', core: r.core, text: r.message };
        }
        return { kind: 'ended', exitCode: r.exitCode, message: r.message };
      case 'budget':
        return { kind: 'ended', exitCode: r.exitCode, message: r.message };
      case 'exit':
      case 'halted':
        return { kind: 'ended', exitCode: r.exitCode };
    }
  }
}

const GS_WATCHES = new Set(['gs-base', 'kernel-gs-base', 'fs-base', 'cpl', 'swapgs']);

/** A data-breakpoint id as a machine watch (see Runtime.setDataBreakpoints). */
export function parseWatch(id: string): Watch | undefined {
  if (GS_WATCHES.has(id)) return { kind: id } as Watch;
  const m = /^memory:(0x[0-9a-f]+):([1-8])$/i.exec(id);
  if (!m) return undefined;
  const address = Number(BigInt(m[1]!));
  return Number.isSafeInteger(address) ? { kind: 'memory', address, size: Number(m[2]) } : undefined;
}
