// `swapgs-lab run FILE ...`: assembles FILE, runs it on the emulated machine and maps the outcome
// to the exit codes of the CLI contract (DESIGN.md "Interfaces"): the guest's port-0xF4 value,
// 0 when every core halted, 2 usage/assembly error, 3 unhandled guest exception, 4 budget.

import { assemble } from '../emulator/asm/index';
import { createNodeFileHost } from '../emulator/asm/node-file-host';
import { Machine } from '../emulator/machine/machine';
import { formatGsEvent } from '../emulator/machine/events';
import { EXIT_USAGE, formatDiagnostic, UsageError, type Command, type CommandIo } from './args';
import { parseRunArgs, RUN_USAGE, type RunOptions } from './run-options';

export const EXIT_GUEST_FAULT = 3;
export const EXIT_BUDGET = 4;

/** Runs an already-validated `run`; output and exit code as the contract says. */
export function runProgram(options: RunOptions, includePaths: string[], io: CommandIo): number {
  const host = createNodeFileHost();
  const source = host.readText(options.file);
  if (source === undefined) {
    io.stderr(`swapgs-lab run: cannot read '${options.file}'\n`);
    return EXIT_USAGE;
  }
  const prog = assemble(source, options.file, { host, includePaths });
  let errors = 0;
  for (const d of prog.diagnostics) {
    if (d.severity === 'error') errors++;
    if (d.severity === 'error' || d.severity === 'warning') io.stderr(`${formatDiagnostic(d)}\n`);
  }
  if (errors > 0) return EXIT_USAGE;
  const created = Machine.create(prog, {
    cpus: options.cpus,
    quantum: options.quantum,
    maxInstructions: options.maxInstructions,
    callStack: false, // no debugger here: skip the shadow call stack's bookkeeping
    ...(options.entry !== undefined ? { entry: options.entry } : {}),
    ...(options.timer ? { timer: options.timer } : {}),
  });
  if (!created.ok) {
    io.stderr(`swapgs-lab run: ${options.file}: ${created.error}\n`);
    return EXIT_USAGE;
  }
  const m = created.machine;
  for (const w of m.plan.warnings) io.stderr(`swapgs-lab run: warning: ${w}\n`);
  // Console bytes are passed through unchanged (latin1 keeps one char per byte).
  let pending = '';
  m.console.on((b) => {
    pending += String.fromCharCode(...b);
    if (pending.length >= 4096 || b.includes(10)) {
      io.stdout(pending);
      pending = '';
    }
  });
  if (options.traceGs) {
    m.gsEvents.on((e) => {
      if (pending) {
        io.stdout(pending);
        pending = '';
      }
      io.stderr(`${formatGsEvent(e, (a) => m.where(a))}\n`);
    });
  }
  const r = m.run();
  if (pending) io.stdout(pending);
  switch (r.kind) {
    case 'exit':
      return r.exitCode & 0xff;
    case 'halted':
      return 0;
    case 'fault':
      io.stderr(`swapgs-lab run: ${r.message}\n`);
      return EXIT_GUEST_FAULT;
    case 'budget':
      io.stderr(`swapgs-lab run: ${r.message} (raise it with --max-instructions N)\n`);
      return EXIT_BUDGET;
    default:
      // run() without breakpoints or watches only ends in the kinds above.
      io.stderr(`swapgs-lab run: stopped (${r.kind})\n`);
      return EXIT_GUEST_FAULT;
  }
}

export const runCommand: Command = {
  name: 'run',
  summary: 'assemble FILE and run it on the emulated x86-64 machine',
  usage: `${RUN_USAGE}\n`,
  run(argv: string[], io: CommandIo): number {
    let parsed;
    try {
      parsed = parseRunArgs(argv);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.stderr(`swapgs-lab run: ${e.message}\n\n${RUN_USAGE}\n`);
      return EXIT_USAGE;
    }
    if (parsed.help || !parsed.options) {
      io.stdout(`${RUN_USAGE}\n`);
      return 0;
    }
    return runProgram(parsed.options, parsed.includePaths, io);
  },
};
