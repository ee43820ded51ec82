// Silicon comparison: conditional branches after flag-setting instructions (also the fused
// compare-and-branch path of compiled blocks), loop/loopcc/jrcxz, and stack round trips.

import { describe } from 'vitest';
import { family } from './family';

const CCS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const N = 40;

describe('conditional branches vs silicon', () => {
  for (const setup of ['cmp eax, ebx', 'cmp rax, rbx', 'sub ecx, edx', 'test rax, rbx', 'and esi, edi', 'add rax, rdx', 'dec ecx', 'inc r9', 'cmp al, bl', 'cmp eax, 7']) {
    // Half the cases make the compared registers equal so every boundary is reached.
    family(CCS.map((cc) => `${setup}\nj${cc} .t\nmov r8d, 1\n.t:`), N, {
      fix: (s) => { if (s.r[5] & 1n) { s.r[3] = s.r[0]; s.r[2] = s.r[1]; } },
    });
  }
});

describe('loops and stack vs silicon', () => {
  family([
    'and ecx, 15\ninc ecx\n.l: add eax, ebx\nrol rbx, 5\nloop .l',
    'and ecx, 15\ninc ecx\n.l: inc eax\ncmp eax, ebx\nloope .l',
    'and ecx, 15\ninc ecx\n.l: inc eax\ncmp al, bl\nloopne .l',
    'jrcxz .t\nmov r8d, 1\n.t:',
    'jecxz .t\nmov r8d, 1\n.t:',
    'push rax\npush rbx\npop rcx\npop rdx',
    'push -5\npop rsi',
    'push word 0x1234\npop ax',
    'mov r9, rsp\npush rbx\nmov rdi, [rsp]\npop r10\nsub r9, rsp',
  ], N, { fix: (s) => { if (s.r[5] & 1n) s.r[1] = 0n; } });
});
