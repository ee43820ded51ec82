import { describe, expect, it } from 'vitest';
import { machine, runToEnd } from './helpers';

describe('smoke', () => {
  it('runs a loop', () => {
    const m = machine(`
      mov ecx, 10
      xor eax, eax
    l: add eax, ecx
      dec ecx
      jnz l
    `);
    expect(runToEnd(m)).toBe('breakpoint');
    expect(m.core.getGpr(0)).toBe(55n);
  });
});
