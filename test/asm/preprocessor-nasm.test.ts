// Differential: our expansion of the fixtures under test/fixtures/pp equals `nasm -E`
// (whitespace normalised, macro-local label numbers and NASM's bracketed directive forms unified).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lexLine } from '../../emulator/asm/lexer';
import { preprocess } from '../../emulator/asm/preprocessor';
import type { FileHost } from '../../emulator/asm/types';

const dir = resolve(__dirname, '../fixtures/pp');

const fsHost: FileHost = {
  readText: (p) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined),
  readBytes: (p) => (existsSync(p) ? new Uint8Array(readFileSync(p)) : undefined),
  resolve: (from, name, paths) => {
    for (const d of [dirname(from), ...paths]) {
      const p = resolve(d, name);
      if (existsSync(p)) return p;
    }
    return undefined;
  },
};

function normalise(text: string): string {
  return lexLine(text, 'x', 0)
    .tokens.map((t) => t.text)
    .join(' ')
    .replace(/\.\.@\d+\./g, '..@N.');
}

// NASM's standard macros turn `global x` into `[global x]`; compare the user-level form.
function unbracket(line: string): string {
  const m = /^\[\s*(global|section|segment|bits|default|extern)\s+(.*)\]$/i.exec(line.trim());
  return m ? `${m[1]} ${m[2]}` : line;
}

const fixtures = readdirSync(dir).filter((f) => f.endsWith('.asm'));

describe('preprocessor matches nasm -E', () => {
  it('has fixtures', () => expect(fixtures.length).toBeGreaterThanOrEqual(3));
  for (const f of fixtures) {
    it(f, () => {
      const path = join(dir, f);
      const nasm = execFileSync('nasm', ['-E', '-I', `${dir}/`, path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
        .split('\n')
        .filter((l) => !l.startsWith('%line') && l.trim() !== '')
        .map((l) => normalise(unbracket(l)));
      const r = preprocess(readFileSync(path, 'utf8'), path, { host: fsHost, includePaths: [`${dir}/`] });
      expect(r.diagnostics).toEqual([]);
      const ours = r.lines.filter((l) => l.tokens.length > 0).map((l) => normalise(l.tokens.map((t) => t.text).join(' ')));
      expect(ours).toEqual(nasm);
    });
  }
});
