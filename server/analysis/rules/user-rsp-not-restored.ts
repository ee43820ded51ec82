// user-rsp-not-restored: sysret while RSP still holds the kernel stack pointer: SYSRET does not
// load RSP (SDM Vol 2B SYSRET), so user code would run on the kernel stack.

import type { Rule } from './rule';
import { entryRelated } from './path';

export const rule: Rule = {
  id: 'user-rsp-not-restored',
  on: ['return-to-user'],
  check(L, facts, ctx) {
    if (!L.effects.some((e) => e.kind === 'return-to-user' && e.insn === 'sysret')) return [];
    const f = facts.find((x) => x.stack === 'kernel');
    if (!f) return [];
    return [
      {
        index: L.index,
        message: `sysret with RSP still holding the kernel stack pointer (${f.kstackSite >= 0 ? `loaded at line ${ctx.p.lineOf(f.kstackSite)}` : 'the interrupt stack'}): restore the user RSP${f.saved && f.saved !== 'reg-lost' ? ` from ${f.saved.replace(/^abs:/, '')}` : ''} first`,
        related: [
          ...(f.kstackSite >= 0 ? [{ range: ctx.p.site(f.kstackSite), message: 'kernel stack loaded here' }] : []),
          ...(f.savedSite >= 0 ? [{ range: ctx.p.site(f.savedSite), message: 'user RSP saved here' }] : []),
          entryRelated(ctx, f),
        ],
      },
    ];
  },
};
