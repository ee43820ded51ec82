// sysret-rcx-unchecked: sysret with an RCX never compared or tested on the way: on Intel CPUs a
// non-canonical RCX makes SYSRET raise #GP in ring 0 with the user's RSP and GS (CVE-2012-0217).

import type { Rule } from './rule';
import { entryRelated } from './path';

export const rule: Rule = {
  id: 'sysret-rcx-unchecked',
  on: ['return-to-user'],
  check(L, facts, ctx) {
    if (!L.effects.some((e) => e.kind === 'return-to-user' && e.insn === 'sysret')) return [];
    const f = facts.find((x) => !x.rcxChecked);
    if (!f) return [];
    return [
      {
        index: L.index,
        message: 'sysret with RCX (the return RIP) not checked canonical on this path: a non-canonical RCX makes Intel CPUs fault in ring 0 with the user RSP (CVE-2012-0217); check it or return with iretq',
        related: [entryRelated(ctx, f)],
      },
    ];
  },
};
