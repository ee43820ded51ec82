// Test helpers: assemble a snippet with nasm, load it into a fresh machine-less Core, run to its end.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core } from '../../emulator/cpu';
import { Attr, Memory } from '../../emulator/machine/memory';

export const CODE = 0x100000;
export const DATA = 0x200000;
export const USER = 0x300000;
export const STACK_TOP = 0x90000;

/** Assemble 64-bit NASM source at `org` into bytes. */
export function nasm(source: string, org = CODE): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'cpu-test-'));
  try {
    writeFileSync(join(dir, 'a.asm'), `bits 64\norg ${org}\n${source}\n`);
    execFileSync('nasm', ['-f', 'bin', '-o', join(dir, 'a.bin'), join(dir, 'a.asm')], { stdio: 'pipe' });
    return new Uint8Array(readFileSync(join(dir, 'a.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface TestMachine { core: Core; memory: Memory; end: number }

/**
 * A core with: code at CODE (supervisor, writable so self-modifying tests work), 64 KiB data at
 * DATA, a user page at USER, a stack below STACK_TOP. Runs stop at the end of the code.
 */
export function machine(source: string, opts: { codeAttrs?: number } = {}): TestMachine {
  const bytes = nasm(source);
  const memory = new Memory();
  const rwx = Attr.Present | Attr.Writable | Attr.Executable;
  memory.map(CODE, Math.max(bytes.length + 16, 4096), opts.codeAttrs ?? rwx);
  memory.writeBytes(CODE, bytes);
  memory.map(DATA, 0x10000, Attr.Present | Attr.Writable);
  memory.map(USER, 0x1000, Attr.Present | Attr.Writable | Attr.User | Attr.Executable);
  memory.map(STACK_TOP - 0x10000, 0x10000, Attr.Present | Attr.Writable);
  const core = new Core(memory, 0);
  core.rip = CODE;
  core.setAddr(4, STACK_TOP);
  const end = CODE + bytes.length;
  core.breakpoints.add(end);
  return { core, memory, end };
}

/** Run until the end of the snippet (or a stop); returns the stop reason. */
export function runToEnd(m: TestMachine, budget = 1_000_000): string {
  return m.core.run(budget);
}
