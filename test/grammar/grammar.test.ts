// Runs the TextMate grammar cases (test/grammar/*.test.asm) through vscode-tmgrammar-test, so
// `npm test` covers the highlighting, and checks the committed grammar matches its generator.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'node_modules/vscode-tmgrammar-test/dist/unit.js');
const cases = readdirSync(__dirname).filter((f) => f.endsWith('.test.asm')).sort();

function runCases(file: string): { status: number | null; output: string } {
  // The CLI finds the grammar through package.json's contributes.grammars, as VS Code does.
  const r = spawnSync(process.execPath, [cli, '-c', file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('NASM grammar', () => {
  it('has a case file for every category the grammar covers', () => {
    for (const name of ['mnemonics', 'registers', 'keywords', 'directives', 'preprocessor', 'labels', 'numbers', 'strings-comments']) {
      expect(cases).toContain(`${name}.test.asm`);
    }
  });

  for (const file of cases) {
    it(`highlights ${file} as its assertions say`, () => {
      const { status, output } = runCases(path.join('test/grammar', file));
      expect(output).not.toMatch(/ERROR/);
      expect(status, output).toBe(0);
    });
  }

  it('reports a wrong expectation (the harness can fail)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'grammar-'));
    try {
      const file = path.join(dir, 'wrong.test.asm');
      writeFileSync(file, '; SYNTAX TEST "source.nasm" "deliberately wrong"\n    swapgs\n;   ^^^^^^ constant.numeric.hex.nasm\n');
      const { status, output } = runCases(file);
      expect(status).not.toBe(0);
      expect(output).toMatch(/constant\.numeric\.hex\.nasm/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is the current output of scripts/gen-grammar.mjs (regenerate after changing the script)', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e',
      "import('./scripts/gen-grammar.mjs').then((m) => process.stdout.write(m.grammarText()))"],
    { cwd: root, encoding: 'utf8', maxBuffer: 16 << 20 });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(root, 'syntaxes/nasm.tmLanguage.json'), 'utf8')).toBe(r.stdout);
  });

  it('highlights exactly the mnemonic and register lists (the trie-factored regexes lose or add no word)', () => {
    // Every listed word matches; no proper prefix or one-character extension that is not itself
    // listed does.
    const script = `
      import { trieRegex, mnemonics, registers } from './scripts/gen-grammar.mjs';
      const out = [];
      for (const list of [mnemonics(), Object.values(registers).flat()]) {
        const re = new RegExp('^(?:' + trieRegex(list) + ')$');
        const words = new Set(list);
        const missing = list.filter((w) => !re.test(w));
        const extra = list.flatMap((w) => [w.slice(0, -1), w + 'x', w + '1']).filter((p) => p && !words.has(p) && re.test(p));
        out.push({ size: list.length, missing, extra });
      }
      process.stdout.write(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [mnemonicCheck, registerCheck] = JSON.parse(r.stdout) as { size: number; missing: string[]; extra: string[] }[];
    expect(mnemonicCheck!.size).toBeGreaterThan(1500); // iced-x86 1.21 lists about 1,900
    for (const check of [mnemonicCheck!, registerCheck!]) {
      expect(check.missing).toEqual([]);
      expect(check.extra).toEqual([]);
    }
  });

  it('is wired into package.json with the nasm language and its configuration', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === 'nasm');
    expect(lang.extensions).toEqual(expect.arrayContaining(['.asm', '.nasm', '.inc']));
    const grammar = pkg.contributes.grammars.find((g: { language: string }) => g.language === 'nasm');
    expect(grammar.scopeName).toBe('source.nasm');
    expect(existsSync(path.join(root, grammar.path))).toBe(true);
    const config = JSON.parse(readFileSync(path.join(root, lang.configuration), 'utf8'));
    expect(config.comments.lineComment).toBe(';');
  });
});
