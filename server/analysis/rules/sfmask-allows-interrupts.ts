// sfmask-allows-interrupts: a syscall entry is installed (wrmsr IA32_LSTAR) but IA32_FMASK is
// never written with IF (bit 9) set: SYSCALL then enters the kernel with interrupts enabled and
// an interrupt can arrive before the swapgs and the stack switch (SDM Vol 2B SYSCALL).

import type { Rule } from './rule';
import { MSR_CSTAR, MSR_FMASK, MSR_LSTAR, RFLAGS_IF } from '../policy';

export const rule: Rule = {
  id: 'sfmask-allows-interrupts',
  checkProgram(ctx) {
    const writes = ctx.p.consts.msrWrites;
    const lstar = writes.find((w) => w.ecx === MSR_LSTAR || w.ecx === MSR_CSTAR);
    if (!lstar) return [];
    // Any wrmsr to an unknown MSR or FMASK with a possibly-IF value counts as masking IF.
    const masks = writes.some((w) => w.ecx === undefined || (w.ecx === MSR_FMASK && (w.value === undefined ? (w.low === undefined || (w.low & RFLAGS_IF) !== 0n || (w.ones & RFLAGS_IF) !== 0n) : (w.value & RFLAGS_IF) !== 0n)));
    if (masks) return [];
    const fm = writes.find((w) => w.ecx === MSR_FMASK);
    return [
      {
        index: lstar.index,
        message: fm
          ? `IA32_FMASK is written without IF (bit 9, 0x200) at line ${ctx.p.lineOf(fm.index)}: the syscall entry installed here runs with interrupts enabled until it switches GS and stack`
          : 'a syscall entry is installed here but IA32_FMASK (0xC0000084) is never written with IF (bit 9, 0x200) set: SYSCALL enters with interrupts enabled',
        related: fm ? [{ range: ctx.p.site(fm.index), message: 'IA32_FMASK written without IF' }] : [],
      },
    ];
  },
};
