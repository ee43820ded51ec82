// fsgsbase-not-enabled: rd/wr{fs,gs}base in a file that never sets CR4.FSGSBASE (bit 16):
// the instructions raise #UD until it is set (SDM Vol 2B RDFSBASE/RDGSBASE, Vol 3A 2.5).

import type { Rule } from './rule';
import { CR4_FSGSBASE } from '../policy';

export const rule: Rule = {
  id: 'fsgsbase-not-enabled',
  on: ['fsgsbase'],
  check(L, _facts, ctx) {
    if (!L.effects.some((e) => e.kind === 'fsgsbase')) return [];
    // A CR4 write whose bit 16 is not known to be 0 counts as enabling it (no error on unknowns).
    const enabled = ctx.p.consts.crWrites.some((w) => w.cr === 4 && ((w.known.zeros ?? 0n) & CR4_FSGSBASE) === 0n);
    if (enabled) return [];
    return [
      {
        index: L.index,
        message: `${L.mnemonic} raises #UD unless CR4.FSGSBASE (bit 16) is set, and this file never sets it`,
        related: [],
      },
    ];
  },
};
