// Test helper: assembles a snippet with the host's `nasm -f bin` and builds a minimal
// AssembledProgram from its map file (sections, symbols) and listing (line table), so machine
// tests do not depend on the project's assembler.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AssembledProgram, InstructionRecord, LineEntry, SectionInfo, SymbolInfo } from '../../emulator/asm/types';

export function nasmProgram(source: string, file = 'prog.asm'): AssembledProgram {
  const dir = mkdtempSync(path.join(tmpdir(), 'swl-nasm-'));
  try {
    const src = path.join(dir, file);
    writeFileSync(src, `[map all ${path.join(dir, 'out.map')}]\n${source}`);
    execFileSync('nasm', ['-f', 'bin', src, '-o', path.join(dir, 'out.bin'), '-l', path.join(dir, 'out.lst')], {
      stdio: 'pipe',
    });
    const image = new Uint8Array(readFileSync(path.join(dir, 'out.bin')));
    const map = readFileSync(path.join(dir, 'out.map'), 'utf8');
    const lst = readFileSync(path.join(dir, 'out.lst'), 'utf8');
    const orgHex = /Program origin -+\s+([0-9A-Fa-f]+)/.exec(map)?.[1] ?? '0';
    const org = parseInt(orgHex, 16);
    const sections: SectionInfo[] = [];
    const summary = map.split('-- Sections (summary)')[1]!.split('-- Sections (detailed)')[0]!;
    for (const m of summary.matchAll(/^\s*([0-9A-F]+)\s+([0-9A-F]+)\s+([0-9A-F]+)\s+([0-9A-F]+)\s+(progbits|nobits)\s+(\S+)/gim)) {
      const start = parseInt(m[1]!, 16);
      const nobits = m[5] === 'nobits';
      sections.push({
        name: m[6]!,
        start,
        size: parseInt(m[4]!, 16),
        fileOffset: nobits ? undefined : parseInt(m[2]!, 16) - org,
        nobits,
        user: m[6]!.startsWith('.user'),
        exec: /text/.test(m[6]!),
      });
    }
    const symbols = new Map<string, SymbolInfo>();
    const symPart = map.split('-- Symbols')[1] ?? '';
    let cur = '';
    for (const line of symPart.split('\n')) {
      const sec = /^---- Section (\S+)/.exec(line);
      if (sec) cur = sec[1]!;
      const m = /^\s*([0-9A-F]+)\s+([0-9A-F]+)\s+(\S+)\s*$/i.exec(line);
      if (m && cur) {
        symbols.set(m[3]!, {
          name: m[3]!,
          value: BigInt('0x' + m[2]!),
          kind: 'label',
          section: cur,
          global: false,
          range: { file, line: 0, start: 0, end: 0 },
        });
      }
    }
    const lines: LineEntry[] = [];
    const instructions: InstructionRecord[] = [];
    let section = sections[0]?.name ?? '.text';
    const srcLines = source.split('\n');
    for (const l of lst.split('\n')) {
      const m = /^\s*(\d+)\s(?:([0-9A-F]{8})\s+([0-9A-F()\[\]]+)-?\s*)?/.exec(l);
      if (!m) continue;
      const lineNo = parseInt(m[1]!, 10) - 2; // minus the [map] line, 0-based
      const text = srcLines[lineNo] ?? '';
      const sd = /^\s*section\s+(\S+)/i.exec(text);
      if (sd) section = sd[1]!;
      if (!m[2] || !/^[0-9A-F]+$/.test(m[3]!)) continue;
      const sec = sections.find((s) => s.name === section);
      if (!sec) continue;
      const address = sec.start + parseInt(m[2], 16);
      const bytes = Uint8Array.from(m[3]!.match(/../g)!.map((h) => parseInt(h, 16)));
      const site = { file, line: lineNo, start: 0, end: text.length };
      const isData = /^\s*(\w+:\s*)?(d[bwdq]|times)\b/i.test(text);
      const prev = lines[lines.length - 1];
      if (prev && prev.site.line === lineNo && prev.address + prev.size === address) {
        prev.size += bytes.length; // a listing continuation line
        continue;
      }
      lines.push({ address, size: bytes.length, site, stack: [], kind: isData ? 'data' : 'instruction' });
      if (!isData) {
        const mn = /^\s*(?:\w+:\s*)?([a-z0-9]+)/i.exec(text)?.[1]?.toLowerCase() ?? '';
        instructions.push({ address, bytes, mnemonic: mn, prefixes: [], operands: [], site, stack: [], section, symbolRefs: [] });
      }
    }
    return { image, org, sections, symbols, lines, instructions, diagnostics: [], comments: [] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
