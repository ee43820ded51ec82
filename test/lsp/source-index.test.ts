// The lexical index behind definition/references/rename/outline: names the user wrote, scoped as
// NASM scopes them, including labels written without a colon.

import { describe, expect, it } from 'vitest';
import { assemble } from '../../emulator/asm';
import { RecordingFileHost } from '../../server/file-host';
import { buildSourceIndex } from '../../server/source-index';

function index(text: string) {
  const file = '/virtual/t.asm';
  const program = assemble(text, file, { host: new RecordingFileHost(), lint: true });
  return buildSourceIndex(text.split('\n'), file, program.symbols);
}

describe('buildSourceIndex', () => {
  it('finds labels written without a colon and their uses', () => {
    const ix = index('bits 64\nsection .text\n_start:\n    mov rax, [counter]\n    jmp _start\nsection .data\ncounter dq 0\n');
    const occ = ix.byKey.get('label:counter') ?? [];
    expect(occ.map((o) => [o.range.line, o.definition])).toEqual([
      [3, false],
      [6, true],
    ]);
    expect(ix.outline.find((s) => s.name === '.data')?.children.map((c) => c.name)).toEqual(['counter']);
  });

  it('scopes local labels to the label before them', () => {
    const ix = index('bits 64\na:\n.l: dec rax\n    jnz .l\nb:\n.l: jmp .l\n');
    expect(ix.byKey.get('label:a.l')?.map((o) => o.range.line)).toEqual([2, 3]);
    expect(ix.byKey.get('label:b.l')?.map((o) => o.range.line)).toEqual([5, 5]);
  });

  it('does not take registers or mnemonics for names', () => {
    const ix = index('bits 64\nrax_saved: dq 0\n_start:\n    mov rax, [rax_saved]\n');
    expect([...ix.byKey.keys()].sort()).toEqual(['label:_start', 'label:rax_saved']);
  });
});
