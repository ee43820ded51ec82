// Differential on generated programs: random mixes of %define/%assign/%xdefine/%undef, macros
// with parameter ranges, defaults, greedy parameters, %rotate, %%labels and pasting, %rep and
// the %if family, each run through `nasm -E` and through our preprocessor; outputs must match.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lexLine } from '../../emulator/asm/lexer';
import { preprocess } from '../../emulator/asm/preprocessor';
import { memHost } from './pp-host';
import { program } from './pp-random-gen';

// PP_RANDOM_SEEDS=N explores more programs locally.
const COUNT = Number(process.env.PP_RANDOM_SEEDS ?? 300);

const norm = (text: string) =>
  lexLine(text, 'x', 0)
    .tokens.map((t) => t.text)
    .join(' ')
    .replace(/\.\.@\d+\./g, '..@N.');

describe('preprocessor vs nasm -E on generated programs', () => {
  it(`expands ${COUNT} generated programs exactly as nasm does`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-rand-'));
    try {
      for (let seed = 1; seed <= COUNT; seed++) {
        const src = program(seed);
        const file = join(dir, `r${seed}.asm`);
        writeFileSync(file, src);
        let nasmOut: string;
        try {
          nasmOut = execFileSync('nasm', ['-E', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        } catch (e) {
          // nasm exits non-zero after reporting errors in the program; its output still counts.
          nasmOut = (e as { stdout: string }).stdout;
        }
        const expected = nasmOut.split('\n').filter((l) => !l.startsWith('%line') && l.trim() !== '').map(norm);
        const r = preprocess(src, file, { host: memHost({ [file]: src }), includePaths: [] });
        const ours = r.lines.filter((l) => l.tokens.length > 0).map((l) => norm(l.tokens.map((t) => t.text).join(' ')));
        expect(ours, `seed ${seed}:\n${src}`).toEqual(expected);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
