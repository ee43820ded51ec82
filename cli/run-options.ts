// Argument validation of `swapgs-lab run` (design: CLI contract): every bad value becomes a
// UsageError with a message saying what was expected, never a crash or a silent default.

import { parseArgs, parseIntOption, UsageError, type OptionSpec } from './args';

export const MAX_CPUS = 64;
export const DEFAULT_QUANTUM = 1000;
export const DEFAULT_MAX_INSTRUCTIONS = 100_000_000;

export interface RunOptions {
  file: string;
  entry?: string;
  cpus: number;
  timer?: { vector: number; period: number };
  quantum: number;
  maxInstructions: number;
  traceGs: boolean;
}

export const RUN_USAGE = `usage: swapgs-lab run FILE [options]

Assembles FILE and runs it on the emulated x86-64 machine. Console bytes (port 0xE9) go to stdout.

options:
  --entry LABEL            start at LABEL (default _start, else the first instruction)
  --cpus N                 number of cores, 1..${MAX_CPUS} (default 1)
  --timer VECTOR:PERIOD    periodic timer interrupt per core: vector 32..255, period in instructions
  --quantum N              instructions a core runs before the next one (default ${DEFAULT_QUANTUM})
  --max-instructions N     instruction budget of the whole run (default ${DEFAULT_MAX_INSTRUCTIONS})
  --trace gs               print every swapgs, GS/KernelGSBase/FS base write and CPL change
                           (one line each on stderr: core, file:line, both bases)
  -I DIR                   add DIR to the %include search path

exit codes: the guest's port-0xF4 value; 0 when every core halted; 2 usage or assembly error;
3 unhandled guest exception; 4 instruction budget exhausted.`;

const SPECS: OptionSpec[] = [
  { names: ['--entry'], key: 'entry', kind: 'value' },
  { names: ['--cpus'], key: 'cpus', kind: 'value' },
  { names: ['--timer'], key: 'timer', kind: 'value' },
  { names: ['--quantum'], key: 'quantum', kind: 'value' },
  { names: ['--max-instructions'], key: 'max', kind: 'value' },
  { names: ['--trace'], key: 'trace', kind: 'value' },
  { names: ['-I', '--include'], key: 'include', kind: 'list' },
  { names: ['-h', '--help'], key: 'help', kind: 'flag' },
];

export interface ParsedRun {
  help: boolean;
  options?: RunOptions;
  includePaths: string[];
}

/** Parses and validates `run` arguments; throws UsageError with a clear message. */
export function parseRunArgs(argv: readonly string[]): ParsedRun {
  const a = parseArgs(argv, SPECS);
  const includePaths = a.lists.get('include') ?? [];
  if (a.flags.has('help')) return { help: true, includePaths };
  if (a.positional.length === 0) throw new UsageError('run needs a FILE to run');
  if (a.positional.length > 1) throw new UsageError(`run takes one FILE, got ${a.positional.length}: ${a.positional.join(' ')}`);
  const cpusText = a.values.get('cpus');
  let cpus = 1;
  if (cpusText !== undefined) {
    cpus = positive('--cpus', cpusText);
    if (cpus > MAX_CPUS) throw new UsageError(`--cpus must be between 1 and ${MAX_CPUS}, got ${cpusText}`);
  }
  const quantum = a.values.has('quantum') ? positive('--quantum', a.values.get('quantum')!) : DEFAULT_QUANTUM;
  const maxInstructions = a.values.has('max')
    ? positive('--max-instructions', a.values.get('max')!)
    : DEFAULT_MAX_INSTRUCTIONS;
  const trace = a.values.get('trace');
  if (trace !== undefined && trace !== 'gs') throw new UsageError(`--trace accepts only 'gs', got '${trace}'`);
  const entry = a.values.get('entry');
  if (entry !== undefined && !/^[A-Za-z._?$@][\w.?$@#~]*$/.test(entry)) {
    throw new UsageError(`--entry expects a label name, got '${entry}'`);
  }
  const timerText = a.values.get('timer');
  const options: RunOptions = { file: a.positional[0]!, cpus, quantum, maxInstructions, traceGs: trace === 'gs' };
  if (entry !== undefined) options.entry = entry;
  if (timerText !== undefined) options.timer = parseTimer(timerText);
  return { help: false, options, includePaths };
}

/** `VECTOR:PERIOD`: vector 32..255 (0-31 are exceptions, SDM Vol 3A 6.2), period > 0 instructions. */
export function parseTimer(text: string): { vector: number; period: number } {
  const m = /^([^:]+):([^:]+)$/.exec(text);
  if (!m) throw new UsageError(`--timer expects VECTOR:PERIOD (e.g. 32:10000), got '${text}'`);
  const vector = parseIntOption('--timer vector', m[1]!, 255);
  if (vector < 32) {
    throw new UsageError(`--timer vector must be 32..255 (0-31 are reserved for exceptions), got ${m[1]}`);
  }
  const period = positive('--timer period', m[2]!);
  return { vector, period };
}

function positive(name: string, text: string): number {
  const v = parseIntOption(name, text);
  if (v <= 0) throw new UsageError(`${name} must be at least 1, got ${text}`);
  return v;
}
