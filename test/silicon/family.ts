// Declares one vitest case per snippet: N random states, native vs emulator, all mismatches listed.

import { afterAll, expect, it } from 'vitest';
import { cleanup, compare, describeMismatch, genStates, GenOptions, siliconAvailable } from './silicon';

export const available = siliconAvailable();
afterAll(cleanup);

let seed = 0x5eed;

/** Register a silicon comparison for every snippet (fixed seeds, `n` cases each). */
export function family(snippets: string[], n: number, opts: GenOptions & { extraMask?: bigint; ignoreRegs?: number[] } = {}): void {
  for (const snippet of snippets) {
    const mySeed = seed++;
    it.skipIf(!available)(snippet.replace(/\n/g, '; '), () => {
      const states = genStates(n, mySeed, opts);
      const bad = compare(snippet, states, opts.extraMask ?? 0n, opts.ignoreRegs ?? []);
      expect(bad.slice(0, 3).map((m) => describeMismatch(snippet, m)).join('\n')).toBe('');
    });
  }
}

/** Register operand names per size for a register number (0..15 except rsp/r15). */
export const R = {
  1: ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'],
  2: ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'],
  4: ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'],
  8: ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'],
} as Record<number, string[]>;
export const PTR = { 1: 'byte', 2: 'word', 4: 'dword', 8: 'qword' } as Record<number, string>;
export const SIZES = [1, 2, 4, 8];
