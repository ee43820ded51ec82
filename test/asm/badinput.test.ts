// Hostile input: each case ends with a located error (or clean output) in bounded time,
// never an exception, and the lines around the bad one still assemble.

import { describe, expect, it } from 'vitest';
import { assemble, MAX_IMAGE_BYTES } from '../../emulator/asm/index';
import type { FileHost } from '../../emulator/asm/types';

const host: FileHost = { readText: () => undefined, readBytes: () => undefined, resolve: () => undefined };
const asm = (src: string) => assemble(src, 'bad.asm', { host });
const errs = (src: string) => asm(src).diagnostics.filter((d) => d.severity === 'error');

describe('bad input', () => {
  it('a binary file: errors, no crash, bounded count per line', () => {
    const bytes = new Uint8Array(4096);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      bytes[i] = x & 0xff;
    }
    const text = new TextDecoder('latin1').decode(bytes);
    const p = asm(text);
    expect(p.diagnostics.length).toBeGreaterThan(0);
    for (const d of p.diagnostics) expect(d.range.file).toBe('bad.asm');
  });

  it('a 1 MB file assembles', () => {
    const line = '  add rax, 1\n';
    const src = 'start:\n' + line.repeat(Math.ceil(1_000_000 / line.length)) + '  jmp start\n';
    const p = asm(src);
    expect(p.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(p.instructions.length).toBeGreaterThan(70_000);
  });

  it('an unterminated string is located at its quote', () => {
    const p = asm('nop\n  db "never closed\nnop\n');
    const e = p.diagnostics.filter((d) => d.severity === 'error');
    expect(e).toHaveLength(1);
    expect(e[0]!.range).toMatchObject({ line: 1, start: 5 });
    expect(p.image.length).toBe(2);
  });

  it('an instruction with impossible operands', () => {
    const e = errs('nop\nmov cr0, 5\nnop\n');
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ code: 'invalid-operands', range: { line: 1 } });
  });

  it('deep expression nesting gets a located error instead of a stack overflow', () => {
    const deep = '('.repeat(100_000) + '1' + ')'.repeat(100_000);
    const p = asm(`nop\nmov eax, ${deep}\nnop\n`);
    const e = p.diagnostics.filter((d) => d.severity === 'error');
    expect(e).toHaveLength(1);
    expect(e[0]!.range.line).toBe(1);
    expect(p.image.length).toBe(2);
  });

  it('times 1000000000 db 0 hits the image limit with a clear message', () => {
    const p = asm('nop\ntimes 1000000000 db 0\nnop\n');
    const e = p.diagnostics.filter((d) => d.severity === 'error');
    expect(e).toHaveLength(1);
    expect(e[0]!.message).toMatch(/MiB/);
    expect(e[0]!.range.line).toBe(1);
    expect(p.image.length).toBe(2);
  });

  it('a huge reservation is refused the same way', () => {
    expect(errs('section .bss\nresq 0x7fffffffffff\n')[0]!.message).toMatch(/limit/);
    expect(MAX_IMAGE_BYTES).toBe(256 * 1024 * 1024);
  });

  it('a negative times count is a located error', () => {
    expect(errs('times -1 nop\n')[0]).toMatchObject({ range: { line: 0 }, message: expect.stringMatching(/negative/) });
  });

  it('a very long garbage line does not hide the next line', () => {
    const p = asm('x'.repeat(200_000) + ' y z\nnop\n');
    expect(p.diagnostics.filter((d) => d.severity === 'error')).toHaveLength(1);
    expect(p.instructions).toHaveLength(1);
  });

  it('NUL bytes: a located error, no exception', () => {
    const p = asm('nop\0\0\0\nnop\n');
    expect(p.diagnostics.some((d) => d.severity === 'error' && d.range.line === 0)).toBe(true);
  });

  it('labels that never settle stop at the pass limit with a located error', () => {
    // `times` whose count depends on a later label and moves it: oscillates.
    const p = assemble('times (b - a) & 1 nop\na: times 1 - ((b - a) & 1) nop\nb: jmp a\n', 'osc.asm', { host, maxPasses: 8 });
    expect(p.diagnostics).toMatchObject([{ severity: 'error', code: 'no-convergence', range: { file: 'osc.asm' } }]);
  });
});

describe('token soup', () => {
  // Random lines built from NASM words and punctuation: whatever the combination, the
  // assembler answers with diagnostics and never throws.
  const atoms = ['mov', 'rax', 'eax', '[', ']', ',', '+', '-', '*', '2', '8', '0x10', 'lbl', 'lbl:', '.x', 'gs', ':', 'byte', 'qword', 'db', 'dd', 'dq',
    '1.5', "'a'", '"str"', 'times', 'equ', '$', '$$', 'jmp', 'call', 'short', 'strict', 'rel', 'abs', 'section', '.data', 'align', '16', 'struc',
    'endstruc', 'istruc', 'at', 'iend', 'resb', '(', ')', '?', 'lock', 'rep', 'org', 'bits', '64', 'default', 'incbin', 'extern', 'global',
    'nosplit', 'rsp', 'r13', 'xmm0', 'cr3', '/', '//', '<<', '~', '-1', 'absolute', 'align=8', 'start=0x200000', 'vstart=5', 'follows=.text',
    'st0', 'k1', '{', '}', '__Infinity__', 'dt', 'do', 'dw'];
  it('1000 random programs assemble without throwing', () => {
    let x = 7;
    const rnd = (n: number): number => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return Math.floor((x / 2147483648) * n);
    };
    for (let i = 0; i < 1000; i++) {
      const lines: string[] = [];
      for (let l = rnd(12) + 1; l > 0; l--) {
        const toks: string[] = [];
        for (let t = rnd(8); t > 0; t--) toks.push(atoms[rnd(atoms.length)]!);
        lines.push(toks.join(' '));
      }
      const src = lines.join('\n');
      const p = assemble(src, 'soup.asm', { host, maxPasses: 20 });
      for (const d of p.diagnostics) {
        expect(d.range.end, src).toBeGreaterThanOrEqual(d.range.start);
        expect(d.range.line, src).toBeLessThan(lines.length);
      }
    }
  });
});

describe('float literals with absurd exponents', () => {
  it('saturate quickly instead of building huge numbers', () => {
    const p = asm('dq 1e999999999, 0x1p999999999, 1e-999999999, 0x1p-999999999\n');
    expect(Array.from(p.image.subarray(0, 8))).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x7f]);
    expect(Array.from(p.image.subarray(16, 32))).toEqual(new Array(16).fill(0));
  });
});

describe('very long number tokens', () => {
  it('get a located error quickly and the next line still assembles', () => {
    const p = asm(`mov rax, ${'1'.repeat(300_000)}h\nnop\ndq 1.${'9'.repeat(100_000)}\n`);
    const e = p.diagnostics.filter((d) => d.severity === 'error');
    expect(e.map((d) => d.range.line)).toEqual([0, 2]);
    expect(Array.from(p.image)).toEqual([0x90]);
  });
});

describe('times with address-dependent bodies', () => {
  it('is bounded with a located error', () => {
    const p = asm('x: nop\ntimes 50000000 jmp x\nnop\n');
    const e = p.diagnostics.filter((d) => d.severity === 'error');
    expect(e).toHaveLength(1);
    expect(e[0]!.range.line).toBe(1);
    expect(p.image.length).toBe(2);
  });
});
