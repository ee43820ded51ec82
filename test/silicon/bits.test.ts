// Silicon comparison: bt/bts/btr/btc, bsf/bsr, lzcnt/tzcnt/popcnt, bswap.

import { describe } from 'vitest';
import { family, PTR, R } from './family';

const N = 48;

describe('bit instructions vs silicon', () => {
  for (const op of ['bt', 'bts', 'btr', 'btc']) {
    describe(op, () => {
      const forms: string[] = [];
      for (const s of [2, 4, 8]) {
        forms.push(`${op} ${R[s][0]}, ${R[s][3]}`, `${op} ${R[s][0]}, ${s * 8 - 3}`, `${op} ${PTR[s]} [r15+64], ${s * 4 + 1}`);
      }
      family(forms, N);
      // Register bit offsets into memory are signed and may leave the operand (SDM Vol. 2 BT).
      family([`${op} [r15+128], cx`, `${op} [r15+128], ecx`, `${op} [r15+128], rcx`], N, {
        fix: (s) => { s.r[1] = BigInt.asUintN(64, (s.r[1] % 1000n) - 500n); },
      });
    });
  }
  for (const op of ['bsf', 'bsr', 'lzcnt', 'tzcnt', 'popcnt']) {
    const forms: string[] = [];
    for (const s of [2, 4, 8]) forms.push(`${op} ${R[s][0]}, ${R[s][3]}`, `${op} ${R[s][1]}, ${PTR[s]} [r15+${s * 3}]`);
    describe(op, () => family(forms, N));
  }
  describe('bswap', () => family(['bswap eax', 'bswap rbx', 'bswap r11', 'bswap r9d'], N));
});
