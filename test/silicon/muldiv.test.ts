// Silicon comparison: mul/imul (1, 2, 3 operands) and div/idiv including #DE, all sizes.

import { describe } from 'vitest';
import { family, PTR, R, SIZES } from './family';

const N = 60;

describe('mul/imul vs silicon', () => {
  const forms: string[] = [];
  for (const s of SIZES) {
    forms.push(`mul ${R[s][3]}`, `imul ${R[s][3]}`, `mul ${PTR[s]} [r15+8]`, `imul ${PTR[s]} [r15+24]`);
    if (s > 1) forms.push(`imul ${R[s][1]}, ${R[s][3]}`, `imul ${R[s][1]}, [r15+40]`, `imul ${R[s][1]}, ${R[s][3]}, -3`, `imul ${R[s][1]}, ${R[s][3]}, ${s === 2 ? 0x7ff1 : 0x12345}`);
  }
  family(forms, N);
});

describe('div/idiv vs silicon', () => {
  // Half of the cases keep the high half of the dividend below the divisor (no #DE), half are raw.
  const fixFor = (size: number, divisor: number) => ({
    fix: (st: { r: bigint[] }) => {
      if (st.r[0] & 1n) {
        const bits = BigInt(size * 8), mask = (1n << bits) - 1n;
        const dv = (st.r[divisor] & mask) || 1n;
        if (size === 1) st.r[0] = (st.r[0] & ~0xff00n) | (((st.r[0] >> 8n) % dv) << 8n);
        else st.r[2] = (st.r[2] & ~mask) | ((st.r[2] & mask) % dv) / 2n;
      }
    },
  });
  for (const s of SIZES) {
    family([`div ${R[s][3]}`, `idiv ${R[s][3]}`], N, fixFor(s, 3));
    family([`div ${PTR[s]} [r15+8]`, `idiv ${PTR[s]} [r15+8]`], N / 2);
  }
  family(['div bh', 'idiv ch'], N);
});
