// Property: any mix of NASM-ish lines (directives, macros, garbage) preprocesses without
// throwing, within the limits, with every diagnostic on a line that exists.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { preprocess } from '../../emulator/asm/preprocessor';
import { memHost } from './pp-host';

const fragments = [
  '%define A 1', '%define F(x) x+A', '%xdefine B A B', '%undef A', '%assign i i+1', '%assign i 0',
  '%macro M 0-2 9', '%macro R 1+', '%rmacro Q 0', '%endmacro', 'M 1, 2', 'R a, b, c', 'Q', 'M', '%rotate 1',
  '%rep 3', '%rep 100000', '%endrep', '%exitrep', '%exitmacro', '%if i < 3', '%elif 1', '%else', '%endif',
  '%ifdef A', '%ifidn %1, a', '%ifmacro M', '%include "x.inc"', '%include "y.inc"', '%error e', '%warning w',
  'db F(2), %1, %%l', '%%l: jmp %%l', 'mov rax, [gs:0x10]', "db 'unterminated", 'db `a\\', '%[A', '%{1',
  '%strlen L "abc"', '%substr S "abc" 2', '%push c', '%pop', '%$x:', 'a %+ b', '\\', ')', '%', '%%', '%+',
  'lbl: M', '%if', '%rep', '%macro', '%define', 'db __LINE__', '%deftok T "mov"', '%defstr D x y',
];

describe('preprocessor fuzz', () => {
  it('never throws and keeps diagnostics on real lines', () => {
    const files = { '/p/x.inc': '%include "y.inc"\ndb 1', '/p/y.inc': '%include "x.inc"\nM' };
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 30 })), { maxLength: 60 }), (picked) => {
        const src = picked.join('\n');
        const r = preprocess(src, '/p/main.asm', {
          host: memHost({ ...files, '/p/main.asm': src }),
          includePaths: [],
          limits: { maxLines: 200_000, maxMacroDepth: 50 },
        });
        expect(r.diagnostics.filter((d) => d.code === 'internal-error')).toEqual([]);
        const count: Record<string, number> = { '/p/main.asm': picked.length, '/p/x.inc': 2, '/p/y.inc': 2 };
        for (const d of r.diagnostics) {
          if (d.range.file === '<command line>') continue;
          expect(d.range.line).toBeLessThan(Math.max(1, count[d.range.file] ?? 0));
        }
      }),
      { numRuns: 500, seed: 42 },
    );
  });
});
