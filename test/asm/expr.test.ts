// Expressions: literal decoding, NASM precedence, 64-bit evaluation, checked against nasm itself.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalExpr, parseExpr, parseNumber, parseStringLiteral, type EvalContext } from '../../emulator/asm/expr';
import { lexLine } from '../../emulator/asm/lexer';
import type { Expr } from '../../emulator/asm/types';

const noSyms: EvalContext = { symbol: () => undefined };

function parse(src: string, allowRegisters = false) {
  const toks = lexLine(src, 'e.asm', 0).tokens;
  return { toks, r: parseExpr(toks, 0, { allowRegisters }) };
}

function value(src: string, ctx: EvalContext = noSyms): bigint {
  const { r } = parse(src);
  if ('error' in r) throw new Error(r.error);
  const v = evalExpr(r.expr, ctx);
  if (v.kind !== 'value') throw new Error(JSON.stringify(v));
  return v.value;
}

describe('parseNumber', () => {
  it('decodes every NASM radix form', () => {
    const cases: [string, bigint][] = [
      ['0x1F', 31n], ['0X1f', 31n], ['1Fh', 31n], ['$1F', 31n], ['0h1F', 31n],
      ['0d10', 10n], ['0t10', 10n], ['10d', 10n], ['10t', 10n], ['10', 10n],
      ['0b1010', 10n], ['1010b', 10n], ['1010y', 10n], ['0y1010', 10n],
      ['0o17', 15n], ['0q17', 15n], ['17o', 15n], ['17q', 15n],
      ['1_000', 1000n], ['0xFFFF_FFFF', 0xffffffffn], ['0', 0n], ['0h', 0n], ['0b', 0n], ['1b', 1n],
    ];
    for (const [t, v] of cases) expect(parseNumber(t), t).toBe(v);
  });

  it('wraps to 64 bits, two\'s complement', () => {
    expect(parseNumber('0xFFFFFFFFFFFFFFFF')).toBe(-1n);
    expect(parseNumber('0x1_0000_0000_0000_0001')).toBe(1n);
    expect(parseNumber('0x8000000000000000')).toBe(-(1n << 63n));
  });

  it('rejects digits outside the radix and tied prefix/suffix radixes', () => {
    for (const t of ['0b102', '19o', '0x1G', '0x10h', '1.5', '1e3', '12a', '']) expect(parseNumber(t), t).toBeUndefined();
  });
});

describe('parseStringLiteral', () => {
  const s = (t: string) => {
    const r = parseStringLiteral(t);
    return r instanceof Uint8Array ? [...r] : r;
  };
  it('takes single and double quotes verbatim', () => {
    expect(s("'a\\n'")).toEqual([97, 92, 110]);
    expect(s('"é"')).toEqual([0xc3, 0xa9]);
  });
  it('processes backquote escapes', () => {
    expect(s('`\\n\\t\\\\\\`\\\'\\"\\0\\x41\\101\\e`')).toEqual([10, 9, 92, 96, 39, 34, 0, 0x41, 0x41, 27]);
    expect(s('`\\u20ac\\U0001F600`')).toEqual([0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
  });
  it('decodes escapes exactly as nasm assembles them', () => {
    const strs = ['`\\x4`', '`\\x41g`', '`\\101\\0\\7`', '`\\1234`', '`\\q\\?`', '`\\u00e9\\U0001F600`', '`\\e\\a\\b\\f\\v\\r\\t`', '`\\x`', '`\\777`', '`\\"\\x7g`', "'\\n'", '"a`b"'];
    const dir = mkdtempSync(join(tmpdir(), 'str-'));
    try {
      // A 0xEE byte after each string separates them in the output.
      writeFileSync(join(dir, 's.asm'), strs.map((x) => `db ${x}, 0xEE\n`).join(''));
      execFileSync('nasm', ['-f', 'bin', join(dir, 's.asm'), '-o', join(dir, 's.bin')], { stdio: 'pipe' });
      const bin = [...readFileSync(join(dir, 's.bin'))];
      const ours = strs.flatMap((x) => [...(parseStringLiteral(x) as Uint8Array), 0xee]);
      expect(ours).toEqual(bin);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports an unterminated string', () => {
    expect(s("'abc")).toEqual({ error: 'unterminated string' });
  });
});

describe('parseExpr', () => {
  it('stops at the first token that cannot continue the expression', () => {
    const { toks, r } = parse('1+2, 3');
    expect('next' in r && r.next).toBe(3);
    expect(toks[3]!.text).toBe(',');
  });

  it('builds ranges that cover the operands', () => {
    const { r } = parse('  (a + 1) * b');
    if ('error' in r) throw new Error(r.error);
    expect(r.expr.range).toMatchObject({ start: 2, end: 13 });
  });

  it('makes registers leaves only when allowed', () => {
    const ok = parse('rax + r15*8 + 16', true).r;
    if ('error' in ok) throw new Error(ok.error);
    const regs: string[] = [];
    const walk = (e: Expr): void => {
      if (e.kind === 'reg') regs.push(e.name);
      if (e.kind === 'binary') (walk(e.left), walk(e.right));
    };
    walk(ok.expr);
    expect(regs).toEqual(['rax', 'r15']);
    const bad = parse('rax + 1').r;
    expect(bad).toMatchObject({ error: expect.stringContaining('rax'), range: { start: 0, end: 3 } });
  });

  it('treats $name as a symbol, not a register', () => {
    const { r } = parse('$rax + 1');
    expect('expr' in r && r.expr.kind === 'binary' && r.expr.left).toMatchObject({ kind: 'sym', name: 'rax' });
  });

  it('reports a located error for a missing operand or parenthesis', () => {
    expect(parse('1 +').r).toMatchObject({ error: 'expression expected', range: { start: 3, end: 3 } });
    expect(parse('(1 + 2').r).toMatchObject({ error: "expecting ')'" });
    expect(parse('1 ? 2').r).toMatchObject({ error: expect.stringContaining(':') });
    expect(parse(', 1').r).toMatchObject({ range: { start: 0, end: 1 } });
  });

  it('survives absurd nesting and length with an error, not a stack overflow', () => {
    expect(parse('('.repeat(100000) + '1' + ')'.repeat(100000)).r).toMatchObject({ error: expect.stringContaining('deep') });
    expect(parse('-'.repeat(100000) + '1').r).toMatchObject({ error: expect.stringContaining('deep') });
    expect(parse(Array(20000).fill('1').join('+')).r).toMatchObject({ error: expect.stringContaining('long') });
  });
});

describe('evalExpr', () => {
  it('reports undefined symbols as unknown (forward references)', () => {
    const { r } = parse('fwd + 2*other + known');
    if ('error' in r) throw new Error(r.error);
    const v = evalExpr(r.expr, { symbol: (n) => (n === 'known' ? 1n : undefined) });
    expect(v).toEqual({ kind: 'unknown', symbols: ['fwd', 'other'] });
  });

  it('evaluates $, $$ and symbols', () => {
    const ctx: EvalContext = { symbol: (n) => (n === 'lbl' ? 0x1010n : undefined), here: 0x1020n, sectionStart: 0x1000n };
    expect(value('$ - $$', ctx)).toBe(0x20n);
    expect(value('lbl - $$', ctx)).toBe(0x10n);
  });

  it('locates division by zero', () => {
    const { r } = parse('1 + 4 / (2 - 2)');
    if ('error' in r) throw new Error(r.error);
    expect(evalExpr(r.expr, noSyms)).toMatchObject({ kind: 'error', message: 'division by zero', range: { start: 4, end: 15 } });
    expect(parse('(a)').r).toMatchObject({ expr: { kind: 'sym', range: { start: 0, end: 3 } } });
  });

  it('takes only the chosen branch of ?:', () => {
    expect(value('1 ? 7 : undefined_thing')).toBe(7n);
  });

  // Every expression below is assembled by nasm as `dq EXPR`; the bytes must equal our value.
  const exprs = [
    '1+2*3', '(1+2)*3', '7-2-1', '100/7/2', '-7/2', '-7//2', '-7 % 2', '-7 %% 2', '7 %% -2', '-7 % -2', '~0/3',
    '1<<3', '1<<64', '1<<65', '-8>>1', '-8>>>1', '1<<<4', '-1>>>70', '0x7FFFFFFFFFFFFFFF+1',
    '1|2^3&4', '6&3|8', '5^1', '1+2==3', '1|2==2', '3<4', '4<3', '-1<1', '0x7FFFFFFFFFFFFFFF < -1',
    '0x8000000000000000 < 1', '3<=3', '3>=4', '3>2', '2<>2', '2!=3', '2=2', '1<=>2', '2<=>1', '3<=>3',
    '1||0&&0', '0&&1||1', '3^^0', '3^^3', '!0', '!5', '~5', '-(-5)', '+5', '- -1',
    "'a'", "'ab'", "'abcdefgh'", '`\\n`', '"AB"+1', '1 ? 2 : 3', '0 ? 2 : 3', '0 ? 1 : 0 ? 5 : 6', '1+1 ? 10 : 20', '0 ? 1 : 2 ? 3 : 4', '(2 > 1) ? 1 << 4 : 0',
    '0x1e+5', '17q+0b11+1Fh+$10+0d9+10t', '1_0+0x_1', '0xFFFFFFFFFFFFFFFFFF & 0xFF',
    '(1 ? 5 : (1 <=> 2))', '(0 ? 5 : (1 <=> 2))', '(0 && (1 <=> 2))', '7 + (1 <=> 2)', '(1 <=> 2) == -1',
    '0H10', '10H', '0X1_F', '1_0B', '0Y11', '17Q', '0O17', '0T99', '99T', '0D99', '$0_1f', '0x', '0b_1', '1__0', '0_h', '0ah',
  ];

  it('matches nasm -f bin on generated expressions (EXPR_RANDOM=N for more)', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const leaves = ['0', '1', '2', '3', '7', '-1', '255', '0x7FFFFFFFFFFFFFFF', '0x8000000000000000', '0xFFFFFFFF', "'ab'", '63', '64', '100'];
    // `<=>` is left out: nasm 2.16.01 turns its "less" result into an internal unknown whose
    // further use is erratic (the fixed corpus above covers the simple cases).
    const ops = ['+', '-', '*', '/', '//', '%', '%%', '<<', '>>', '<<<', '>>>', '&', '|', '^', '==', '!=', '<', '<=', '>', '>=', '&&', '||', '^^'];
    const gen = (depth: number): string => {
      if (depth === 0 || rand(4) === 0) return leaves[rand(leaves.length)]!;
      const k = rand(10);
      if (k === 0) return `${['-', '~', '!', '+'][rand(4)]}(${gen(depth - 1)})`;
      if (k === 1) return `(${gen(depth - 1)} ? ${gen(depth - 1)} : ${gen(depth - 1)})`;
      const op = ops[rand(ops.length)]!;
      // Keep divisors non-zero and positive (nasm itself faults on INT64_MIN // -1).
      const right = ['/', '//', '%', '%%'].includes(op) ? `((${gen(depth - 1)}) & 0x7F | 1)` : gen(depth - 1);
      return `(${gen(depth - 1)} ${op} ${right})`;
    };
    const list = Array.from({ length: Number(process.env.EXPR_RANDOM ?? 400) }, () => gen(4));
    const dir = mkdtempSync(join(tmpdir(), 'expr-'));
    try {
      writeFileSync(join(dir, 'e.asm'), list.map((e) => `dq ${e}\n`).join(''));
      execFileSync('nasm', ['-f', 'bin', '-w-all', join(dir, 'e.asm'), '-o', join(dir, 'e.bin')], { stdio: 'pipe' });
      const bin = readFileSync(join(dir, 'e.bin'));
      list.forEach((e, i) => expect(value(e), e).toBe(bin.readBigInt64LE(i * 8)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('matches nasm -f bin on a corpus of expressions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'expr-'));
    try {
      writeFileSync(join(dir, 'e.asm'), exprs.map((e) => `dq ${e}\n`).join(''));
      execFileSync('nasm', ['-f', 'bin', '-w-all', join(dir, 'e.asm'), '-o', join(dir, 'e.bin')], { stdio: 'pipe' });
      const bin = readFileSync(join(dir, 'e.bin'));
      exprs.forEach((e, i) => {
        expect(value(e), e).toBe(bin.readBigInt64LE(i * 8));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
