// `swapgs-lab run` argument validation (design: CLI contract): bad values get a usage error
// that says what was expected.
import { describe, expect, it } from 'vitest';
import { parseRunArgs } from '../../cli/run-options';

const err = (argv: string[]) => {
  try {
    parseRunArgs(argv);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('run options', () => {
  it('has the documented defaults', () => {
    expect(parseRunArgs(['k.asm']).options).toEqual({
      file: 'k.asm',
      cpus: 1,
      quantum: 1000,
      maxInstructions: 100_000_000,
      traceGs: false,
    });
  });
  it('reads every option', () => {
    const o = parseRunArgs(['--cpus', '4', 'k.asm', '--timer=0x20:500', '--entry', 'kmain', '--quantum', '7', '--max-instructions', '99', '--trace', 'gs']).options;
    expect(o).toEqual({ file: 'k.asm', cpus: 4, timer: { vector: 32, period: 500 }, entry: 'kmain', quantum: 7, maxInstructions: 99, traceGs: true });
  });
  it('rejects --cpus 0 and --cpus 100000 with the allowed range', () => {
    expect(err(['--cpus', '0', 'k.asm'])).toMatch(/--cpus must be/);
    expect(err(['--cpus', '100000', 'k.asm'])).toMatch(/--cpus must be between 1 and 64/);
    expect(err(['--cpus', 'two', 'k.asm'])).toMatch(/--cpus/);
  });
  it('rejects a bad --timer', () => {
    expect(err(['--timer', '32', 'k.asm'])).toMatch(/VECTOR:PERIOD/);
    expect(err(['--timer', '14:100', 'k.asm'])).toMatch(/32\.\.255/);
    expect(err(['--timer', '256:100', 'k.asm'])).toMatch(/vector/);
    expect(err(['--timer', '32:0', 'k.asm'])).toMatch(/period must be at least 1/);
  });
  it('rejects a missing file, two files, an unknown trace kind and unknown options', () => {
    expect(err([])).toMatch(/FILE/);
    expect(err(['a.asm', 'b.asm'])).toMatch(/one FILE/);
    expect(err(['--trace', 'all', 'k.asm'])).toMatch(/only 'gs'/);
    expect(err(['--frobnicate', 'k.asm'])).toMatch(/unknown option/);
    expect(err(['--quantum', '0', 'k.asm'])).toMatch(/--quantum/);
  });
});
