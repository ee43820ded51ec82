// The DAP session: a thin translation of Debug Adapter Protocol requests into Runtime calls and of
// runtime outcomes into DAP events (always sent after the response to the request that caused them).

import {
  Breakpoint,
  DebugSession,
  ExitedEvent,
  Handles,
  InitializedEvent,
  OutputEvent,
  Scope,
  Source,
  StackFrame,
  StoppedEvent,
  TerminatedEvent,
  Thread,
  Variable,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import path from 'node:path';
import { createNodeFileHost } from '../emulator/asm/node-file-host';
import { Runtime, type Outcome, type ResolvedBreakpoint, type RuntimeOptions } from './runtime';
import { hex, parseValue, rows, SCOPES, type ScopeKind } from './views';
import { validateLaunch } from './launch-config';
import { disassemble } from './disassemble';

/** Frame ids: core * FRAME_STRIDE + index (the shadow stack keeps at most 4096 frames). */
const FRAME_STRIDE = 10_000;
const LAUNCH_ERROR = 1001;
const NOT_STOPPED = 1002;

interface LaunchArgs extends DebugProtocol.LaunchRequestArguments {
  [key: string]: unknown;
}

export class SwapgsLabSession extends DebugSession {
  private runtime: Runtime | undefined;
  private readonly scopeRefs = new Handles<{ core: number; kind: ScopeKind }>();
  private configurationDone!: () => void;
  private readonly configured = new Promise<void>((r) => (this.configurationDone = r));
  private lastException: string | undefined;
  private pendingOutput: { category: 'stdout' | 'console'; text: string }[] = [];
  private flushScheduled = false;
  private ended = false;

  constructor() {
    super();
    // Internally lines and columns are 0-based, as in SourceRange.
    this.setDebuggerLinesStartAt1(false);
    this.setDebuggerColumnsStartAt1(false);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    const body: DebugProtocol.Capabilities = {};
    // Breakpoints and stepping wait for configurationDone before the program runs.
    body.supportsConfigurationDoneRequest = true;
    // Registers and MSRs are writable from the Variables view.
    body.supportsSetVariable = true;
    // Memory view / hex editor on pointer-valued registers.
    body.supportsReadMemoryRequest = true;
    // Disassembly view (iced-x86 formatter, NASM syntax).
    body.supportsDisassembleRequest = true;
    // Step by instruction when the disassembly view has focus.
    body.supportsSteppingGranularity = true;
    // The fault message of an unhandled guest exception.
    body.supportsExceptionInfoRequest = true;
    // Ends the machine and the session.
    body.supportsTerminateRequest = true;
    // "Break on value change" for gs.base, KernelGSBase, fs.base, CPL, swapgs and per-CPU qwords.
    body.supportsDataBreakpoints = true;
    // Hovers and watch expressions: register, MSR and label names.
    body.supportsEvaluateForHovers = true;
    // Step back / reverse continue return to earlier stops (machine snapshots).
    body.supportsStepBack = true;
    response.body = body;
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, raw: LaunchArgs): Promise<void> {
    try {
      await this.launch(response, raw);
    } catch (e) {
      // A bug of ours must still end as a launch error, not a dead adapter.
      this.fail(response, LAUNCH_ERROR, `internal error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async launch(response: DebugProtocol.LaunchResponse, raw: LaunchArgs): Promise<void> {
    const checked = validateLaunch(raw);
    if (!checked.ok) return this.fail(response, LAUNCH_ERROR, checked.error);
    const stopOnEntry = raw['stopOnEntry'] === true;
    const options: RuntimeOptions = checked.options;
    const loaded = Runtime.load(options, createNodeFileHost());
    if (!loaded.ok) return this.fail(response, LAUNCH_ERROR, loaded.errors.join('\n'));
    const rt = loaded.runtime;
    this.runtime = rt;
    rt.onOutput = (category, text) => this.queueOutput(category, text);
    for (const w of rt.machine.plan.warnings) this.sendEvent(new OutputEvent(`warning: ${w}\n`, 'console'));
    // Ready for breakpoints now that the line table exists.
    this.sendEvent(new InitializedEvent());
    await this.configured;
    this.sendResponse(response);
    if (stopOnEntry) this.report(rt.entryStop());
    else void this.execute(() => rt.continue());
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    this.configurationDone();
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const file = args.source.path;
    const wanted = (args.breakpoints ?? []).map((b) => this.convertClientLineToDebugger(b.line));
    const rt = this.runtime;
    const resolved: ResolvedBreakpoint[] = rt && file ? rt.setBreakpoints(file, wanted) : wanted.map(() => ({ verified: false, message: 'no program loaded' }));
    response.body = {
      breakpoints: resolved.map((b) => {
        const bp: DebugProtocol.Breakpoint = new Breakpoint(b.verified, b.line !== undefined ? this.convertDebuggerLineToClient(b.line) : undefined);
        if (b.message) bp.message = b.message;
        if (b.address !== undefined) bp.instructionReference = hex(b.address);
        return bp;
      }),
    };
    this.sendResponse(response);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const n = this.runtime?.cores ?? 1;
    // Core i has APIC id i (DESIGN.md, machine model).
    response.body = { threads: Array.from({ length: n }, (_, i) => new Thread(i + 1, `core ${i} (APIC ${i})`)) };
    this.sendResponse(response);
  }

  // ---------------------------------------------------------------- execution

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    const rt = this.stoppedRuntime(response);
    if (!rt) return;
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    void this.execute(() => rt.continue());
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    const rt = this.stoppedRuntime(response);
    if (!rt) return;
    const core = this.core(args.threadId);
    this.sendResponse(response);
    void this.execute(() => (args.granularity === 'instruction' ? rt.nextInstruction(core) : rt.next(core)));
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    const rt = this.stoppedRuntime(response);
    if (!rt) return;
    const core = this.core(args.threadId);
    this.sendResponse(response);
    void this.execute(() => (args.granularity === 'instruction' ? rt.stepInstruction(core) : rt.stepIn(core)));
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    const rt = this.stoppedRuntime(response);
    if (!rt) return;
    const core = this.core(args.threadId);
    this.sendResponse(response);
    void this.execute(() => rt.stepOut(core));
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse): void {
    const rt = this.stoppedRuntime(response);
    if (!rt) return;
    this.sendResponse(response);
    this.report(rt.stepBack());
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    const rt = this.stoppedRuntime(response);
    if (!rt) return;
    this.sendResponse(response);
    this.report(rt.reverseContinue());
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.runtime?.pause();
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.runtime?.pause();
    this.sendResponse(response);
    this.finish(undefined);
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.runtime?.pause();
    this.ended = true; // nothing more to report to a client that left
    this.sendResponse(response);
  }

  /** The runtime when it is loaded, stopped and not finished; otherwise answers the request with an error. */
  private stoppedRuntime(response: DebugProtocol.Response): Runtime | undefined {
    const rt = this.runtime;
    if (!rt || this.ended || rt.running) {
      this.fail(response, NOT_STOPPED, this.ended ? 'the program has ended' : rt ? 'the machine is running' : 'no program loaded');
      return undefined;
    }
    return rt;
  }

  private async execute(run: () => Promise<Outcome>): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await run();
    } catch (e) {
      this.sendEvent(new OutputEvent(`internal error: ${e instanceof Error ? e.message : String(e)}\n`, 'stderr'));
      return;
    }
    this.report(outcome);
  }

  /**
   * Console bytes arrive one at a time: they are batched per category, in order, and flushed when
   * the run loop yields (between slices) or before any stop/exit event.
   */
  private queueOutput(category: 'stdout' | 'console', text: string): void {
    const last = this.pendingOutput[this.pendingOutput.length - 1];
    if (last && last.category === category) last.text += text;
    else this.pendingOutput.push({ category, text });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushOutput());
    }
  }

  private flushOutput(): void {
    this.flushScheduled = false;
    const out = this.pendingOutput.splice(0);
    for (const o of out) this.sendEvent(new OutputEvent(o.text, o.category));
  }

  private report(o: Outcome): void {
    this.flushOutput();
    if (this.ended) return;
    this.scopeRefs.reset();
    if (o.kind === 'ended') return this.finish(o);
    const ev: DebugProtocol.StoppedEvent = new StoppedEvent(o.reason, o.core + 1, o.text);
    ev.body.allThreadsStopped = true;
    if (o.reason === 'exception') {
      this.lastException = o.text;
      ev.body.description = `Paused on exception: ${o.text ?? ''}`;
    } else if (o.text) ev.body.description = o.text;
    this.sendEvent(ev);
  }

  private finish(o: Extract<Outcome, { kind: 'ended' }> | undefined): void {
    this.flushOutput();
    if (this.ended) return;
    this.ended = true;
    if (o) {
      if (o.message) this.sendEvent(new OutputEvent(`${o.message}\n`, 'console'));
      this.sendEvent(new OutputEvent(`program exited with code ${o.exitCode}\n`, 'console'));
      this.sendEvent(new ExitedEvent(o.exitCode));
    }
    this.sendEvent(new TerminatedEvent());
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const text = this.lastException ?? 'no exception';
    response.body = { exceptionId: /#[A-Z]+/.exec(text)?.[0] ?? 'fault', description: text, breakMode: 'always' };
    this.sendResponse(response);
  }

  // ---------------------------------------------------------------- inspection

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const rt = this.runtime;
    if (!rt) return this.fail(response, NOT_STOPPED, 'no program loaded');
    const core = this.core(args.threadId);
    const m = rt.machine;
    const shadow = m.callStack(core);
    const frames: DebugProtocol.StackFrame[] = [];
    // Innermost first: frame i executes in shadow[i]'s function, at rip (innermost) or at the
    // instruction that made the next-inner transfer.
    for (let i = shadow.length - 1; i >= 0; i--) {
      const f = shadow[i]!;
      const at = i === shadow.length - 1 ? Number(m.readRegister(core, 'rip') ?? 0n) : shadow[i + 1]!.from;
      const fn = m.symbolize(f.target) ?? hex(f.target);
      const label = f.kind === 'entry' || f.kind === 'call' ? fn : `${fn} [${f.kind}${f.vector !== undefined ? ` vector ${f.vector}` : ''}]`;
      const line = rt.lineAt(at);
      const frame: DebugProtocol.StackFrame = line
        ? new StackFrame(core * FRAME_STRIDE + i, label, new Source(path.basename(line.site.file), this.convertDebuggerPathToClient(line.site.file)), this.convertDebuggerLineToClient(line.site.line), this.convertDebuggerColumnToClient(line.site.start))
        : new StackFrame(core * FRAME_STRIDE + i, label);
      frame.instructionPointerReference = hex(at);
      if (!line) frame.presentationHint = 'subtle';
      frames.push(frame);
    }
    const start = args.startFrame ?? 0;
    const count = args.levels && args.levels > 0 ? args.levels : frames.length;
    response.body = { stackFrames: frames.slice(start, start + count), totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const core = Math.floor(args.frameId / FRAME_STRIDE);
    response.body = { scopes: SCOPES.map((s) => new Scope(s.name, this.scopeRefs.create({ core, kind: s.kind }), false)) };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const rt = this.runtime;
    const ref = this.scopeRefs.get(args.variablesReference);
    if (!rt || !ref) {
      response.body = { variables: [] };
      return this.sendResponse(response);
    }
    response.body = {
      variables: rows(rt.machine, ref.core, ref.kind, rt.swapgsExecuted(ref.core)).map((r) => {
        const v: DebugProtocol.Variable = new Variable(r.name, r.value);
        if (r.pointer !== undefined) v.memoryReference = hex(r.pointer);
        if (!r.register) v.presentationHint = { attributes: ['readOnly'] };
        return v;
      }),
    };
    this.sendResponse(response);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const rt = this.runtime;
    const ref = this.scopeRefs.get(args.variablesReference);
    if (!rt || !ref || rt.running) return this.fail(response, NOT_STOPPED, 'the machine is not stopped');
    const row = rows(rt.machine, ref.core, ref.kind, rt.swapgsExecuted(ref.core)).find((r) => r.name === args.name);
    if (!row?.register) return this.fail(response, 1003, `${args.name} cannot be written`);
    const value = parseValue(args.value);
    if (value === undefined) return this.fail(response, 1004, `'${args.value}' is not a number (use decimal or 0x hex)`);
    const why = rt.machine.writeRegister(ref.core, row.register, value);
    if (why) return this.fail(response, 1005, why);
    const now = rows(rt.machine, ref.core, ref.kind, rt.swapgsExecuted(ref.core)).find((r) => r.name === args.name);
    response.body = { value: now?.value ?? hex(value) };
    this.sendResponse(response);
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const rt = this.runtime;
    if (!rt) return this.fail(response, NOT_STOPPED, 'no program loaded');
    const core = args.frameId !== undefined ? Math.floor(args.frameId / FRAME_STRIDE) : 0;
    const v = rt.evaluate(core, args.expression);
    if (v === undefined) return this.fail(response, 1007, `'${args.expression}' is not a register, MSR or label name`);
    response.body = { result: hex(v), variablesReference: 0 };
    const p = rt.machine.readMemory(Number(BigInt.asUintN(48, v)), 1) && v < 1n << 47n ? hex(v) : undefined;
    if (p) response.body.memoryReference = p;
    this.sendResponse(response);
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    const rt = this.runtime;
    const ref = args.variablesReference !== undefined ? this.scopeRefs.get(args.variablesReference) : undefined;
    const row = rt && ref ? rows(rt.machine, ref.core, ref.kind, rt.swapgsExecuted(ref.core)).find((r) => r.name === args.name) : undefined;
    response.body = row?.watch
      ? { dataId: row.watch, description: `${args.name} changes (any core)`, accessTypes: ['write'], canPersist: !row.watch.startsWith('memory:') }
      : { dataId: null, description: `${args.name} cannot be watched` };
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    const ids = args.breakpoints.map((b) => b.dataId);
    const ok = this.runtime ? this.runtime.setDataBreakpoints(ids) : ids.map(() => false);
    response.body = { breakpoints: ok.map((verified) => new Breakpoint(verified)) };
    this.sendResponse(response);
  }

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    const rt = this.runtime;
    const base = parseValue(args.memoryReference);
    if (!rt || base === undefined) return this.fail(response, 1006, `bad memory reference '${args.memoryReference}'`);
    const address = Number(BigInt.asUintN(48, base + BigInt(args.offset ?? 0)));
    const count = Math.max(0, Math.min(args.count, 1 << 20));
    // Bytes up to the first unmapped one; the rest is reported unreadable.
    let bytes = rt.machine.readMemory(address, count);
    if (!bytes) {
      let n = 0;
      while (n < count && rt.machine.readMemory(address + n, 1)) n++;
      bytes = n > 0 ? rt.machine.readMemory(address, n) ?? new Uint8Array() : new Uint8Array();
    }
    response.body = { address: hex(address), data: Buffer.from(bytes).toString('base64'), unreadableBytes: count - bytes.length };
    this.sendResponse(response);
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    const rt = this.runtime;
    const base = parseValue(args.memoryReference);
    if (!rt || base === undefined) return this.fail(response, 1006, `bad memory reference '${args.memoryReference}'`);
    const start = Number(BigInt.asUintN(48, base + BigInt(args.offset ?? 0)));
    const count = Math.max(0, Math.min(args.instructionCount, 4096));
    const list = disassemble(rt.machine, start, args.instructionOffset ?? 0, count);
    response.body = {
      instructions: list.map((ins) => {
        const line = ins.mapped ? rt.lineAt(ins.address) : undefined;
        const out: DebugProtocol.DisassembledInstruction = { address: hex(ins.address), instruction: ins.text, instructionBytes: ins.bytes };
        const sym = rt.machine.symbolize(ins.address);
        if (sym && !sym.includes('+')) out.symbol = sym;
        if (line) {
          out.location = new Source(path.basename(line.site.file), this.convertDebuggerPathToClient(line.site.file));
          out.line = this.convertDebuggerLineToClient(line.site.line);
        }
        if (!ins.mapped) out.presentationHint = 'invalid';
        return out;
      }),
    };
    this.sendResponse(response);
  }

  // ---------------------------------------------------------------- helpers

  private core(threadId: number): number {
    const n = this.runtime?.cores ?? 1;
    const c = threadId - 1;
    return c >= 0 && c < n ? c : 0;
  }

  private fail(response: DebugProtocol.Response, id: number, message: string): void {
    // The message goes in a variable so braces in it are not read as placeholders; a leading
    // underscore marks it as free of personal data, so it is also substituted in response.message.
    this.sendErrorResponse(response, { id, format: '{_message}', variables: { _message: message }, showUser: true });
  }
}
