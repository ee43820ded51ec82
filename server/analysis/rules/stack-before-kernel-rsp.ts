// stack-before-kernel-rsp: push/pop/call/[rsp] in a syscall entry while RSP is still the user's:
// SYSCALL does not switch stacks (SDM Vol 2B SYSCALL), so this writes to user-controlled memory.

import type { Rule } from './rule';
import { entryRelated } from './path';

export const rule: Rule = {
  id: 'stack-before-kernel-rsp',
  on: ['stack-use'],
  check(L, facts, ctx) {
    const use = L.effects.find((e) => e.kind === 'stack-use');
    if (!use) return [];
    const f = facts.find((x) => x.stack === 'user' && ctx.entries[x.entry]?.kind === 'syscall');
    if (!f) return [];
    const what = use.how === 'rsp-memory' ? 'uses [rsp]' : `is a ${use.how}`;
    return [
      {
        index: L.index,
        message: `${L.mnemonic} ${what} in syscall entry \`${ctx.entries[f.entry]!.label}\` while RSP is still the user stack pointer: load the kernel RSP (e.g. \`mov rsp, [gs:kernel_rsp]\`) first`,
        related: [entryRelated(ctx, f)],
      },
    ];
  },
};
