// Data-driven rule tests: every test/fixtures/lint/*.asm is linted; `; expect: rule[, rule]`
// comments mark the only lines where findings may appear (ok-* files have none), and each rule
// must fire in at least two places and stay silent in at least two correct programs.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { RULES } from '../../server/analysis/index';
import { FIXTURES, findings, lint } from './helpers';

const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.asm')).sort();

function expected(source: string): string[] {
  const out: string[] = [];
  source.split('\n').forEach((l, i) => {
    const m = /;.*\bexpect:\s*([a-z0-9, -]+)/.exec(l);
    if (m) for (const id of m[1]!.split(',').map((s) => s.trim()).filter(Boolean)) out.push(`${id}@${i + 1}`);
  });
  return out.sort();
}

describe('lint fixtures', () => {
  for (const f of files) {
    test(f, () => {
      const src = readFileSync(join(FIXTURES, f), 'utf8');
      const got = findings(lint(src)).sort();
      const want = expected(src);
      expect(got).toEqual(want);
      if (f.startsWith('ok-')) expect(want).toEqual([]);
    });
  }
  // The same fixtures through nasm itself (listing + map): the analysis must not depend on which
  // assembler produced the records.
  for (const f of files) {
    test(`${f} gives the same findings when nasm assembles it`, () => {
      const src = readFileSync(join(FIXTURES, f), 'utf8');
      expect(findings(lint(src, undefined, 'nasm')).sort()).toEqual(expected(src));
    });
  }
  test('every analysis rule fires at least twice and stays silent in at least two correct programs', () => {
    // Counted from the fixtures' expectations (the tests above check they match the findings).
    const fired = new Map<string, number>();
    const silentIn = new Map<string, number>();
    for (const f of files) {
      const want = expected(readFileSync(join(FIXTURES, f), 'utf8'));
      for (const g of want) fired.set(g.split('@')[0]!, (fired.get(g.split('@')[0]!) ?? 0) + 1);
      if (f.startsWith('ok-') && want.length === 0) for (const r of RULES) silentIn.set(r.id, (silentIn.get(r.id) ?? 0) + 1);
    }
    const frontEnd = new Set(['syntax-error', 'invalid-operands', 'undefined-symbol', 'macro-error']);
    const weak = RULES.filter((r) => !frontEnd.has(r.id)).filter((r) => (fired.get(r.id) ?? 0) < 2 || (silentIn.get(r.id) ?? 0) < 2);
    expect(weak.map((r) => `${r.id}: fired ${fired.get(r.id) ?? 0}, silent in ${silentIn.get(r.id) ?? 0}`)).toEqual([]);
  });
});
