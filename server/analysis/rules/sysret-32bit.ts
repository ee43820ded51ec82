// sysret-32bit: `sysret` without REX.W (`o64 sysret`, iced Sysretd) returns to compatibility
// mode: CS from STAR[63:48], 32-bit EIP from ECX (SDM Vol 2B SYSRET).

import type { Rule } from './rule';

export const rule: Rule = {
  id: 'sysret-32bit',
  on: ['return-to-user'],
  check(L) {
    if (L.code !== 'Sysretd') return [];
    return [
      {
        index: L.index,
        message: 'sysret without o64 returns to 32-bit compatibility mode; write `o64 sysret` (sysretq) to return to 64-bit user code',
        related: [],
      },
    ];
  },
};
