// gs-user-base-on-kernel-return: iretq back to interrupted kernel code with the user GS base
// active: the interrupted kernel code continues with the user's gs.base.

import type { Rule } from './rule';
import { entryName, gsRelated, gsSource } from './path';

export const rule: Rule = {
  id: 'gs-user-base-on-kernel-return',
  on: ['return-to-user'],
  check(L, facts, ctx) {
    if (!L.effects.some((e) => e.kind === 'return-to-user' && e.insn === 'iret')) return [];
    const f = facts.find((x) => x.origin === 'kernel' && x.gs === 'user');
    if (!f) return [];
    return [
      {
        index: L.index,
        message: `iretq returns to the interrupted kernel code with the user GS base active (${gsSource(ctx, f)}; path from \`${entryName(ctx, f)}\` that interrupted kernel mode)`,
        related: gsRelated(ctx, f),
      },
    ];
  },
};
