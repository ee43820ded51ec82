// Statement parser: what each kind of NASM line becomes, with exact token ranges, and one
// located syntax error for a bad line.

import { describe, expect, it } from 'vitest';
import { lexLines } from '../../emulator/asm/lex-lines';
import { LineParser, type ParsedLine } from '../../emulator/asm/parser';

function parse(src: string): ParsedLine[] {
  const p = new LineParser();
  return lexLines(src, 'p.asm').map((l) => p.parse(l));
}
const one = (src: string): ParsedLine => parse(src)[0]!;

describe('labels', () => {
  it('takes `name:` and a bare name before an instruction as labels', () => {
    expect(one('start: nop').label).toMatchObject({ name: 'start', colon: true, range: { start: 0, end: 5 } });
    expect(one('loop2 mov eax, 1').label).toMatchObject({ name: 'loop2', colon: false });
    expect(one('loop2 mov eax, 1').stmt).toMatchObject({ kind: 'instruction', mnemonic: 'mov' });
  });

  it('warns about an orphan label without a colon', () => {
    const l = one('lonely');
    expect(l.label?.name).toBe('lonely');
    expect(l.diagnostics).toMatchObject([{ severity: 'warning', code: 'orphan-label' }]);
  });

  it('resolves local labels and references to the last non-local label', () => {
    const ls = parse('outer:\n.in: jmp .in\n..@keep:\n.two:');
    expect(ls[1]!.label!.name).toBe('outer.in');
    expect(ls[1]!.stmt).toMatchObject({ operands: [{ kind: 'imm', expr: { kind: 'sym', name: 'outer.in' } }] });
    expect(ls[3]!.label!.name).toBe('outer.two');
  });

  it('parses equ with its label', () => {
    expect(one('K equ 4 * 2')).toMatchObject({ label: { name: 'K' }, stmt: { kind: 'equ', value: { kind: 'binary', op: '*' } } });
  });
});

describe('instructions', () => {
  it('keeps prefixes, size keywords, strict and jump kinds', () => {
    const s = one('lock add dword [rax], strict byte 1').stmt;
    expect(s).toMatchObject({
      kind: 'instruction',
      prefixes: ['lock'],
      mnemonic: 'add',
      operands: [
        { kind: 'mem', size: 'dword' },
        { kind: 'imm', size: 'byte', strict: true },
      ],
    });
    expect(one('jmp short x').stmt).toMatchObject({ operands: [{ kind: 'imm', jump: 'short' }] });
  });

  it('reads segment overrides inside and outside brackets', () => {
    expect(one('mov rax, gs:[8]').stmt).toMatchObject({ operands: [{ kind: 'reg' }, { kind: 'mem', segment: 'gs' }] });
    expect(one('mov rax, [gs:8]').stmt).toMatchObject({ operands: [{ kind: 'reg' }, { kind: 'mem', segment: 'gs' }] });
  });

  it('reads rel/abs, displacement size and nosplit inside brackets', () => {
    expect(one('mov rax, [rel x]').stmt).toMatchObject({ operands: [{}, { addressing: 'rel' }] });
    expect(one('mov rax, [byte rbx+1]').stmt).toMatchObject({ operands: [{}, { dispSize: 'byte' }] });
    expect(one('mov rax, [nosplit rbx*2]').stmt).toMatchObject({ operands: [{}, { nosplit: true }] });
  });

  it('gives each operand its source range', () => {
    const s = one('  mov qword [rbx+8], rcx').stmt;
    if (s.kind !== 'instruction') throw new Error('not an instruction');
    expect(s.operands.map((o) => [o.range.start, o.range.end])).toEqual([
      [6, 19],
      [21, 24],
    ]);
  });
});

describe('data and directives', () => {
  it('splits data items into strings, floats, uninitialised and expressions', () => {
    expect(one("db 'hi', 1+2, ?, -1.5").stmt).toMatchObject({
      kind: 'data',
      unit: 1,
      items: [{ kind: 'string' }, { kind: 'expr' }, { kind: 'uninit' }, { kind: 'float', text: '1.5', negative: true }],
    });
  });

  it('parses times, res*, section attributes, struc and istruc', () => {
    expect(one('times 4 db 0').stmt).toMatchObject({ kind: 'times', body: { kind: 'data' } });
    expect(one('resq 3').stmt).toMatchObject({ kind: 'reserve', unit: 8 });
    expect(one('section .data align=16 progbits').stmt).toMatchObject({
      kind: 'section',
      name: '.data',
      attrs: [{ key: 'align', expr: { kind: 'num', value: 16n } }, { key: 'progbits' }],
    });
    expect(one('[bits 64]').stmt).toMatchObject({ kind: 'bits', bits: 64 });
    const ls = parse('struc pt\n.x: resd 1\nendstruc\nistruc pt\nat pt.x, dd 1\niend');
    expect(ls[1]!.label!.name).toBe('pt.x');
    expect(ls[4]!.stmt).toMatchObject({ kind: 'at', body: { kind: 'data' } });
  });
});

describe('syntax errors', () => {
  it('locates an unknown instruction after a label', () => {
    const l = one('foo bar rax');
    expect(l.diagnostics).toMatchObject([{ severity: 'error', code: 'syntax-error', range: { start: 0, end: 3 } }]);
    expect(l.stmt.kind).toBe('none');
  });

  it('locates a missing bracket and an unterminated string', () => {
    expect(one('mov rax, [rbx').diagnostics[0]!.range).toMatchObject({ start: 10, end: 13 });
    expect(one("db 'abc").diagnostics[0]).toMatchObject({ message: 'unterminated string', range: { start: 3 } });
  });

  it('rejects a register as a label', () => {
    expect(one('rax: nop').diagnostics[0]).toMatchObject({ code: 'syntax-error', range: { start: 0, end: 3 } });
  });
});
