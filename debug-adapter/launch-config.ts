// Checks a `swapgs-lab` launch configuration (DESIGN.md "Interfaces") and turns it into runtime
// options; a hostile or mistyped configuration gets a message naming the attribute, never a crash.

import path from 'node:path';
import type { RuntimeOptions } from './runtime';

export type LaunchCheck = { ok: true; options: RuntimeOptions } | { ok: false; error: string };

const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Validates the attributes of a launch request; unknown attributes are ignored (VS Code adds its own). */
export function validateLaunch(args: Record<string, unknown>): LaunchCheck {
  const bad = (error: string): LaunchCheck => ({ ok: false, error: `launch configuration: ${error}` });
  const program = args['program'];
  if (typeof program !== 'string' || program.trim() === '') return bad("'program' must name the .asm file to run");
  const cwd = typeof args['cwd'] === 'string' ? args['cwd'] : process.cwd();
  const options: RuntimeOptions = { program: path.resolve(cwd, program) };
  const entry = args['entry'];
  if (entry !== undefined) {
    if (typeof entry !== 'string' || entry === '') return bad("'entry' must be a label name");
    options.entry = entry;
  }
  const cpus = args['cpus'];
  if (cpus !== undefined) {
    if (!isInt(cpus, 1, 64)) return bad("'cpus' must be an integer from 1 to 64");
    options.cpus = cpus;
  }
  const timer = args['timer'];
  if (timer !== undefined && timer !== null) {
    const t = timer as Record<string, unknown>;
    // Vectors 0-31 are reserved for exceptions (Intel SDM Vol 3A, 6.2).
    if (typeof timer !== 'object' || !isInt(t['vector'], 32, 255) || !isInt(t['period'], 1, Number.MAX_SAFE_INTEGER)) {
      return bad("'timer' must be { \"vector\": 32..255, \"period\": instructions >= 1 }");
    }
    options.timer = { vector: t['vector'] as number, period: t['period'] as number };
  }
  const quantum = args['quantum'];
  if (quantum !== undefined) {
    if (!isInt(quantum, 1, 1_000_000_000)) return bad("'quantum' must be an integer from 1 to 1000000000");
    options.quantum = quantum;
  }
  const max = args['maxInstructions'];
  if (max !== undefined) {
    if (!isInt(max, 1, Number.MAX_SAFE_INTEGER)) return bad("'maxInstructions' must be a positive integer");
    options.maxInstructions = max;
  }
  const trace = args['trace'];
  if (trace !== undefined) {
    if (typeof trace !== 'boolean') return bad("'trace' must be true or false");
    options.trace = trace;
  }
  const soe = args['stopOnEntry'];
  if (soe !== undefined && typeof soe !== 'boolean') return bad("'stopOnEntry' must be true or false");
  const inc = args['includePaths'];
  if (inc !== undefined) {
    if (!Array.isArray(inc) || !inc.every((p) => typeof p === 'string')) return bad("'includePaths' must be a list of directories");
    options.includePaths = inc.map((p: string) => path.resolve(cwd, p));
  }
  return { ok: true, options };
}
