// kernel-gs-base-never-set: swapgs is used but neither IA32_KERNEL_GS_BASE nor IA32_GS_BASE is
// ever written (nor wrgsbase used): swapgs then exchanges 0 with 0 and every gs: access hits
// address 0 + offset. Files with `extern` symbols are assumed to set it elsewhere.

import type { Rule } from './rule';
import { EFFECT_BIT } from '../lower';
import { MSR_GS_BASE, MSR_KERNEL_GS_BASE } from '../policy';

export const rule: Rule = {
  id: 'kernel-gs-base-never-set',
  checkProgram(ctx) {
    const p = ctx.p;
    if (p.hasExterns) return [];
    const first = p.insns.find((L) => (L.kinds & EFFECT_BIT.swapgs) !== 0 && !p.userSection(p.records[L.index]!.section));
    if (!first) return [];
    const set = p.consts.msrWrites.some((w) => w.ecx === undefined || w.ecx === MSR_GS_BASE || w.ecx === MSR_KERNEL_GS_BASE);
    if (set) return [];
    const wrgsbase = p.insns.some((L) => (L.kinds & EFFECT_BIT.fsgsbase) !== 0 && L.effects.some((e) => e.kind === 'fsgsbase' && e.write && e.gs));
    if (wrgsbase) return [];
    return [
      {
        index: first.index,
        message: 'swapgs is used but IA32_KERNEL_GS_BASE (0xC0000102) and IA32_GS_BASE (0xC0000101) are never written: swapgs exchanges two unset bases and gs: accesses hit address 0',
        related: [],
      },
    ];
  },
};
