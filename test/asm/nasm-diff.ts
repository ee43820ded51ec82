// Differential helper: assembles a source with our assembler and with `nasm -f bin`, and
// describes the first differing byte as the source line that emitted it.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assemble } from '../../emulator/asm/index';
import { createNodeFileHost } from '../../emulator/asm/node-file-host';
import type { AssembledProgram } from '../../emulator/asm/types';

export interface DiffResult {
  ours: AssembledProgram;
  nasm: Buffer | undefined;
  nasmError?: string;
  /** undefined when identical; otherwise a human-readable description of the first mismatch. */
  mismatch?: string;
}

/** Runs nasm on `file` (adding `org 0x100000`, the design's default, when the file has no org). */
export function runNasm(file: string): { bytes?: Buffer; error?: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'nasm-'));
  const out = path.join(dir, 'out.bin');
  const src = readFileSync(file, 'utf8');
  const args = ['-f', 'bin', '-o', out];
  if (!/^\s*\[?\s*org\b/im.test(src)) args.push('--before', 'org 0x100000');
  args.push(path.resolve(file));
  try {
    // nasm resolves %include/incbin against its working directory; ours against the including file.
    execFileSync('nasm', args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: path.dirname(path.resolve(file)) });
    return { bytes: readFileSync(out) };
  } catch (e) {
    return { error: String((e as { stderr?: Buffer }).stderr ?? e) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function diffWithNasm(file: string, includePaths: string[] = []): DiffResult {
  const ours = assemble(readFileSync(file, 'utf8'), file, { host: createNodeFileHost(), includePaths });
  const n = runNasm(file);
  const res: DiffResult = { ours, nasm: n.bytes };
  if (n.error !== undefined) {
    res.nasmError = n.error;
    return res;
  }
  const a = ours.image;
  const b = n.bytes!;
  const len = Math.min(a.length, b.length);
  let i = 0;
  while (i < len && a[i] === b[i]) i++;
  if (i === len && a.length === b.length) return res;
  const addr = ours.org + i;
  const entry = ours.lines.find((l) => addr >= l.address && addr < l.address + l.size);
  const where = entry ? `${entry.site.file}:${entry.site.line + 1}` : 'no line';
  const hex = (buf: Uint8Array): string => Array.from(buf.subarray(i, i + 12), (x) => x.toString(16).padStart(2, '0')).join(' ');
  res.mismatch =
    `first difference at offset 0x${i.toString(16)} (address 0x${addr.toString(16)}, ${where}): ` +
    `ours [${hex(a)}] nasm [${hex(b)}]; sizes ours ${a.length} nasm ${b.length}`;
  return res;
}

/** Writes `source` to a temporary .asm file and diffs it. */
export function diffSource(source: string, name = 'snippet.asm'): DiffResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'asm-'));
  const file = path.join(dir, name);
  writeFileSync(file, source);
  try {
    return diffWithNasm(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
