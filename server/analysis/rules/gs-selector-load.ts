// gs-selector-load: `mov gs, r`, `pop gs`, `lgs` in 64-bit code reload the GS selector, which loads
// gs.base from the descriptor (zero upper half) and wipes the per-CPU base (SDM Vol 3A 3.4.4.1).

import type { Rule } from './rule';

export const rule: Rule = {
  id: 'gs-selector-load',
  on: ['gs-selector-load'],
  check(L) {
    if (!L.effects.some((e) => e.kind === 'gs-selector-load')) return [];
    return [
      {
        index: L.index,
        message: `${L.mnemonic} loads the GS selector: in 64-bit mode this replaces gs.base with the descriptor's base and loses the per-CPU base; use wrmsr IA32_GS_BASE / wrgsbase instead`,
        related: [],
      },
    ];
  },
};
