// Lexer: token kinds, exact 0-based ranges, comments and every NASM literal form.
import { describe, expect, it } from 'vitest';
import { lexLine } from '../../emulator/asm/lexer';

const kinds = (s: string) => lexLine(s, 'f.asm', 0).tokens.map((t) => `${t.kind}:${t.text}`);

describe('lexLine', () => {
  it('gives each token its exact column range', () => {
    const { tokens } = lexLine('  mov  rax, [gs:0x10]', 'a.asm', 7);
    expect(tokens.map((t) => [t.text, t.range.start, t.range.end])).toEqual([
      ['mov', 2, 5],
      ['rax', 7, 10],
      [',', 10, 11],
      ['[', 12, 13],
      ['gs', 13, 15],
      [':', 15, 16],
      ['0x10', 16, 20],
      [']', 20, 21],
    ]);
    expect(tokens.every((t) => t.range.file === 'a.asm' && t.range.line === 7)).toBe(true);
  });

  it('separates the comment but not a ; inside a string', () => {
    const r = lexLine("db ';', 1 ; swapgs-lab: expect user-gs", 'a.asm', 0);
    expect(r.tokens.map((t) => t.text)).toEqual(['db', "';'", ',', '1']);
    expect(r.comment).toEqual({ text: ' swapgs-lab: expect user-gs', range: { file: 'a.asm', line: 0, start: 10, end: 38 } });
  });

  it('reads NASM identifiers', () => {
    expect(kinds('.local ..@x $rax ?q @at a#b~c$d _x')).toEqual([
      'ident:.local', 'ident:..@x', 'ident:$rax', 'ident:?q', 'ident:@at', 'ident:a#b~c$d', 'ident:_x',
    ]);
  });

  it('reads numbers in every radix form as one token', () => {
    const nums = ['0x1F', '1Fh', '$1F', '0h1F', '0d10', '0t10', '10d', '0b1010', '1010b', '1010y', '0o17', '0q17', '17o', '17q', '1_000_000', '0xFFFF_FFFF'];
    for (const n of nums) expect(kinds(n)).toEqual([`number:${n}`]);
  });

  it('reads floats with exponents, but a hex e followed by a sign is addition', () => {
    expect(kinds('1.5e3 1e+5 0x1.8p3 0x1.8p+3 2.0')).toEqual(['number:1.5e3', 'number:1e+5', 'number:0x1.8p3', 'number:0x1.8p+3', 'number:2.0']);
    expect(kinds('0x1e+5')).toEqual(['number:0x1e', 'op:+', 'number:5']);
  });

  it('tells $ apart: here, section start, hex number, escaped name', () => {
    expect(kinds('$ $$ $10 $abc')).toEqual(['op:$', 'op:$$', 'number:$10', 'ident:$abc']);
  });

  it('reads strings with all three quotes, backquote escapes included', () => {
    expect(kinds("'a\"b' \"c'd\" `e\\`f`")).toEqual(["string:'a\"b'", `string:"c'd"`, 'string:`e\\`f`']);
  });

  it('turns an unterminated string into one error token to the end of the line', () => {
    const r = lexLine("db 'abc ; not a comment", 'f', 0);
    expect(r.tokens.map((t) => t.kind)).toEqual(['ident', 'error']);
    expect(r.tokens[1]!.range).toMatchObject({ start: 3, end: 23 });
    expect(r.comment).toBeUndefined();
  });

  it('prefers the longest operator', () => {
    expect(kinds('a<<<b>>>c<=>d<<e>>f//g %% h==i!=j<>k<=l>=m&&n||o^^p')).toEqual([
      'ident:a', 'op:<<<', 'ident:b', 'op:>>>', 'ident:c', 'op:<=>', 'ident:d', 'op:<<', 'ident:e', 'op:>>',
      'ident:f', 'op://', 'ident:g', 'op:%%', 'ident:h', 'op:==', 'ident:i', 'op:!=', 'ident:j', 'op:<>',
      'ident:k', 'op:<=', 'ident:l', 'op:>=', 'ident:m', 'op:&&', 'ident:n', 'op:||', 'ident:o', 'op:^^', 'ident:p',
    ]);
    expect(kinds('~x !y -z a?b:c')).toEqual(['op:~', 'ident:x', 'op:!', 'ident:y', 'op:-', 'ident:z', 'ident:a?b', 'op::', 'ident:c']);
    expect(kinds('a ? b : c')).toEqual(['ident:a', 'op:?', 'ident:b', 'op::', 'ident:c']);
  });

  it('classifies %-tokens', () => {
    expect(kinds('%define %1 %{1} %0 %+ %-1 %+2 %$ctx %$$up %%loop %{1:2} %?? %!HOME % %% x')).toEqual([
      'directive:%define', 'param:%1', 'param:%{1}', 'param:%0', 'param:%+', 'param:%-1', 'param:%+2',
      'param:%$ctx', 'param:%$$up', 'local:%%loop', 'param:%{1:2}', 'param:%??', 'param:%!HOME', 'op:%', 'op:%%', 'ident:x',
    ]);
    expect(kinds('%[x+1]')).toEqual(['param:%[x+1]']);
  });

  it('marks characters that start no token', () => {
    const r = lexLine('mov \\ rax', 'f', 3);
    expect(r.tokens[1]).toEqual({ kind: 'error', text: '\\', range: { file: 'f', line: 3, start: 4, end: 5 } });
  });
});
