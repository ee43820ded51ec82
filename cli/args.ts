// Command-line plumbing shared by every `swapgs-lab` command: the command contract, an
// argv parser with NASM-style short options (`-I DIR`, `-IDIR`, `-o OUT`), and the
// `file:line:col: severity: message` diagnostic format.

import type { Diagnostic } from '../emulator/asm/types';

/** Where a command writes; injected so tests can capture output without spawning. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** One `swapgs-lab <name>` command. `run` resolves to the process exit code. */
export interface Command {
  name: string;
  /** One line for the top-level help. */
  summary: string;
  /** Full usage text printed by `swapgs-lab <name> --help` and on usage errors. */
  usage: string;
  run(argv: string[], io: CommandIo): Promise<number> | number;
}

/** Exit code for usage errors, unreadable files and assembly errors (design: CLI contract). */
export const EXIT_USAGE = 2;

export interface OptionSpec {
  /** Names as typed, e.g. ['-o', '--output']. */
  names: string[];
  /** Key in the result. */
  key: string;
  /** 'flag' takes no value; 'value' takes one; 'list' may repeat. */
  kind: 'flag' | 'value' | 'list';
}

export interface ParsedArgs {
  flags: Set<string>;
  values: Map<string, string>;
  lists: Map<string, string[]>;
  positional: string[];
}

export class UsageError extends Error {}

/**
 * Parses `argv` against `specs`. Accepts `-o OUT`, `-oOUT` (single-dash short options),
 * `--name VALUE`, `--name=VALUE`, and `--` to end options. Throws UsageError on an unknown
 * option or a missing value.
 */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const out: ParsedArgs = { flags: new Set(), values: new Map(), lists: new Map(), positional: [] };
  const byName = new Map<string, OptionSpec>();
  for (const s of specs) for (const n of s.names) byName.set(n, s);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      out.positional.push(a);
      continue;
    }
    let name = a;
    let inline: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      name = a.slice(0, eq);
      inline = a.slice(eq + 1);
    }
    let spec = byName.get(name);
    if (!spec && !a.startsWith('--') && a.length > 2) {
      // `-IDIR`, `-oOUT`: a short option with its value attached.
      spec = byName.get(a.slice(0, 2));
      if (spec && spec.kind !== 'flag') inline = a.slice(2);
      else spec = undefined;
    }
    if (!spec) throw new UsageError(`unknown option '${a}'`);
    if (spec.kind === 'flag') {
      if (inline !== undefined) throw new UsageError(`option '${name}' takes no value`);
      out.flags.add(spec.key);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`option '${name}' needs a value`);
      value = argv[++i]!;
    }
    if (spec.kind === 'value') out.values.set(spec.key, value);
    else {
      const l = out.lists.get(spec.key) ?? [];
      l.push(value);
      out.lists.set(spec.key, l);
    }
  }
  return out;
}

/** Parses a non-negative integer option (decimal or 0x hex); throws UsageError otherwise. */
export function parseIntOption(name: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const t = text.trim().toLowerCase();
  const v = /^0x[0-9a-f]+$/.test(t) ? parseInt(t.slice(2), 16) : /^[0-9]+$/.test(t) ? parseInt(t, 10) : NaN;
  if (!Number.isFinite(v) || v > max) throw new UsageError(`option '${name}' expects a number up to ${max}, got '${text}'`);
  return v;
}

/** `file:line:col: severity: message` with 1-based line and column (the GNU/NASM habit editors parse). */
export function formatDiagnostic(d: Diagnostic): string {
  const loc = `${d.range.file}:${d.range.line + 1}:${d.range.start + 1}`;
  let text = `${loc}: ${d.severity}: ${d.message}`;
  // Findings inside macros also name the macro line the bytes came from (innermost last).
  if (d.stack && d.stack.length > 0) {
    for (const f of d.stack) text += `\n${f.callSite.file}:${f.callSite.line + 1}:${f.callSite.start + 1}: note: in ${f.kind} '${f.name}'`;
  }
  return text;
}
