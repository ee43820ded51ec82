// privileged-in-user-code: a CPL-0 or IOPL-sensitive instruction in a `.user*` section: it raises
// #GP when user code runs it (SDM Vol 3A 2.8 / 5.9).

import type { Rule } from './rule';

export const rule: Rule = {
  id: 'privileged-in-user-code',
  on: ['privileged'],
  check(L, _facts, ctx) {
    const e = L.effects.find((x) => x.kind === 'privileged');
    if (!e || e.kind !== 'privileged' || !ctx.p.userSection(ctx.p.records[L.index]!.section)) return [];
    return [
      {
        index: L.index,
        message: `${e.what} is privileged: in a .user section it raises #GP at CPL 3`,
        related: [],
      },
    ];
  },
};
