// Differential harness: runs one NASM program on the emulator (`swapgs-lab run`, the built CLI)
// and on QEMU TCG (the program wrapped by shim.asm into a multiboot image that reproduces the
// machine model), and reduces each run to what a user sees: the port-0xE9 console bytes and how
// the machine ended (port-0xF4 exit code, unhandled fault / triple fault, or a hang).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { assemble } from '../../emulator/asm/index';
import { createNodeFileHost } from '../../emulator/asm/node-file-host';

export const QEMU_DIR = resolve(__dirname);
export const PROGRAMS_DIR = join(QEMU_DIR, 'programs');
const ROOT = resolve(QEMU_DIR, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
/** The shim lives at 16 MiB (shim.asm SHIM_BASE); programs must stay below it. */
const SHIM_BASE = 0x100_0000;
const QEMU_TIMEOUT_MS = 20_000;
const EMU_TIMEOUT_MS = 60_000;

/**
 * How a run ended, in words both sides share: `exit 0xNN` (port 0xF4), `fault` (emulator:
 * unhandled exception, exit 3; QEMU: triple fault, which -no-reboot turns into a clean exit),
 * `hang` (QEMU timeout / emulator budget), or `error: ...` when the run could not be made.
 */
export interface Outcome {
  console: string;
  end: string;
  /** Extra words for a human (the emulator's fault message, QEMU's stderr). */
  detail: string;
}

interface Proc {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** spawn with a hard timeout (SIGKILL), output as latin1 text; never rejects. */
function run(cmd: string, args: string[], timeoutMs: number): Promise<Proc> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const finish = (status: number | null, signal: NodeJS.Signals | null, extra = ''): void => {
      clearTimeout(timer);
      done({
        status,
        signal,
        stdout: Buffer.concat(out).toString('latin1'),
        stderr: Buffer.concat(err).toString('latin1') + extra,
      });
    };
    child.on('error', (e) => finish(null, null, String(e)));
    child.on('close', (status, signal) => finish(status, signal));
  });
}

export function qemuAvailable(): boolean {
  const r = spawnSync('qemu-system-x86_64', ['--version'], { timeout: 10_000 });
  return r.status === 0;
}

export function nasmAvailable(): boolean {
  return spawnSync('nasm', ['-v'], { timeout: 10_000 }).status === 0;
}

/** `swapgs-lab run` on the program; exit codes per DESIGN.md "Interfaces". */
export async function runOnEmulator(file: string, maxInstructions = 50_000_000): Promise<Outcome> {
  const r = await run(
    process.execPath,
    [CLI, 'run', '-I', PROGRAMS_DIR, '--max-instructions', String(maxInstructions), file],
    EMU_TIMEOUT_MS,
  );
  const detail = r.stderr.trim();
  const out = r.stdout;
  if (r.signal) return { console: out, end: 'hang', detail: `killed by ${r.signal} ${detail}` };
  switch (r.status) {
    case 2:
      return { console: out, end: 'error: assembly', detail };
    case 3:
      return { console: out, end: 'fault', detail };
    case 4:
      return { console: out, end: 'hang', detail };
    default:
      return { console: out, end: `exit 0x${(r.status ?? 0).toString(16)}`, detail };
  }
}

/** The section layout (from our assembler, byte-checked against nasm) as shim page-map lines. */
function layoutFor(file: string, binPath: string): { inc: string } | { error: string } {
  const bin = readFileSync(binPath);
  const host = createNodeFileHost();
  const source = readFileSync(file, 'latin1');
  const prog = assemble(source, file, { host, includePaths: [PROGRAMS_DIR] });
  const errs = prog.diagnostics.filter((d) => d.severity === 'error');
  if (errs.length) return { error: `assembler: ${errs.map((d) => d.message).join('; ')}` };
  if (Buffer.compare(Buffer.from(prog.image), Buffer.from(bin)) !== 0) {
    return { error: 'the project assembler and nasm -f bin produce different images' };
  }
  const entry = prog.symbols.get('_start');
  if (!entry || entry.kind !== 'label') return { error: 'no _start label' };
  const first = prog.sections.find((s) => !s.nobits && s.fileOffset !== undefined && s.size > 0);
  if (!first) return { error: 'empty program' };
  const base = first.start - first.fileOffset!;
  // One entry per 4 KiB page: P|RW, plus U/S for `.user*` sections (user wins on a shared page,
  // as emulator/machine/loader.ts does).
  const pages = new Map<number, boolean>();
  for (const s of prog.sections) {
    if (s.size <= 0) continue;
    for (let p = s.start & ~0xfff; p < s.start + s.size; p += 0x1000) pages.set(p, (pages.get(p) ?? false) || s.user);
  }
  const lines = [
    `%define PROGRAM_BIN "${binPath}"`,
    `PROGRAM_BASE equ 0x${base.toString(16)}`,
    `PROGRAM_ENTRY equ 0x${Number(entry.value).toString(16)}`,
    '[section .text]',
    'progmap:',
  ];
  for (const [p, user] of [...pages].sort((a, b) => a[0] - b[0])) {
    if (p >= SHIM_BASE || p < 0x100000) return { error: `page 0x${p.toString(16)} outside 1-16 MiB` };
    lines.push(`    dd 0x${p.toString(16)}, ${user ? 7 : 3}`);
  }
  lines.push('    dd 0, 0', '__SECT__');
  return { inc: lines.join('\n') + '\n' };
}

/** The program on `qemu-system-x86_64 -accel tcg -cpu <cpu>` through shim.asm. */
export async function runOnQemu(file: string, cpu = 'max'): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'swapgs-qemu-'));
  try {
    const progBin = join(dir, 'prog.bin');
    const nasm = spawnSync('nasm', ['-f', 'bin', '-I', PROGRAMS_DIR + '/', '-o', progBin, file], { encoding: 'utf8' });
    if (nasm.status !== 0) return { console: '', end: 'error: nasm', detail: nasm.stderr };
    const layout = layoutFor(file, progBin);
    if ('error' in layout) return { console: '', end: `error: layout`, detail: layout.error };
    const inc = join(dir, 'layout.inc');
    writeFileSync(inc, layout.inc);
    const shimBin = join(dir, 'shim.bin');
    const shim = spawnSync('nasm', ['-f', 'bin', `-DLAYOUT="${inc}"`, '-o', shimBin, join(QEMU_DIR, 'shim.asm')], {
      encoding: 'utf8',
    });
    if (shim.status !== 0) return { console: '', end: 'error: shim', detail: shim.stderr };
    const out = join(dir, 'debugcon.txt');
    writeFileSync(out, '');
    const q = await run(
      'qemu-system-x86_64',
      [
        '-accel', 'tcg', '-cpu', cpu, '-m', '64', '-smp', '1', '-display', 'none', '-nodefaults', '-no-reboot',
        '-debugcon', `file:${out}`, '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-kernel', shimBin,
      ],
      QEMU_TIMEOUT_MS,
    );
    const consoleText = readFileSync(out, 'latin1');
    const detail = q.stderr.trim();
    if (q.signal) return { console: consoleText, end: 'hang', detail: `killed by ${q.signal} ${detail}` };
    // isa-debug-exit: status = (value << 1) | 1; a triple fault under -no-reboot exits with 0.
    const st = q.status ?? 0;
    if (st & 1) return { console: consoleText, end: `exit 0x${(st >> 1).toString(16)}`, detail };
    if (st === 0) return { console: consoleText, end: 'fault', detail: 'triple fault (shutdown)' };
    return { console: consoleText, end: `error: qemu status ${st}`, detail };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
