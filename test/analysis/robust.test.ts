// Bad input never breaks the analysis: random entry-code programs built from the instructions the
// analysis cares about, and raw random bytes as instructions, always give a result (no throw, no
// hang) whose findings point at lines of the program.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { AssembledProgram, InstructionRecord } from '../../emulator/asm/types';
import { analyze } from '../../server/analysis/index';
import { assembleForLint } from './helpers';

const LINES = [
  'swapgs',
  'lfence',
  'push rax',
  'pop rax',
  'push 0x202',
  'popfq',
  'sti',
  'cli',
  'test byte [rsp+8], 3',
  'test byte [rsp+16], 3',
  'cmp qword [rsp+8], 0x33',
  'mov rax, [rsp+8]',
  'and eax, 3',
  'mov [gs:8], rsp',
  'mov rsp, [gs:16]',
  'mov rsp, [gs:8]',
  'mov rax, [gs:0]',
  'mov [saved], rsp',
  'mov rsp, [saved]',
  'xor ebx, ebx',
  'mov ebx, 1',
  'test ebx, ebx',
  'mov ecx, 0xC0000101',
  'mov ecx, 0xC0000082',
  'lea rax, [l0]',
  'xor edx, edx',
  'rdmsr',
  'wrmsr',
  'test edx, edx',
  'js l1',
  'jz l2',
  'jnz l3',
  'jmp l4',
  'call l5',
  'call [table + rax*8]',
  'jmp rax',
  'ret',
  'iretq',
  'o64 sysret',
  'sysret',
  'ud2',
  'hlt',
  'add rsp, 8',
  'sub rsp, 16',
  'and rsp, -16',
  'mov gs, ax',
  'wrgsbase rax',
];

function program(picks: number[], labelsAt: number[]): string {
  const body = picks.map((k, i) => {
    const labels = labelsAt.flatMap((pos, n) => (pos === i ? [`l${n}:`] : []));
    return `${labels.join('\n')}\n    ${LINES[k % LINES.length]}`;
  });
  const missing = [0, 1, 2, 3, 4, 5].filter((n) => !labelsAt.includes(n) || labelsAt.indexOf(n) >= picks.length);
  return `bits 64
default rel
section .text align=4096
; swapgs-lab: syscall-entry
entry_a:
${body.join('\n')}
${missing.map((n) => `l${n}:`).join('\n')}
    iretq
; swapgs-lab: interrupt-entry
entry_b:
${body.slice().reverse().join('\n').replace(/l(\d):/g, 'm$1:')}
    iretq
section .data align=8
table: dq entry_a, entry_b, l0
saved: dq 0
`;
}

describe('the analysis on random input', () => {
  test('random entry code: a result with findings on real lines, every time', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(LINES.length - 1), { minLength: 1, maxLength: 40 }), fc.array(fc.nat(39), { minLength: 6, maxLength: 6 }), (picks, labelsAt) => {
        const src = program(picks, labelsAt);
        const prog = assembleForLint(src);
        const r = analyze(prog);
        const lines = src.split('\n').length;
        for (const d of r.diagnostics) {
          expect(d.range.line).toBeGreaterThanOrEqual(0);
          expect(d.range.line).toBeLessThan(lines);
          expect(d.code).not.toBe('analysis-failed');
        }
        for (const ins of prog.instructions) r.stateAt(ins.address, 'after');
      }),
      { numRuns: 60 },
    );
  });

  test('random bytes as instructions: no throw, no failure finding', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 15 }), { minLength: 1, maxLength: 60 }), (chunks) => {
        let address = 0x100000;
        const site = { file: 'x.asm', line: 0, start: 0, end: 1 };
        const instructions: InstructionRecord[] = chunks.map((bytes, i) => {
          const r: InstructionRecord = { address, bytes, mnemonic: 'db', prefixes: [], operands: [], site: { ...site, line: i }, stack: [], section: i % 2 ? '.text' : '.user.text', symbolRefs: [] };
          address += bytes.length;
          return r;
        });
        const prog: AssembledProgram = {
          image: new Uint8Array(0),
          org: 0x100000,
          sections: [],
          symbols: new Map([['e', { name: 'e', value: 0x100000n, kind: 'label', global: true, range: site }]]),
          lines: [],
          instructions,
          diagnostics: [],
          comments: [],
        };
        const r = analyze(prog, { extraEntries: [{ name: 'e', kind: 'interrupt' }] });
        expect(r.diagnostics.every((d) => d.code !== 'analysis-failed')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
