// `swapgs-lab lint [--format text|json|sarif] [-I DIR] FILE...`: the language server's findings
// in a terminal or CI. Exit 0 when no error-level finding, 1 when there is one, 2 on usage or
// I/O errors (design: CLI contract).

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pkg from '../package.json';
import type { Diagnostic } from '../emulator/asm/types';
import { runEngine, ruleCatalog } from '../server/engine';
import { RecordingFileHost } from '../server/file-host';
import { DEFAULT_SETTINGS } from '../server/settings';
import { EXIT_USAGE, parseArgs, UsageError, type Command, type CommandIo, type OptionSpec } from './args';
import { toSarif } from './sarif';

const USAGE = `usage: swapgs-lab lint [--format text|json|sarif] [-I DIR]... FILE...

Finds swapgs and GS-base mistakes in NASM x86-64 kernel entry code.

options:
  --format text|json|sarif  output format (default text: file:line:col: severity: message [rule])
  -I DIR                    add DIR to the %include search path (repeatable)

exit status: 0 no error-level finding, 1 at least one, 2 usage or I/O error
`;

const SPECS: OptionSpec[] = [
  { names: ['--format', '-f'], key: 'format', kind: 'value' },
  { names: ['-I', '--include'], key: 'include', kind: 'list' },
];

/** Files larger than this are refused with a message (the front end has its own limits too). */
const MAX_INPUT_BYTES = 16 * 1024 * 1024;

export interface LintFinding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Diagnostic['severity'];
  rule: string;
  message: string;
}

/** The JSON shape of the design's CLI contract: 1-based lines and columns. */
export function toJsonFinding(d: Diagnostic): LintFinding {
  return {
    file: d.range.file,
    line: d.range.line + 1,
    column: d.range.start + 1,
    endLine: d.range.line + 1,
    endColumn: Math.max(d.range.end, d.range.start) + 1,
    severity: d.severity,
    rule: d.code,
    message: d.message,
  };
}

export function formatText(d: Diagnostic): string {
  let text = `${d.range.file}:${d.range.line + 1}:${d.range.start + 1}: ${d.severity}: ${d.message} [${d.code}]`;
  for (const r of d.related ?? []) text += `\n${r.range.file}:${r.range.line + 1}:${r.range.start + 1}: note: ${r.message}`;
  for (const f of d.stack ?? []) text += `\n${f.callSite.file}:${f.callSite.line + 1}:${f.callSite.start + 1}: note: in ${f.kind} '${f.name}'`;
  return text;
}

/** Shows included files relative to the working directory, like the files named on the command line. */
function displayPath(file: string, cwd: string): string {
  if (!path.isAbsolute(file)) return file;
  const rel = path.relative(cwd, file);
  return rel.startsWith('..') ? file : rel;
}

function relocate(d: Diagnostic, cwd: string): Diagnostic {
  const fix = <T extends { file: string }>(r: T): T => ({ ...r, file: displayPath(r.file, cwd) });
  return {
    ...d,
    range: fix(d.range),
    related: d.related?.map((r) => ({ ...r, range: fix(r.range) })),
    stack: d.stack?.map((s) => ({ ...s, callSite: fix(s.callSite) })),
  };
}

export function runLint(argv: string[], io: CommandIo, cwd = process.cwd()): number {
  let args;
  try {
    args = parseArgs(argv, SPECS);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`swapgs-lab lint: ${e.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    throw e;
  }
  const format = args.values.get('format') ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) {
    io.stderr(`swapgs-lab lint: unknown format '${format}' (text, json or sarif)\n`);
    return EXIT_USAGE;
  }
  if (args.positional.length === 0) {
    io.stderr(`swapgs-lab lint: no input file\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const includePaths = (args.lists.get('include') ?? []).map((d) => path.resolve(cwd, d));
  const settings = { ...DEFAULT_SETTINGS, includePaths };
  const findings: Diagnostic[] = [];
  let ioError = false;
  for (const file of args.positional) {
    const abs = path.resolve(cwd, file);
    let text: string;
    try {
      const st = statSync(abs);
      if (!st.isFile()) throw new Error('not a regular file');
      if (st.size > MAX_INPUT_BYTES) throw new Error(`larger than ${MAX_INPUT_BYTES} bytes`);
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      io.stderr(`swapgs-lab lint: cannot read '${file}': ${e instanceof Error ? e.message.replace(/^[A-Z]+: /, '') : String(e)}\n`);
      ioError = true;
      continue;
    }
    // The front end is given the path as typed so messages name the file the way the user did.
    const result = runEngine(text, file, new RecordingFileHost(), settings);
    for (const d of result.diagnostics) findings.push(relocate(d, cwd));
  }
  if (format === 'json') io.stdout(JSON.stringify(findings.map(toJsonFinding), null, 2) + '\n');
  else if (format === 'sarif') io.stdout(JSON.stringify(toSarif(findings, ruleCatalog(), pkg.version, cwd), null, 2) + '\n');
  else for (const d of findings) io.stdout(formatText(d) + '\n');
  if (ioError) return EXIT_USAGE;
  return findings.some((d) => d.severity === 'error') ? 1 : 0;
}

export const lintCommand: Command = {
  name: 'lint',
  summary: 'find swapgs / GS-base mistakes (text, json or sarif output)',
  usage: USAGE,
  run: (argv, io) => runLint(argv, io),
};
