// Differential test of the instruction encoder against `nasm -f bin` (issue #2, item 7): every
// corpus line must give NASM's bytes, and a line NASM rejects must be rejected.

import { describe, expect, it } from 'vitest';
import { encodeInstruction } from '../../emulator/asm/encoder';
import { generateCorpus, toRequest, type CorpusItem } from './corpus/generate';
import { assembleLines, nasmAvailable } from './corpus/nasm-oracle';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export interface DiffReport {
  lines: number;
  accepted: number;
  mnemonics: number;
  byteMismatch: string[];
  weRejectNasmAccepts: string[];
  nasmRejectsWeAccept: string[];
}

export function runDifferential(items: CorpusItem[]): DiffReport {
  const src: string[] = ['bits 64', 'org 0'];
  const lineOf: number[] = [];
  let rel = false;
  for (const it of items) {
    if (it.defaultRel !== rel) {
      src.push(it.defaultRel ? 'default rel' : 'default abs');
      rel = it.defaultRel;
    }
    lineOf.push(src.length);
    src.push(it.text);
  }
  const nasm = assembleLines(src);
  const rep: DiffReport = { lines: items.length, accepted: 0, mnemonics: 0, byteMismatch: [], weRejectNasmAccepts: [], nasmRejectsWeAccept: [] };
  const mnems = new Set<string>();
  items.forEach((it, i) => {
    let n = nasm[lineOf[i]];
    // No bytes: NASM took an unknown mnemonic for a label ("label alone on a line"), i.e. no instruction.
    if (!n.rejected && n.hex === '') n = { rejected: true, message: 'not an instruction (taken as a label)' };
    const res = encodeInstruction(toRequest(it, n.rejected ? 0 : n.address));
    if (n.rejected) {
      if (res.ok) rep.nasmRejectsWeAccept.push(`${it.text}    ; nasm: ${n.message}; we: ${hex(res.bytes)}`);
      return;
    }
    rep.accepted++;
    mnems.add(it.mnemonic);
    if (!res.ok) rep.weRejectNasmAccepts.push(`${it.text}    ; nasm: ${n.hex}; we: ${res.message}`);
    else if (hex(res.bytes) !== n.hex) rep.byteMismatch.push(`${it.text}    ; nasm: ${n.hex}; we: ${hex(res.bytes)}`);
  });
  rep.mnemonics = mnems.size;
  return rep;
}

/**
 * Lines NASM 2.16.01 accepts that the encoder refuses on purpose (by line start), with the reason.
 * Anything else NASM accepts must be accepted.
 */
const KNOWN_GAPS: Record<string, string> = {
  'vcvtneps2bf16 ': 'NASM 2.16.01 writes the destination into EVEX.vvvv (an encoding the CPU rejects); not reproduced',
  vmgexit: 'NASM 2.16.01 emits F2 0F 01 C1, not the AMD encoding F3 0F 01 D9; not reproduced',
  'pop cs': '`pop cs` (invalid in 64-bit mode) makes NASM emit a lone 0F byte; not reproduced',
};

describe.skipIf(!nasmAvailable())('encoder vs nasm -f bin', () => {
  const report = runDifferential(generateCorpus());
  const show = (xs: string[]) => xs.slice(0, 60).join('\n');

  it('covers thousands of lines and hundreds of mnemonics NASM accepts', () => {
    console.log(`differential: ${report.lines} lines, ${report.accepted} accepted by nasm, ${report.mnemonics} mnemonics; ` +
      `byte mismatches ${report.byteMismatch.length}, we reject/nasm accepts ${report.weRejectNasmAccepts.length}, nasm rejects/we accept ${report.nasmRejectsWeAccept.length}`);
    expect(report.accepted).toBeGreaterThan(5000);
    expect(report.mnemonics).toBeGreaterThan(500);
  });

  it('emits the same bytes as nasm for every line both accept', () => {
    expect(report.byteMismatch.length, show(report.byteMismatch)).toBe(0);
  });

  it('rejects every line nasm rejects', () => {
    expect(report.nasmRejectsWeAccept.length, show(report.nasmRejectsWeAccept)).toBe(0);
  });

  it('accepts every line nasm accepts, except the documented NASM quirks', () => {
    const unexpected = report.weRejectNasmAccepts.filter((l) => !Object.keys(KNOWN_GAPS).some((k) => l.startsWith(k)));
    expect(unexpected.length, show(unexpected)).toBe(0);
  });
});
