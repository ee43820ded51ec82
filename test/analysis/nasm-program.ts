// Test-only stand-in for the project's lint-mode assembler: builds an AssembledProgram from
// `nasm -f bin` (its listing for addresses/lines, its map file for sections and symbols, the image
// for bytes). Used to cross-check the analysis on inputs nasm itself assembled.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  AssembledProgram,
  ExpansionFrame,
  InstructionRecord,
  LineEntry,
  SectionInfo,
  SourceRange,
  SymbolInfo,
} from '../../emulator/asm/types';

const DATA_WORDS = new Set(['db', 'dw', 'dd', 'dq', 'dt', 'do', 'dy', 'dz', 'times', 'incbin', 'resb', 'resw', 'resd', 'resq', 'align', 'alignb', 'istruc', 'at', 'iend']);
const PREFIXES = new Set(['o16', 'o32', 'o64', 'a32', 'a64', 'lock', 'rep', 'repe', 'repz', 'repne', 'repnz', 'cs', 'ds', 'es', 'ss', 'fs', 'gs']);

interface Row {
  lineno: number;
  address?: number;
  hex: string;
  level: number; // 0 = user's line, >0 = macro expansion depth
  text: string;
}

function parseListing(lst: string): Row[] {
  const rows: Row[] = [];
  for (const raw of lst.split('\n')) {
    const m = /^\s*(\d+) (?:([0-9A-F]{8}) ([0-9A-F[\]()]*-?)|(?:\s{8}) (?:\s*))\s*(?:<(\d+)>)?(.*)$/.exec(raw);
    if (!m) continue;
    rows.push({
      lineno: Number(m[1]),
      address: m[2] !== undefined ? parseInt(m[2], 16) : undefined,
      hex: m[3] ?? '',
      level: m[4] ? Number(m[4]) : 0,
      text: m[5] ?? '',
    });
  }
  return rows;
}

function stripComment(text: string): { code: string; comment?: string; commentCol?: number } {
  let q: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === q) q = undefined;
    } else if (c === '"' || c === "'" || c === '`') q = c;
    else if (c === ';') return { code: text.slice(0, i), comment: text.slice(i + 1), commentCol: i };
  }
  return { code: text };
}

/** Assembles `source` with nasm and returns the program the analysis consumes. Throws on nasm errors. */
export function nasmProgram(source: string, file = 'test.asm'): AssembledProgram {
  const dir = mkdtempSync(join(tmpdir(), 'swapgs-lint-'));
  try {
    const src = join(dir, 'a.asm');
    writeFileSync(src, source);
    try {
      execFileSync('nasm', ['-f', 'bin', '-l', join(dir, 'a.lst'), '--before', `[map all ${join(dir, 'a.map')}]`, '-o', join(dir, 'a.bin'), src], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      throw new Error(`nasm failed: ${String((e as { stderr?: Buffer }).stderr ?? e)}`);
    }
    const image = new Uint8Array(readFileSync(join(dir, 'a.bin')));
    const map = readFileSync(join(dir, 'a.map'), 'utf8');
    const rows = parseListing(readFileSync(join(dir, 'a.lst'), 'utf8'));
    return build(source, file, image, map, rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function build(source: string, file: string, image: Uint8Array, map: string, rows: Row[]): AssembledProgram {
  const srcLines = source.split('\n');
  const lineRange = (line0: number): SourceRange => {
    const t = srcLines[line0] ?? '';
    const start = t.length - t.trimStart().length;
    return { file, line: line0, start, end: Math.max(start, t.trimEnd().length) };
  };
  // Sections from the map summary: "Vstart Start Stop Length Class Name".
  const sections: SectionInfo[] = [];
  const org = parseInt(/Program origin -+\s+([0-9A-F]+)/.exec(map)?.[1] ?? '0', 16);
  const summary = map.split('-- Sections (summary)')[1]?.split('-- Sections (detailed)')[0] ?? '';
  for (const l of summary.split('\n')) {
    const m = /^\s*([0-9A-F]+)\s+([0-9A-F]+)\s+([0-9A-F]+)\s+([0-9A-F]+)\s+(\w+)\s+(\S+)/.exec(l);
    if (!m) continue;
    const name = m[6]!;
    sections.push({
      name,
      start: parseInt(m[1]!, 16),
      size: parseInt(m[4]!, 16),
      fileOffset: m[5] === 'nobits' ? undefined : parseInt(m[2]!, 16) - org,
      nobits: m[5] === 'nobits',
      user: name.startsWith('.user'),
      exec: /text/.test(name),
    });
  }
  const secByName = new Map(sections.map((s) => [s.name, s]));
  // Symbols from the map: per section "Real Virtual Name".
  const symbols = new Map<string, SymbolInfo>();
  const symPart = map.split('-- Symbols')[1] ?? '';
  let curSec = '';
  for (const l of symPart.split('\n')) {
    const sm = /^---- Section (\S+)/.exec(l);
    if (sm) {
      curSec = sm[1]!;
      continue;
    }
    const m = /^\s*([0-9A-F]+)\s+([0-9A-F]+)\s+(\S+)\s*$/.exec(l);
    if (!m) continue;
    symbols.set(m[3]!, { name: m[3]!, value: BigInt('0x' + m[2]!), kind: 'label', section: curSec, global: false, range: lineRange(0) });
  }
  const globals = new Set<string>();
  const instructions: InstructionRecord[] = [];
  const lines: LineEntry[] = [];
  const comments: AssembledProgram['comments'] = [];
  let section = '.text';
  let lastLabel = '';
  let site: SourceRange = lineRange(0);
  let stack: ExpansionFrame[] = [];
  let macroName = '';
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    let { code, comment, commentCol } = stripComment(row.text);
    if (row.level === 0) {
      site = lineRange(row.lineno - 1);
      stack = [];
      if (comment !== undefined) {
        const t = srcLines[row.lineno - 1] ?? '';
        const col = t.indexOf(';');
        comments.push({ text: comment, range: { file, line: row.lineno - 1, start: col >= 0 ? col : commentCol ?? 0, end: t.length } });
      }
      macroName = code.trim().split(/\s+/)[0] ?? '';
    } else if (stack.length === 0) {
      stack = [{ kind: 'macro', name: macroName, callSite: site }];
    }
    code = code.trim();
    const lbl = /^([.\w$?@]+):\s*/.exec(code);
    if (lbl) {
      const name = lbl[1]!.startsWith('.') ? lastLabel + lbl[1] : lbl[1]!;
      if (!lbl[1]!.startsWith('.')) lastLabel = name;
      const s = symbols.get(name);
      if (s) s.range = row.level === 0 ? { ...lineRange(row.lineno - 1), end: lineRange(row.lineno - 1).start + lbl[1]!.length } : site;
      code = code.slice(lbl[0].length);
    }
    const words = code.split(/[\s,]+/).filter(Boolean);
    const w0 = (words[0] ?? '').toLowerCase();
    if (row.level === 0 && (w0 === 'section' || w0 === 'segment')) section = words[1] ?? section;
    if (w0 === 'global') for (const g of words.slice(1)) globals.add(g.split(':')[0]!);
    if (row.address === undefined || row.hex === '') continue;
    // Length: hex digits across continuation rows (nasm wraps long byte strings with a trailing '-').
    let hex = row.hex;
    while (hex.endsWith('-') && rows[i + 1] && rows[i + 1]!.lineno === row.lineno && rows[i + 1]!.hex) {
      i++;
      hex = hex.slice(0, -1) + rows[i]!.hex;
    }
    const size = hex.replace(/[^0-9A-F]/g, '').length / 2;
    const sec = secByName.get(section);
    const address = (sec?.start ?? 0) + row.address;
    const off = (sec?.fileOffset ?? 0) + row.address;
    let k = 0;
    const prefixes: string[] = [];
    while (PREFIXES.has((words[k] ?? '').toLowerCase())) prefixes.push(words[k++]!.toLowerCase());
    const mnemonic = (words[k] ?? '').toLowerCase();
    const isData = DATA_WORDS.has(mnemonic) || !sec?.exec;
    lines.push({ address, size, site, stack, kind: isData ? 'data' : 'instruction' });
    if (isData) continue;
    const symbolRefs: InstructionRecord['symbolRefs'] = [];
    for (const w of code.slice(code.toLowerCase().indexOf(mnemonic) + mnemonic.length).match(/[.\w$?@]+/g) ?? []) {
      const name = w.startsWith('.') ? lastLabel + w : w;
      if (symbols.has(name)) symbolRefs.push({ name, range: site });
    }
    instructions.push({ address, bytes: image.slice(off, off + size), mnemonic, prefixes, operands: [], site, stack, section, symbolRefs });
  }
  for (const g of globals) {
    const s = symbols.get(g);
    if (s) s.global = true;
  }
  return { image, org, sections, symbols, lines, instructions, diagnostics: [], comments };
}
