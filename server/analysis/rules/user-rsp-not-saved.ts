// user-rsp-not-saved: RSP overwritten in a syscall entry before the user RSP was stored: sysret
// cannot give the user its stack back.

import type { Rule } from './rule';
import { entryRelated } from './path';

export const rule: Rule = {
  id: 'user-rsp-not-saved',
  on: ['rsp-write'],
  check(L, facts, ctx) {
    if (!L.effects.some((e) => e.kind === 'rsp-write')) return [];
    if (L.effects.some((e) => e.kind === 'rsp-save')) return []; // xchg saves and loads at once
    const f = facts.find((x) => x.stack === 'user' && !x.saved && ctx.entries[x.entry]?.kind === 'syscall');
    if (!f) return [];
    return [
      {
        index: L.index,
        message: `RSP is overwritten in syscall entry \`${ctx.entries[f.entry]!.label}\` before the user RSP was saved: store it first (e.g. \`mov [gs:user_rsp], rsp\`)`,
        related: [entryRelated(ctx, f)],
      },
    ];
  },
};
