// Error tolerance: a bad line yields one located error, assembles as zero bytes, and every
// other line still assembles and maps to its source line.

import { describe, expect, it } from 'vitest';
import { assemble } from '../../emulator/asm/index';
import type { FileHost } from '../../emulator/asm/types';

const host: FileHost = { readText: () => undefined, readBytes: () => undefined, resolve: () => undefined };
const asm = (src: string) => assemble(src, 'r.asm', { host });

const GOOD = ['start:', '  mov eax, 1', '  xor ebx, ebx', '  jmp start'];

function withBadLine(bad: string) {
  const src = [...GOOD.slice(0, 2), bad, ...GOOD.slice(2)].join('\n') + '\n';
  const clean = asm(GOOD.join('\n') + '\n');
  return { p: asm(src), clean };
}

describe('one bad line', () => {
  const bad: Record<string, string> = {
    'syntax error': '  mov eax, [rbx',
    'unknown instruction after label': 'oops frob eax',
    'impossible operands': '  mov al, rbx',
    'undefined symbol': '  mov eax, [nowhere]',
    'unterminated string': "  db 'abc",
    'stray character': '  mov eax, 1 @@ #',
    'bad scale': '  mov eax, [rax*6]',
    'division by zero': '  mov eax, 1/0',
  };
  for (const [name, line] of Object.entries(bad)) {
    it(`${name}: one error on that line, the rest unchanged`, () => {
      const { p, clean } = withBadLine(line);
      const errors = p.diagnostics.filter((d) => d.severity === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]!.range.line).toBe(2);
      expect(errors[0]!.range.end).toBeGreaterThan(errors[0]!.range.start);
      // The bad line contributes no bytes: the image equals the clean program's.
      expect(Array.from(p.image)).toEqual(Array.from(clean.image));
      expect(p.instructions.map((i) => i.site.line)).toEqual([1, 3, 4]);
    });
  }

  it('keeps reporting errors on several bad lines independently', () => {
    const p = asm('mov eax, [\nnop\nmov al, rbx\nnop\njmp nowhere\n');
    expect(p.diagnostics.filter((d) => d.severity === 'error').map((d) => d.range.line)).toEqual([0, 2, 4]);
    expect(p.instructions.map((i) => i.site.line)).toEqual([1, 3]);
  });

  it('maps lines produced by a macro to the call site with the expansion stack', () => {
    const p = asm('%macro two 0\n  nop\n  mov eax, bad_sym\n%endmacro\nstart: two\n');
    const e = p.diagnostics.filter((d) => d.severity === 'error');
    expect(e).toHaveLength(1);
    expect(e[0]!.code).toBe('undefined-symbol');
    expect(p.instructions).toHaveLength(1);
    expect(p.instructions[0]!.site.line).toBe(4);
    expect(p.instructions[0]!.stack[0]).toMatchObject({ kind: 'macro', name: 'two' });
  });

  it('reports a redefined label once, pointing at the second definition', () => {
    const p = asm('a: nop\na: nop\n');
    const e = p.diagnostics.filter((d) => d.severity === 'error');
    expect(e).toMatchObject([{ code: 'symbol-redefined', range: { line: 1 } }]);
  });
});
