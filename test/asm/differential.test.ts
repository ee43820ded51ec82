// Differential test of the instruction encoder against `nasm -f bin` (issue #2, item 7): every
// corpus line must give NASM's bytes, and a line NASM rejects must be rejected.

import { describe, expect, it } from 'vitest';
import { encodeInstruction } from '../../emulator/asm/encoder';
import type { EncOperand } from '../../emulator/asm/encoder-types';
import { generateCorpus, type CorpusItem } from './corpus/generate';
import { assembleLines, nasmAvailable } from './corpus/nasm-oracle';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function request(it: CorpusItem, address: number) {
  const operands: EncOperand[] = it.operands.map((o) => {
    if (o.kind === 'imm' && 'here' in o && o.here) {
      const { here: _h, ...rest } = o;
      void _h;
      return { ...rest, value: BigInt(address) + o.value };
    }
    return o;
  });
  return { mnemonic: it.mnemonic, prefixes: it.prefixes, operands, address, defaultRel: it.defaultRel };
}

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
    const res = encodeInstruction(request(it, n.rejected ? 0 : n.address));
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

  it('accepts every line nasm accepts', () => {
    expect(report.weRejectNasmAccepts.length, show(report.weRejectNasmAccepts)).toBe(0);
  });
});
