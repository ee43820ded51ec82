// Silicon comparison: add/adc/sub/sbb/cmp/and/or/xor/test, neg/not/inc/dec, all sizes and forms.

import { describe } from 'vitest';
import { family, PTR, R, SIZES } from './family';

const N = 48;

describe('binary arithmetic and logic vs silicon', () => {
  for (const op of ['add', 'adc', 'sub', 'sbb', 'cmp', 'and', 'or', 'xor', 'test']) {
    describe(op, () => {
      const forms: string[] = [];
      for (const s of SIZES) {
        const r = R[s];
        forms.push(`${op} ${r[0]}, ${r[3]}`);
        forms.push(`${op} ${PTR[s]} [r15+${8 + s}], ${r[1]}`);
        if (op !== 'test') forms.push(`${op} ${r[2]}, [r15+${40 + s}]`);
        forms.push(`${op} ${r[9]}, ${s === 1 ? '0x7f' : '-5'}`);
        forms.push(`${op} ${r[1]}, ${s === 1 ? '0x80' : s === 2 ? '0x8001' : '0x7ffffff0'}`);
      }
      forms.push(`${op} ah, bh`, `${op} sil, dil`, `${op} r10b, r11b`, `${op} eax, 0x12345678`, `${op} rax, -0x80000000`);
      family(forms, N);
      // High-byte registers cannot be used with REX, so address memory through rbx (an offset into the buffer).
      family([`${op} ch, [rbx+3]`, `${op} [rbx+5], dh`], N, { rel: [{ reg: 3, min: 0, max: 200 }] });
    });
  }
});

describe('unary arithmetic vs silicon', () => {
  for (const op of ['neg', 'not', 'inc', 'dec']) {
    describe(op, () => {
      const forms: string[] = [];
      for (const s of SIZES) forms.push(`${op} ${R[s][3]}`, `${op} ${PTR[s]} [r15+${64 + s}]`);
      forms.push(`${op} bh`);
      family(forms, N * 2);
    });
  }
});
