// Preprocessor: every directive with expectations checked against `nasm -E`, expansion
// ranges/sites/stacks, and error recovery under hostile input.
import { describe, expect, it } from 'vitest';
import { preprocess, type PreprocessOptions } from '../../emulator/asm/preprocessor';
import type { Diagnostic } from '../../emulator/asm/types';
import { memHost } from './pp-host';

function pp(src: string, files: Record<string, string> = {}, extra: Partial<PreprocessOptions> = {}) {
  const all = { '/p/main.asm': src, ...files };
  const r = preprocess(src, '/p/main.asm', { host: memHost(all), includePaths: [], ...extra });
  const text = r.lines.filter((l) => l.tokens.length > 0).map((l) => l.tokens.map((t) => t.text).join(' '));
  return { ...r, text };
}

const errors = (d: Diagnostic[]) => d.filter((x) => x.severity === 'error');
const lines = (...l: string[]) => l.join('\n');

describe('plain lines', () => {
  it('passes lines through with their ranges, site and comment', () => {
    const r = pp(lines('  mov rax, 1 ; note', '', '; only a comment', 'ret'));
    expect(r.text).toEqual(['mov rax , 1', 'ret']);
    expect(r.lines).toHaveLength(3);
    const l0 = r.lines[0]!;
    expect(l0.site).toMatchObject({ file: '/p/main.asm', line: 0 });
    expect(l0.stack).toEqual([]);
    expect(l0.tokens[1]!.range).toEqual({ file: '/p/main.asm', line: 0, start: 6, end: 9 });
    expect(l0.comment).toEqual({ text: ' note', range: { file: '/p/main.asm', line: 0, start: 13, end: 19 } });
    expect(r.lines[1]!.tokens).toEqual([]);
    expect(r.lines[1]!.comment!.text).toBe(' only a comment');
    expect(r.lines[2]!.site.line).toBe(3);
    expect(r.diagnostics).toEqual([]);
  });

  it('joins a line ending in a backslash with the next, keeping each token on its own line', () => {
    const r = pp(lines('db 1, \\', '   2', 'db 3'));
    expect(r.text).toEqual(['db 1 , 2', 'db 3']);
    expect(r.lines[0]!.tokens[3]!.range).toMatchObject({ line: 1, start: 3, end: 4 });
    expect(r.lines[1]!.site.line).toBe(2);
  });

  it('joins a long run of continued lines into one line', () => {
    const r = pp('db 1, \\\n'.repeat(50_000) + '2\n');
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]!.tokens).toHaveLength(50_000 * 3 + 1);
    expect(r.lines[0]!.tokens.at(-1)!.range.line).toBe(50_000);
  });

  it('handles CRLF line ends', () => {
    expect(pp('db 1\r\ndb 2\r\n').text).toEqual(['db 1', 'db 2']);
  });
});

describe('single-line macros', () => {
  it('expands object-like and function-like %define, lazily', () => {
    const r = pp(lines('%define A 1+B', '%define B 2', '%define sq(x) ((x)*(x))', 'db A, sq(3), sq(A)', '%define B 5', 'db A'));
    expect(r.text).toEqual(['db 1 + 2 , ( ( 3 ) * ( 3 ) ) , ( ( 1 + 2 ) * ( 1 + 2 ) )', 'db 1 + 5']);
  });

  it('%xdefine expands the body at definition time', () => {
    expect(pp(lines('%define h 3', '%xdefine xx h', '%define h 9', 'db xx, h')).text).toEqual(['db 3 , 9']);
  });

  it('does not re-expand a macro inside its own expansion (nasm: f(f(2)) -> f(2)+1)', () => {
    expect(pp(lines('%define f(x) x+1', 'db f(f(2))', '%define a b', '%define b a', 'db a, b')).text).toEqual(['db f ( 2 ) + 1', 'db a , b']);
  });

  it('rescans the expansion together with what follows it', () => {
    expect(pp(lines('%define g(x) x*2', '%define f g', 'db f(3)')).text).toEqual(['db 3 * 2']);
  });

  it('is case-sensitive unless defined with %idefine; %undef removes', () => {
    expect(pp(lines('%define Foo 1', '%idefine Bar 2', 'db Foo, foo, BAR, bar', '%undef Foo', 'db Foo')).text).toEqual(['db 1 , foo , 2 , 2', 'db Foo']);
  });

  it('groups a braced argument and supports a greedy last parameter', () => {
    expect(pp(lines('%define P(a,b) a b', 'db P({1,2},3)', '%define G(a,b+) [a] b', 'db G(1,2,3)')).text).toEqual(['db 1 , 2 3', 'db [ 1 ] 2 , 3']);
  });

  it('leaves a function-like macro without arguments alone', () => {
    expect(pp(lines('%define f(x) x', 'db f')).text).toEqual(['db f']);
  });

  it('pastes tokens with %+', () => {
    expect(pp(lines('%define g(x) x %+ _s', 'db g(foo)', 'mov eax, e %+ bx')).text).toEqual(['db foo_s', 'mov eax , ebx']);
  });

  it('%assign evaluates once, with the preprocessor expression language', () => {
    const r = pp(lines('%assign i 1', '%assign i i*10+2', '%assign n -5', '%assign k (1 << 4) | 3', 'db i, n, k'));
    expect(r.text).toEqual(['db 12 , - 5 , 19']);
  });

  it('gives body tokens the macro body range and argument tokens the call-site range', () => {
    const r = pp(lines('%define twice(x) x+x', 'dd twice(abc)'));
    const toks = r.lines[0]!.tokens;
    expect(toks.map((t) => t.text)).toEqual(['dd', 'abc', '+', 'abc']);
    expect(toks[1]!.range).toEqual({ file: '/p/main.asm', line: 1, start: 9, end: 12 });
    expect(toks[2]!.range).toEqual({ file: '/p/main.asm', line: 0, start: 18, end: 19 });
  });

  it('knows __LINE__, __?FILE?__ and __?BITS?__', () => {
    const r = pp(lines('db __LINE__', 'bits 64', 'db __?BITS?__, __?LINE?__', 'db __FILE__'));
    expect(r.text).toEqual(['db 1', 'bits 64', 'db 64 , 3', "db '/p/main.asm'"]);
  });

  it('accepts predefined (-D) macros', () => {
    expect(pp('db DEBUG, X', {}, { predefined: { DEBUG: '1', X: '' } }).text).toEqual(['db 1 ,']);
  });
});

describe('string directives', () => {
  it('%strlen, %substr, %strcat, %defstr, %deftok (nasm -E checked)', () => {
    const r = pp(
      lines(
        "%strlen l 'abc'",
        "%substr a 'xyzw' 2,-1",
        "%substr b 'xyzw' 2",
        "%substr c 'xyzw' 2,2",
        `%strcat s 'a', "b'", 'c'`,
        '%define foo bar',
        '%defstr d foo  x',
        "%deftok t 'mov eax'",
        'db l, a, b, c, s, d',
        't, 1',
      ),
    );
    expect(r.text).toEqual([`db 3 , 'yzw' , 'y' , 'yz' , "ab'c" , 'bar x'`, 'mov eax , 1']);
  });

  it('%[...] glues the expanded text into one token', () => {
    expect(pp(lines('%assign n 3', 'db z%[n]x')).text).toEqual(['db z3x']);
  });
});

describe('multi-line macros', () => {
  const defs = lines('%macro m 1-3 7, 8', 'db %0, %1, %2, %3', '%rotate 1', 'db %1, %2, %3', '%endmacro');

  it('fills defaults, counts them in %0 and rotates them (nasm -E checked)', () => {
    expect(pp(lines(defs, 'm 1', 'm 1,2,3')).text).toEqual([
      'db 3 , 1 , 7 , 8',
      'db 7 , 8 , 1',
      'db 3 , 1 , 2 , 3',
      'db 2 , 3 , 1',
    ]);
  });

  it('maps expanded lines to the call site with a macro frame', () => {
    const r = pp(lines(defs, 'nop', '  m 5 ; call'));
    const body = r.lines.filter((l) => l.stack.length > 0);
    expect(body).toHaveLength(2);
    for (const l of body) {
      expect(l.site).toMatchObject({ line: 6 });
      expect(l.stack).toEqual([{ kind: 'macro', name: 'm', callSite: { file: '/p/main.asm', line: 6, start: 2, end: 5 } }]);
    }
    // `db` comes from the body (line 1), `5` from the call.
    expect(body[0]!.tokens[0]!.range).toMatchObject({ line: 1, start: 0, end: 2 });
    expect(body[0]!.tokens[3]!.range).toMatchObject({ line: 6, start: 4, end: 5 });
    expect(r.lines.find((l) => l.comment)!.comment!.text).toBe(' call');
  });

  it('makes %%labels unique per expansion and pastes params onto adjacent text', () => {
    const r = pp(lines('%macro cat 1', 'lbl%1: db %1_x, x%1, %%l, %%l%1', '%endmacro', 'cat 5', 'cat 6'));
    expect(r.text).toHaveLength(2);
    const [a, b] = r.text;
    expect(a).toMatch(/^lbl5 : db 5_x , x5 , \.\.@(\d+)\.l , \.\.@\1\.l5$/);
    expect(b).toMatch(/^lbl6 : db 6_x , x6 , \.\.@(\d+)\.l , \.\.@\1\.l6$/);
    expect(a!.split(' ')[7]).not.toBe(b!.split(' ')[7]);
  });

  it('takes a greedy last parameter and parameter ranges', () => {
    const r = pp(lines('%macro t 2+', 'db %2', '%endmacro', 't 1, 2, 3', '%macro g 1-*', 'db %{1:2}, %{3:2}', '%endmacro', 'g 1,2,3'));
    expect(r.text).toEqual(['db 2 , 3', 'db 1 , 2 , 3 , 2']);
  });

  it('does not treat parentheses as grouping, but braces do (as nasm)', () => {
    const r = pp(lines('%macro two 2', 'db %1', '%endmacro', 'two f(1), 3', 'two {1, 2}, 3'));
    expect(r.text).toEqual(['db f ( 1 )', 'db 1 , 2']);
  });

  it('emits a label before a macro call on its own line', () => {
    const r = pp(lines('%macro z 0', 'nop', '%endmacro', 'lbl: z', 'lbl2 z'));
    expect(r.text).toEqual(['lbl :', 'nop', 'lbl2 :', 'nop']);
  });

  it('warns when no overload takes that many parameters and keeps the line', () => {
    const r = pp(lines('%macro m 1-2', 'db %1', '%endmacro', 'm 1,2,3'));
    expect(r.text).toEqual(['m 1 , 2 , 3']);
    expect(r.diagnostics).toMatchObject([{ severity: 'warning', code: 'macro-warning', range: { line: 3, start: 0, end: 1 } }]);
  });

  it('overloads by parameter count and %imacro is case-insensitive', () => {
    const r = pp(lines('%macro p 0', 'db 0', '%endmacro', '%macro p 1', 'db %1', '%endmacro', '%imacro Q 0', 'db 9', '%endmacro', 'p', 'p 4', 'q', 'Q'));
    expect(r.text).toEqual(['db 0', 'db 4', 'db 9', 'db 9']);
  });

  it('inverts condition codes with %-1', () => {
    expect(pp(lines('%macro cc 1', 'j%-1 x', 'j%+1 x', '%endmacro', 'cc z', 'cc ae')).text).toEqual(['jnz x', 'jz x', 'jnae x', 'jae x']);
  });

  it('supports macros defining macros, %exitmacro and %unmacro', () => {
    const r = pp(
      lines('%macro mk 1', '%macro %1 0', 'db 1', '%endmacro', '%endmacro', 'mk one', 'one', '%macro e 0', 'db 2', '%exitmacro', 'db 3', '%endmacro', 'e', '%unmacro e 0', 'e'),
    );
    expect(r.text).toEqual(['db 1', 'db 2', 'e']);
  });

  it('nests expansions: the stack lists every macro, outermost first, and site is the outer call', () => {
    const r = pp(lines('%macro inner 0', 'swapgs', '%endmacro', '%macro outer 0', 'inner', '%endmacro', 'outer'));
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]!.stack.map((f) => f.name)).toEqual(['outer', 'inner']);
    expect(r.lines[0]!.stack[1]!.callSite).toMatchObject({ line: 4 });
    expect(r.lines[0]!.site.line).toBe(6);
    expect(r.lines[0]!.tokens[0]!.range.line).toBe(1);
  });

  it('supports %push/%pop context-local names', () => {
    const r = pp(lines('%push c1', 'jmp %$end', '%push c2', 'jmp %$end', '%pop', '%$end:', '%pop c1'));
    const [a, b, c] = r.text;
    const outer = a!.split(' ')[1]!;
    expect(outer).toMatch(/^\.\.@\d+\.end$/);
    // The label defined after %pop of the inner context is the outer context's name.
    expect(c).toBe(`${outer} :`);
    expect(b!.split(' ')[1]).not.toBe(outer);
    expect(r.diagnostics).toEqual([]);
  });
});

describe('%rep', () => {
  it('repeats with %assign counters and stops at %exitrep', () => {
    const r = pp(lines('%assign i 0', '%rep 10', '%if i = 3', '%exitrep', '%endif', 'db i', '%assign i i+1', '%endrep', 'db 99'));
    expect(r.text).toEqual(['db 0', 'db 1', 'db 2', 'db 99']);
    expect(r.lines[0]!.stack).toEqual([{ kind: 'rep', name: '%rep', callSite: expect.objectContaining({ line: 1 }) }]);
    expect(r.lines[0]!.site.line).toBe(5);
  });

  it('nests, and a %rep inside a macro sees the macro parameters', () => {
    const r = pp(lines('%macro fill 2', '%rep %1', 'db %2', '%endrep', '%endmacro', 'fill 2, 7', '%rep 2', '%rep 2', 'nop', '%endrep', 'int3', '%endrep'));
    expect(r.text).toEqual(['db 7', 'db 7', 'nop', 'nop', 'int3', 'nop', 'nop', 'int3']);
  });

  it('treats a zero or negative count as no iterations', () => {
    expect(pp(lines('%rep 0', 'db 1', '%endrep', '%rep -3', 'db 2', '%endrep', 'db 3')).text).toEqual(['db 3']);
  });
});

describe('conditionals', () => {
  it('%if/%elif/%else/%endif pick one branch, nested in false branches too', () => {
    const src = (v: number) =>
      lines(`%assign v ${v}`, '%if v = 1', 'db 1', '%elif v = 2', '%if 0', 'db 0', '%else', 'db 2', '%endif', '%else', 'db 3', '%endif');
    expect(pp(src(1)).text).toEqual(['db 1']);
    expect(pp(src(2)).text).toEqual(['db 2']);
    expect(pp(src(7)).text).toEqual(['db 3']);
  });

  it('%ifn, %ifdef, %ifndef, %elifdef', () => {
    const r = pp(lines('%define D', '%ifn 0', 'db 1', '%endif', '%ifdef D', 'db 2', '%endif', '%ifndef D', 'db 3', '%elifdef D', 'db 4', '%endif', '%ifdef U', 'db 5', '%endif'));
    expect(r.text).toEqual(['db 1', 'db 2', 'db 4']);
  });

  it('%ifidn / %ifidni compare expanded text, ignoring spacing', () => {
    const r = pp(lines('%define R rax', '%ifidn R , rax', 'db 1', '%endif', '%ifidn R, RAX', 'db 2', '%endif', '%ifidni R, RAX', 'db 3', '%endif', '%ifnidn a, b', 'db 4', '%endif'));
    expect(r.text).toEqual(['db 1', 'db 3', 'db 4']);
  });

  it('%ifmacro, %ifnum, %ifstr, %ifid, %ifempty', () => {
    const r = pp(
      lines('%macro mm 1-2', '%endmacro', '%ifmacro mm', 'db 1', '%endif', '%ifmacro mm 3', 'db 2', '%endif', '%ifnum -5', 'db 3', '%endif', "%ifstr 'x'", 'db 4', '%endif', '%ifid abc', 'db 5', '%endif', '%ifid 1', 'db 6', '%endif', '%ifempty', 'db 7', '%endif'),
    );
    expect(r.text).toEqual(['db 1', 'db 3', 'db 4', 'db 5', 'db 7']);
  });

  it('keeps an %if opened by a macro open after it, but %exitmacro closes it (as nasm)', () => {
    const r = pp(lines('%macro m 0', '%if 1', 'db 1', '%exitmacro', '%endif', '%endmacro', 'm', 'db 2', '%macro k 0', '%if 0', '%endmacro', 'k', 'db 3', '%endif', 'db 4'));
    expect(r.text).toEqual(['db 1', 'db 2', 'db 4']);
    expect(r.diagnostics).toEqual([]);
  });

  it('does not evaluate skipped branches (no errors from them)', () => {
    const r = pp(lines('%if 1', 'db 1', '%elif undefined_symbol', '%else', '%error never', '%endif'));
    expect(r.text).toEqual(['db 1']);
    expect(r.diagnostics).toEqual([]);
  });
});

describe('%include', () => {
  it('includes relative to the including file, then -I paths, with an include frame', () => {
    const files = { '/p/inc/a.inc': lines('%include "b.inc"', 'db 1'), '/p/inc/b.inc': 'db 2', '/lib/c.inc': 'db 3' };
    const r = pp(lines('%include "inc/a.inc"', "%include 'c.inc'", 'db 4'), files, { includePaths: ['/lib'] });
    expect(r.text).toEqual(['db 2', 'db 1', 'db 3', 'db 4']);
    expect(r.diagnostics).toEqual([]);
    expect(r.lines[0]!.stack.map((f) => f.name)).toEqual(['/p/inc/a.inc', '/p/inc/b.inc']);
    expect(r.lines[0]!.site).toMatchObject({ file: '/p/inc/b.inc', line: 0 });
    expect(r.lines[0]!.stack[0]!.callSite).toMatchObject({ file: '/p/main.asm', line: 0 });
  });

  it('reports a missing file as an error, or a single warning in lint mode', () => {
    const src = lines('%include "nope.inc"', 'db 1');
    const e = pp(src);
    expect(e.text).toEqual(['db 1']);
    expect(e.diagnostics).toMatchObject([{ severity: 'error', code: 'include-not-found', range: { line: 0, start: 9, end: 19 } }]);
    const w = pp(src, {}, { lint: true });
    expect(w.diagnostics).toMatchObject([{ severity: 'warning', code: 'include-not-found' }]);
  });

  it('names an include cycle, and a guarded header may be re-entered', () => {
    const r = pp(lines('%include "a.inc"', 'db 9'), { '/p/a.inc': lines('%include "b.inc"', 'db 1'), '/p/b.inc': lines('%include "a.inc"', 'db 2') });
    expect(errors(r.diagnostics)).toHaveLength(1);
    expect(r.diagnostics[0]!.message).toBe('include cycle: /p/a.inc -> /p/b.inc -> /p/a.inc');
    expect(r.diagnostics[0]!.range.file).toBe('/p/b.inc');
    expect(r.text.at(-1)).toBe('db 9');
    const guarded = { '/p/g.inc': lines('%ifndef G', '%define G', '%include "h.inc"', 'db 1', '%endif'), '/p/h.inc': lines('%include "g.inc"', 'db 2') };
    const g = pp('%include "g.inc"', guarded);
    expect(g.diagnostics).toEqual([]);
    expect(g.text).toEqual(['db 2', 'db 1']);
  });
});

describe('include depth', () => {
  it('stops a chain of distinct includes at the depth limit with one error', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 100; i++) files[`/p/f${i}.inc`] = lines(`%include "f${i + 1}.inc"`, `db ${i}`);
    const r = pp(lines('%include "f0.inc"', 'db 999'), files);
    expect(errors(r.diagnostics)).toHaveLength(1);
    expect(r.diagnostics[0]!.message).toContain('64');
    expect(r.diagnostics[0]!.stack).toHaveLength(64);
    expect(r.text).toHaveLength(65);
    expect(r.text.at(-1)).toBe('db 999');
  });
});

describe('user diagnostics', () => {
  it('%error, %warning and %fatal report at their line', () => {
    const r = pp(lines('%define N 3', '%warning careful N', '%error "bad thing"', 'db 1', '%fatal stop', 'db 2'));
    expect(r.diagnostics.map((d) => [d.severity, d.message, d.range.line])).toEqual([
      ['warning', 'careful 3', 1],
      ['error', 'bad thing', 2],
      ['error', 'stop', 4],
    ]);
    expect(r.text).toEqual(['db 1']);
  });

  it('locates an error inside a macro at the call site, with the body line as related', () => {
    const r = pp(lines('%macro chk 1', '%if %1 > 2', '%error too big', '%endif', '%endmacro', 'chk 1', 'chk 5'));
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0]!;
    expect(d.range.line).toBe(6);
    expect(d.related?.[0]?.range.line).toBe(2);
    expect(d.stack?.[0]).toMatchObject({ kind: 'macro', name: 'chk' });
  });
});

describe('error recovery and limits', () => {
  it('a bad %if expression gives one located error and the rest still comes out', () => {
    const r = pp(lines('db 1', '%if 1 +', 'db 2', '%endif', 'db 3'));
    expect(r.text).toEqual(['db 1', 'db 3']);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ severity: 'error', code: 'macro-error', range: { line: 1 } });
  });

  it('reports a lexing problem in a directive as a syntax error', () => {
    const r = pp(lines("%if 'abc", '%endif', "%assign x 1 \\ 2"));
    expect(r.diagnostics.map((d) => [d.code, d.range.line, d.range.start])).toEqual([
      ['syntax-error', 0, 4],
      ['syntax-error', 2, 12],
    ]);
  });

  it('warns about trailing garbage after an expression and uses the value (as nasm)', () => {
    const r = pp(lines('%if 1 2', 'db 1', '%else', 'db 2', '%endif'));
    expect(r.text).toEqual(['db 1']);
    expect(r.diagnostics).toMatchObject([{ severity: 'warning', range: { line: 0, start: 6, end: 7 } }]);
  });

  it('skips every branch of an %if whose test fails (as nasm)', () => {
    const r = pp(lines('%if UNDEFINED > 2', 'db 1', '%else', 'db 2', '%endif', 'db 3'));
    expect(r.text).toEqual(['db 3']);
    expect(errors(r.diagnostics)).toHaveLength(1);
  });

  it('compares registers in %if only for identity (as nasm)', () => {
    const r = pp(lines('%define R rax', '%if R = rax', 'db 1', '%endif', '%if R = 3', 'db 2', '%else', 'db 3', '%endif', '%if R > 2', 'db 4', '%else', 'db 5', '%endif'));
    expect(r.text).toEqual(['db 1', 'db 3', 'db 5']);
    expect(r.diagnostics).toMatchObject([{ severity: 'error', range: { line: 9 } }]);
  });

  it('reports an undefined symbol in %if by name', () => {
    const r = pp(lines('%if FOO > 1', '%endif'));
    expect(r.diagnostics[0]!.message).toContain('`FOO`');
  });

  it('reports an unterminated %if at its opening line', () => {
    const r = pp(lines('db 1', '%if 1', 'db 2'));
    expect(r.text).toEqual(['db 1', 'db 2']);
    expect(r.diagnostics).toMatchObject([{ code: 'macro-error', range: { line: 1 }, message: expect.stringContaining('%if') }]);
  });

  it('reports an unclosed %if inside a %rep body once, not per iteration', () => {
    const r = pp(lines('%rep 50', '%if 1', 'db 1', '%endrep', 'db 2'));
    expect(r.text.at(-1)).toBe('db 2');
    expect(errors(r.diagnostics)).toHaveLength(1);
    expect(r.diagnostics[0]!.range.line).toBe(1);
  });

  it('reports %1 outside a macro, but not in a skipped branch (as nasm)', () => {
    const r = pp(lines('%if 1', '%elif %1', '%endif', '%if 0', 'db %2', '%endif', 'db %1, 2'));
    expect(r.diagnostics.map((d) => d.range.line)).toEqual([1, 6]);
    expect(r.diagnostics[1]).toMatchObject({ range: { line: 6, start: 3, end: 5 }, message: expect.stringContaining('not in a macro call') });
    expect(r.text).toEqual(['db , 2']);
  });

  it('reports unterminated %macro and %rep at their opening lines', () => {
    expect(pp(lines('db 0', '%macro m 0', 'db 1')).diagnostics).toMatchObject([{ range: { line: 1 }, message: expect.stringContaining('%endmacro') }]);
    expect(pp(lines('db 0', '%rep 3', 'db 1')).diagnostics).toMatchObject([{ range: { line: 1 }, message: expect.stringContaining('%endrep') }]);
  });

  it('reports a stray %endif, %else, %endmacro, %endrep and an unknown directive, each once', () => {
    const r = pp(lines('%endif', '%else', '%endmacro', '%endrep', '%bogus x', 'db 1'));
    expect(r.text).toEqual(['db 1']);
    expect(r.diagnostics.map((d) => d.range.line)).toEqual([0, 1, 2, 3, 4]);
  });

  it('does not expand a plain %macro inside itself (nasm -E checked)', () => {
    const r = pp(lines('%macro deep 1', '%if %1 > 0', 'db %1', 'deep %1 - 1', '%endif', '%endmacro', 'deep 3'));
    expect(r.text).toEqual(['db 3', 'deep 3 - 1']);
  });

  it('gives each malformed directive one located error and keeps the next line', () => {
    const bad = [
      '%define', '%define 1 2', '%define f(x', '%define f(1) x', '%undef', '%assign', '%assign x', '%assign x 1 +',
      '%assign x y', '%assign x 1/0', '%strlen s', '%strlen s 5', "%substr s 'abc'", "%substr s 'abc' q", '%strcat s 1',
      '%deftok t 5', '%macro', '%macro 5', '%macro m', '%macro m x', '%macro m 3-1', '%macro m 1-', '%rotate 1',
      '%exitrep', '%exitmacro', '%include', '%if', '%elif 1', '%pop', '%repl x', '%rep', '%rep x',
      '%ifdef', '%ifidn a', '%ifmacro', "%if 'unterminated", '%bogus',
    ];
    for (const line of bad) {
      const close = line.startsWith('%if') ? '%endif' : line.startsWith('%rep') ? '%endrep' : '%endmacro';
      const r = pp(lines(line, close, 'db 1'));
      const errs = errors(r.diagnostics).filter((d) => d.range.line === 0);
      expect(errs, line).toHaveLength(1);
      expect(errs[0]!.range.file, line).toBe('/p/main.asm');
      expect(r.text.at(-1), line).toBe('db 1');
    }
  });

  it('stops infinite %rmacro recursion at the depth limit with one error', () => {
    const r = pp(lines('%rmacro forever 0', 'forever', '%endmacro', 'forever', 'db 1'));
    expect(r.text).toEqual(['db 1']);
    expect(errors(r.diagnostics)).toHaveLength(1);
    expect(r.diagnostics[0]!.message).toContain('1000');
    expect(r.diagnostics[0]!.range.line).toBe(3);
  });

  it('stops when the output grows past the output line limit', () => {
    const r = pp(lines('%rep 100000', 'db 0', '%endrep', 'db 1'), {}, { limits: { maxOutputLines: 1000 } });
    expect(r.lines).toHaveLength(1000);
    expect(r.diagnostics).toMatchObject([{ severity: 'error', range: { line: 1 }, message: expect.stringContaining('1000 lines produced') }]);
  });

  it('refuses a %rep count above the limit', () => {
    const r = pp(lines('%rep 1000000000', 'db 1', '%endrep', 'db 2'));
    expect(r.text).toEqual(['db 2']);
    expect(r.diagnostics).toMatchObject([{ range: { line: 0 }, message: expect.stringContaining('exceeds limit') }]);
  });

  it('stops runaway nested %rep at the total line limit', () => {
    const r = pp(lines('%rep 1000000', '%rep 1000000', '%endrep', '%endrep', 'db 1'), {}, { limits: { maxLines: 50_000 } });
    expect(errors(r.diagnostics)).toHaveLength(1);
    expect(r.diagnostics[0]!.message).toContain('50000');
  });

  it('stops exponential single-line expansion', () => {
    const defs = Array.from({ length: 40 }, (_, i) => `%define m${i} m${i + 1} m${i + 1}`);
    const r = pp(lines(...defs, 'db m0', 'db 1'));
    expect(errors(r.diagnostics)).toHaveLength(1);
    expect(r.text.at(-1)).toBe('db 1');
  });

  it('stops a string doubled in a %rep at the size limit, reported once at the directive', () => {
    const r = pp(lines("%define s 'ab'", '%rep 40', '%strcat s s, s', '%endrep', '%strlen n s', 'db n'));
    expect(r.text).toEqual(['db 1048576']);
    expect(r.diagnostics).toMatchObject([{ severity: 'error', range: { line: 2 }, message: expect.stringContaining('limit') }]);
  });

  it('passes a line of 100,000 unclosed macro calls through', () => {
    const r = pp(lines('%define f(x) x', 'db ' + 'f('.repeat(100_000), 'db 1'));
    expect(r.lines[0]!.tokens).toHaveLength(1 + 200_000);
    expect(r.text.at(-1)).toBe('db 1');
  });

  it('reports a binary file once, not once per line', () => {
    const bin = 'abc\0\x01\x02\n'.repeat(1000);
    const r = pp(bin);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'syntax-error', range: { line: 0, start: 3 } });
    const inc = pp(lines('%include "b.bin"', 'db 1'), { '/p/b.bin': bin });
    expect(inc.text).toEqual(['db 1']);
    expect(inc.diagnostics).toHaveLength(1);
  });

  it('handles a 1 MB file', () => {
    const big = 'mov rax, [gs:0x10] ; c\n'.repeat(Math.ceil((1 << 20) / 23));
    const r = pp(big);
    expect(r.lines.length).toBe(Math.ceil((1 << 20) / 23));
    expect(r.diagnostics).toEqual([]);
  });

  it('leaves assembler directives untouched', () => {
    const r = pp(lines('section .text', 'struc S', '.a: resq 1', 'endstruc', 'x equ 5', 'times 3 db 0', 'istruc S', 'at S.a, dq 1', 'iend'));
    expect(r.text).toEqual(['section .text', 'struc S', '.a : resq 1', 'endstruc', 'x equ 5', 'times 3 db 0', 'istruc S', 'at S.a , dq 1', 'iend']);
  });
});
