// privileged-in-user-code: a CPL-0 or IOPL-sensitive instruction in a `.user*` section: it raises
// #GP when user code runs it (SDM Vol 3A 2.8 / 5.9).

import type { Rule } from './rule';
import { PRIVILEGED_MNEMONICS } from '../policy';

export const rule: Rule = {
  id: 'privileged-in-user-code',
  check(L, _facts, ctx) {
    if (L.invalid || !ctx.p.userSection(ctx.p.records[L.index]!.section)) return [];
    const crdr = L.mnemonic === 'mov' && L.ops.some((o) => o.kind === 'sreg' && /^(cr|dr)\d+$/.test(o.name));
    if (!crdr && !PRIVILEGED_MNEMONICS.has(L.mnemonic) && !L.privileged) return [];
    return [
      {
        index: L.index,
        message: `${crdr ? 'mov to/from a control or debug register' : L.mnemonic} is privileged: in a .user section it raises #GP at CPL 3`,
        related: [],
      },
    ];
  },
};
