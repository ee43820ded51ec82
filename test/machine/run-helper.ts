// Test helper: assembles a source with the project's assembler and runs it on a Machine,
// collecting console output and GS events.
import { assemble } from '../../emulator/asm/index';
import type { AssembledProgram } from '../../emulator/asm/types';
import { createNodeFileHost } from '../../emulator/asm/node-file-host';
import { Machine, type MachineOptions, type RunResult } from '../../emulator/machine/machine';
import type { GsEvent } from '../../emulator/machine/events';

export function program(source: string, file = 'test.asm'): AssembledProgram {
  const p = assemble(source, file, { host: createNodeFileHost() });
  const errors = p.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => `${d.range.line + 1}: ${d.message}`).join('\n'));
  return p;
}

export function machine(source: string, options: MachineOptions = {}): Machine {
  const r = Machine.create(program(source), options);
  if (!r.ok) throw new Error(r.error);
  return r.machine;
}

export interface Outcome {
  result: RunResult;
  out: string;
  events: GsEvent[];
  m: Machine;
}

export function run(source: string, options: MachineOptions = {}): Outcome {
  const m = machine(source, { maxInstructions: 1_000_000, ...options });
  let out = '';
  const events: GsEvent[] = [];
  m.console.on((b) => (out += String.fromCharCode(...b)));
  m.gsEvents.on((e) => events.push(e));
  const result = m.run();
  return { result, out, events, m };
}
