// Silicon comparison: movzx/movsx/movsxd, cmovcc, setcc, xchg, lea, cbw..cqo, lahf/sahf, xadd, cmpxchg*.

import { describe } from 'vitest';
import { family, PTR, R } from './family';

const N = 40;
const CCS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

describe('moves vs silicon', () => {
  describe('movzx/movsx/movsxd', () => family([
    'movzx eax, bl', 'movzx eax, bh', 'movzx cx, dl', 'movzx r9d, word [r15+5]', 'movzx rdx, word [r15+7]',
    'movsx eax, bl', 'movsx eax, bh', 'movsx cx, dl', 'movsx r9d, word [r15+5]', 'movsx rdx, byte [r15+7]',
    'movsxd rax, ebx', 'movsxd r10, dword [r15+9]', 'mov eax, ebx', 'mov ax, bx', 'mov al, [r15+1]', 'mov [r15+2], rbx',
    'mov rax, 0x123456789abcdef0', 'mov qword [r15+16], -7', 'mov ah, dl',
  ], N));
  describe('cmovcc', () => family(CCS.flatMap((cc) => [`cmov${cc} eax, ebx`, `cmov${cc} rcx, [r15+8]`, `cmov${cc} dx, si`]), N));
  describe('setcc', () => family(CCS.flatMap((cc) => [`set${cc} al`, `set${cc} byte [r15+3]`]), N));
  describe('xchg/lea', () => family([
    'xchg eax, ebx', 'xchg rax, rcx', 'xchg ax, dx', 'xchg bl, bh', 'xchg [r15+8], esi', 'xchg r8, [r15+24]',
    'lea rax, [rbx+rcx*4+0x123]', 'lea eax, [rbx+rcx*8-5]', 'lea ax, [rsi+rdi]', 'lea rdx, [rdx*2]', 'lea r9, [r10+r11*1-0x80000000]',
    'lea eax, [ebx+ecx*2+7]',
  ], N));
  describe('sign extension, lahf/sahf, flag bits', () => family([
    'cbw', 'cwde', 'cdqe', 'cwd', 'cdq', 'cqo', 'lahf', 'sahf', 'clc', 'stc', 'cmc', 'xlatb',
  ].map((s) => (s === 'xlatb' ? 'mov rbx, r15\nxlatb\nxor ebx, ebx' : s)), N));
  describe('xadd', () => family(['xadd al, bl', 'xadd ax, cx', 'xadd eax, edx', 'xadd rax, rsi', 'lock xadd [r15+8], ecx',
    'lock xadd qword [r15+8], rcx', 'xadd eax, eax', 'xadd byte [r15+1], dl'], N));
  describe('cmpxchg', () => {
    const forms: string[] = [];
    for (const s of [1, 2, 4, 8]) forms.push(`cmpxchg ${R[s][3]}, ${R[s][1]}`, `lock cmpxchg ${PTR[s]} [r15+16], ${R[s][2]}`);
    forms.push('cmpxchg eax, ecx');
    // Half the cases make the accumulator equal to the destination so both outcomes are covered.
    family(forms, N * 2, {
      fix: (s) => {
        if (s.r[5] & 1n) {
          s.r[0] = s.r[3];
          for (let i = 0; i < 8; i++) s.mem[16 + i] = Number((s.r[0] >> BigInt(8 * i)) & 0xffn);
        }
      },
    });
    family(['lock cmpxchg8b [r15+16]', 'lock cmpxchg16b [r15+16]', 'cmpxchg16b [r15+8]'], N * 2, {
      fix: (s) => {
        if (s.r[5] & 1n) {
          for (let i = 0; i < 8; i++) {
            s.mem[16 + i] = Number((s.r[0] >> BigInt(8 * i)) & 0xffn);
            s.mem[24 + i] = Number((s.r[2] >> BigInt(8 * i)) & 0xffn);
          }
          if (s.r[5] & 2n) { s.r[2] = BigInt.asUintN(64, s.r[0] >> 32n); for (let i = 0; i < 4; i++) s.mem[20 + i] = Number((s.r[2] >> BigInt(8 * i)) & 0xffn); }
        }
      },
    });
  });
});

describe('string instructions vs silicon', () => {
  const forms: string[] = [];
  for (const [suffix, size] of [['b', 1], ['w', 2], ['d', 4], ['q', 8]] as const) {
    void size;
    for (const op of ['movs', 'stos', 'lods', 'cmps', 'scas']) {
      forms.push(`${op}${suffix}`);
      if (op === 'cmps' || op === 'scas') forms.push(`repe ${op}${suffix}`, `repne ${op}${suffix}`);
      else forms.push(`rep ${op}${suffix}`);
    }
  }
  // rsi/rdi are offsets into the buffer, rcx small, DF random: every access stays inside the buffer.
  family(forms, N, {
    df: true,
    rel: [{ reg: 6, min: 112, max: 128 }, { reg: 7, min: 112, max: 128 }],
    fix: (s) => {
      s.r[1] = s.r[1] % 13n;
      // Make runs of equal bytes likely so repe/repne stop at varied places.
      if (s.r[5] & 1n) for (let i = 0; i < 256; i++) s.mem[i] = s.mem[i] & 3;
      if (s.r[5] & 2n) s.r[0] = BigInt(s.mem[120]) * 0x0101010101010101n;
    },
  });
});

describe('addressing forms vs silicon', () => {
  // rcx/rdx are small non-negative indices so every address stays inside the buffer.
  family([
    'add eax, [r15+rcx*4+8]', 'mov rbx, [r15+rdx*8]', 'sub [r15+rcx*2+1], ax', 'xor byte [r15+rdx+100], 0x5a',
    'imul esi, [r15+rcx*8+16], -77', 'mov [r15+rdx*4+4], ebx', 'cmp qword [r15+rcx*8], 0x12345', 'lea rax, [r15+rcx*4+8]\nsub rax, r15',
    'mov eax, [r15+rcx]\nmov ebx, [r15+rdx*2+1]\nadd eax, ebx',
  ], 40, { fix: (s) => { s.r[1] = s.r[1] % 24n; s.r[2] = s.r[2] % 24n; } });
});
