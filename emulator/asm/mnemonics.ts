// Which words start an instruction, as opposed to a label: NASM decides that a line's first
// word is a label exactly when it is not an instruction, prefix or directive, so the parser
// needs the set of mnemonics. Built from iced-x86's Mnemonic enum plus NASM's spellings.

import { Mnemonic } from 'iced-x86';

// Condition-code suffixes NASM accepts for Jcc/SETcc/CMOVcc (Intel SDM Vol. 2, Appendix B.1.4.7).
const CC = ['o', 'no', 'b', 'c', 'nae', 'ae', 'nb', 'nc', 'e', 'z', 'ne', 'nz', 'be', 'na', 'a', 'nbe', 's', 'ns',
  'p', 'pe', 'np', 'po', 'l', 'nge', 'ge', 'nl', 'le', 'ng', 'g', 'nle'];

// NASM names with no same-named iced mnemonic, or NASM-only aliases.
const NASM_EXTRA = ['retn', 'retfq', 'retfd', 'retfw', 'retnq', 'retnd', 'retnw', 'icebp', 'int01', 'int03', 'loopz', 'loopnz', 'loope', 'loopne',
  'fcmovb', 'fcmove', 'fcmovbe', 'fcmovu', 'fcmovnb', 'fcmovne', 'fcmovnbe', 'fcmovnu', 'sal', 'pushfq', 'popfq', 'iretq', 'iretd', 'iretw',
  'movsq', 'stosq', 'lodsq', 'scasq', 'cmpsq', 'cwde', 'cdqe', 'cqo', 'cdq', 'cwd', 'cbw', 'xlat', 'xlatb', 'ud2a', 'ud2b', 'ud1', 'ud0',
  'pushaw', 'pushad', 'popaw', 'popad', 'hint_nop0', 'nop', 'wait', 'fwait', 'sysexit', 'sysret', 'jmpe', 'smint'];

// iced spells a few mnemonics that NASM does not accept as instructions (NASM takes them as labels).
const ICED_ONLY = new Set(['invalid', 'sysretq', 'sysexitq']);

function build(): Set<string> {
  const set = new Set<string>();
  for (const key of Object.keys(Mnemonic)) {
    if (!Number.isNaN(Number(key))) continue;
    const n = key.toLowerCase();
    if (!ICED_ONLY.has(n)) set.add(n);
  }
  for (const cc of CC) {
    set.add(`j${cc}`);
    set.add(`set${cc}`);
    set.add(`cmov${cc}`);
  }
  for (const n of NASM_EXTRA) set.add(n);
  return set;
}

const MNEMONICS = build();

/** Prefixes written as words before a mnemonic (NASM manual 3.1; `a16`/`o16` kept for completeness). */
export const PREFIXES: ReadonlySet<string> = new Set(['lock', 'rep', 'repe', 'repz', 'repne', 'repnz', 'o16', 'o32', 'o64', 'a16', 'a32', 'a64',
  'xacquire', 'xrelease', 'bnd', 'nobnd', 'cs', 'ds', 'es', 'ss', 'fs', 'gs']);

/** True when `word` (any case) is an instruction mnemonic NASM knows in 64-bit mode. */
export function isMnemonic(word: string): boolean {
  return MNEMONICS.has(word.toLowerCase());
}
