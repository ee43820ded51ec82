// Silicon comparison: shl/shr/sar/rol/ror/rcl/rcr by 1, imm8 and CL, shld/shrd, all sizes.

import { describe } from 'vitest';
import { family, PTR, R, SIZES } from './family';

const N = 40;
/** Counts mostly in the interesting range (0..70) so masking and >= width cases show up. */
const smallCl = { fix: (s: { r: bigint[] }) => { s.r[1] = s.r[1] % 71n; } };

describe('shifts and rotates vs silicon', () => {
  for (const op of ['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr']) {
    describe(op, () => {
      const forms: string[] = [];
      for (const s of SIZES) {
        forms.push(`${op} ${R[s][0]}, 1`, `${op} ${R[s][3]}, cl`, `${op} ${R[s][2]}, ${s * 8 - 1}`, `${op} ${R[s][2]}, 3`);
        forms.push(`${op} ${PTR[s]} [r15+${16 + s}], cl`);
      }
      forms.push(`${op} bh, cl`, `${op} r9b, 9`, `${op} r9w, 17`);
      // OF is defined only for a count of 1 (SDM Vol. 2 SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR).
      family(forms.filter((f) => f.endsWith(', 1')), N, smallCl);
      family(forms.filter((f) => !f.endsWith(', 1')), N, { ...smallCl, extraMask: 0x800n });
    });
  }
  describe('shld/shrd', () => {
    const forms: string[] = [];
    for (const op of ['shld', 'shrd']) {
      for (const s of [4, 8]) forms.push(`${op} ${R[s][0]}, ${R[s][3]}, cl`, `${op} ${R[s][2]}, ${R[s][6]}, 1`, `${op} ${PTR[s]} [r15+8], ${R[s][3]}, 7`);
      forms.push(`${op} ax, bx, 5`, `${op} [r15+2], bx, 1`);
    }
    family(forms.filter((f) => f.endsWith(', 1')), N * 2, smallCl);
    family(forms.filter((f) => !f.endsWith(', 1')), N * 2, { ...smallCl, extraMask: 0x800n });
    // 16-bit shld/shrd with counts above 16 are undefined: keep CL within 0..16.
    family(['shld ax, bx, cl', 'shrd dx, si, cl'], N * 2, { extraMask: 0x800n, fix: (s) => { s.r[1] = s.r[1] % 17n; } });
  });
});
