// Behaviour of the instruction encoder as a NASM user sees it: the forms NASM picks, its error
// messages, forward references and truncation warnings. Every expected byte string below is
// nasm 2.16.01's output for the line shown (the last test re-checks them against nasm when present).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeInstruction } from '../../emulator/asm/encoder';
import type { EncodeRequest, EncOperand } from '../../emulator/asm/encoder-types';
import { here, imm, item, mem, reg, toRequest, type CorpusItem, type GenOperand } from './corpus/generate';
import { assembleLines, nasmAvailable } from './corpus/nasm-oracle';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const ADDR = 0x1000;

interface Vector { it: CorpusItem; bytes: string }
const v = (mn: string, ops: GenOperand[], bytes: string, prefixes: string[] = [], rel = false): Vector => ({ it: item(mn, ops, prefixes, rel), bytes });

/** Grouped by the NASM rule they show. */
const VECTORS: Record<string, Vector[]> = {
  'mov r64, imm: zero-extending mov r32 when it fits, sign-extended imm32, else imm64': [
    v('mov', [reg('rax'), imm(1n)], 'b801000000'),
    v('mov', [reg('rax'), imm(0xffffffffn)], 'b8ffffffff'),
    v('mov', [reg('rax'), imm(-1n)], '48c7c0ffffffff'),
    v('mov', [reg('r9'), imm(0x100000000n)], '49b90000000001000000'),
    v('mov', [reg('rax'), imm(1n, { size: 'qword' })], 'b801000000'),
    v('mov', [reg('rax'), imm(1n, { size: 'qword', strict: true })], '48b80100000000000000'),
    v('mov', [reg('rax'), imm(1n, { size: 'dword', strict: true })], '48c7c001000000'),
    v('mov', [reg('rax'), imm(0x10n, { hasSymbol: true })], '48b81000000000000000'),
  ],
  'sign-extended imm8 forms when the value fits, accumulator forms otherwise': [
    v('add', [reg('eax'), imm(1n)], '83c001'),
    v('add', [reg('eax'), imm(0x100n)], '0500010000'),
    v('add', [reg('al'), imm(1n)], '0401'),
    v('add', [reg('ax'), imm(0n)], '6683c000'),
    v('add', [reg('eax'), imm(0xffffffffn)], '83c0ff'),
    v('add', [reg('eax'), imm(1n, { size: 'dword', strict: true })], '0501000000'),
    v('add', [reg('eax'), imm(0x10n, { hasSymbol: true })], '0510000000'),
    v('push', [imm(1n)], '6a01'),
    v('push', [imm(0x80n)], '6880000000'),
    v('push', [imm(1n, { size: 'word' })], '666a01'),
    v('imul', [reg('eax'), imm(10n)], '6bc00a'),
  ],
  'moffs only for a 64-bit absolute address, ModRM+SIB disp32 otherwise': [
    v('mov', [reg('eax'), mem({ disp: 0x1000n, dispSize: 'qword' })], 'a10010000000000000'),
    v('mov', [reg('eax'), mem({ disp: 0x1000n })], '8b042500100000'),
    v('mov', [reg('eax'), mem({ disp: 0x1040n, sym: true, dispSize: 'qword' })], '8b053a000000', [], true),
    v('mov', [reg('eax'), mem({ disp: 0x1000n, dispSize: 'qword' })], '8b042500100000', [], true),
    v('mov', [reg('eax'), mem({ disp: 0x1040n, sym: true, dispSize: 'qword', segment: 'fs' })], '64a14010000000000000', [], true),
  ],
  'short jumps when the target is in reach, rel32 otherwise; call is always rel32': [
    v('jmp', [here(2)], 'eb00'),
    v('jmp', [here(0x81)], 'eb7f'),
    v('jmp', [here(-0x7f)], 'e97cffffff'),
    v('jz', [here(0x82)], '0f847c000000'),
    v('jmp', [here(2, 'near')], 'e9fdffffff'),
    v('call', [here(0)], 'e8fbffffff'),
    v('loop', [here(0)], 'e2fe'),
    v('jecxz', [here(0)], '67e3fd'),
  ],
  'RIP-relative for labels under default rel, but not with an fs:/gs: override': [
    v('mov', [reg('eax'), mem({ disp: 0x1040n, sym: true })], '8b053a000000', [], true),
    v('mov', [reg('eax'), mem({ disp: 0x1040n, sym: true })], '8b042540100000'),
    v('mov', [reg('eax'), mem({ disp: 0x1040n, sym: true, segment: 'gs' })], '658b042540100000', [], true),
    v('mov', [reg('eax'), mem({ disp: 0x1040n, sym: true, segment: 'gs', addressing: 'rel' })], '658b0539000000', [], true),
    v('mov', [reg('eax'), mem({ disp: 0x10n })], '8b042510000000', [], true),
  ],
  'addressing forms': [
    v('mov', [reg('eax'), mem({ base: 'rbp' })], '8b4500'),
    v('mov', [reg('eax'), mem({ base: 'r12' })], '418b0424'),
    v('mov', [reg('eax'), mem({ index: 'rax', scale: 2 })], '8b0400'),
    v('mov', [reg('eax'), mem({ index: 'rax', scale: 2, nosplit: true })], '8b044500000000'),
    v('mov', [reg('eax'), mem({ base: 'rax', index: 'rsp' })], '8b0404'),
    v('mov', [reg('eax'), mem({ base: 'rax', disp: 0x7fn })], '8b407f'),
    v('mov', [reg('eax'), mem({ base: 'rax', disp: 0x80n })], '8b8080000000'),
    v('mov', [reg('eax'), mem({ base: 'rax', disp: 0n, dispSize: 'dword' })], '8b8000000000'),
    v('mov', [reg('eax'), mem({ base: 'rbx', disp: 0x10n, sym: true })], '8b8310000000'),
    v('mov', [reg('eax'), mem({ base: 'eax', index: 'ebx' })], '678b0418'),
  ],
  'prefixes in NASM order': [
    v('add', [mem({ base: 'ebx', disp: 0x10n, segment: 'gs' }), reg('eax')], 'f06567014310', ['lock']),
    v('movsb', [], 'f365a4', ['rep', 'gs']),
    v('movsw', [], 'f366a5', ['rep']),
    v('movdqu', [reg('xmm0'), mem({ base: 'eax', segment: 'gs' })], '6567f30f6f00'),
    v('sysret', [], '0f07'),
    v('sysret', [], '480f07', ['o64']),
    v('ret', [], '48c3', ['o64']),
  ],
  'NASM spellings and operand orders': [
    v('xchg', [reg('eax'), reg('eax')], '87c0'),
    v('xchg', [reg('rax'), reg('rax')], '4890'),
    v('xchg', [reg('ebx'), reg('ecx')], '87d9'),
    v('test', [reg('ebx'), mem({ base: 'rax' })], '8518'),
    v('mov', [reg('ebx'), reg('ecx')], '89cb'),
    v('movdqa', [reg('xmm1'), reg('xmm2')], '660f6fca'),
    v('shl', [reg('eax'), imm(1n)], 'd1e0'),
    v('sal', [reg('eax'), imm(2n)], 'c1e002'),
    v('int3', [], 'cc'),
    v('int', [imm(3n)], 'cd03'),
    v('iretq', [], '48cf'),
    v('iret', [], 'cf'),
    v('swapgs', [], '0f01f8'),
    v('wrmsr', [], '0f30'),
    v('mov', [reg('cr3'), reg('rax')], '0f22d8'),
    v('mov', [reg('gs'), reg('eax')], '8ee8'),
    v('mov', [reg('rax'), reg('gs')], '8ce8'),
    v('push', [reg('gs')], '0fa8'),
    v('lgdt', [mem({ base: 'rax' })], '0f0110'),
    v('movq', [reg('rax'), reg('xmm0')], '66480f7ec0'),
    v('movsx', [reg('rax'), mem({ base: 'rax' }, 'dword')], '486300'),
    v('cvtsi2sd', [reg('xmm0'), mem({ base: 'rax' })], 'f20f2a00'),
    v('jnae', [here(0)], '72fe'),
    v('monitor', [reg('rax'), reg('ecx'), reg('edx')], '0f01c8'),
    v('call', [mem({ base: 'rax', far: true })], '48ff18'),
    v('jmp', [mem({ base: 'rbx', disp: 8n, far: true }, 'dword')], 'ff6b08'),
    v('fadd', [reg('st1')], 'd8c1'),
    v('fxch', [], 'd9c9'),
  ],
};

const ALL = Object.values(VECTORS).flat();

describe('encoder: the form NASM picks', () => {
  for (const [rule, vectors] of Object.entries(VECTORS)) {
    it(rule, () => {
      for (const { it: line, bytes } of vectors) {
        const r = encodeInstruction(toRequest(line, ADDR));
        expect(r.ok ? hex(r.bytes) : r.message, line.text).toBe(bytes);
      }
    });
  }
});

function req(mnemonic: string, operands: EncOperand[], prefixes: string[] = []): EncodeRequest {
  return { mnemonic, prefixes, operands, address: ADDR, defaultRel: false };
}
const R = (r: string): EncOperand => ({ kind: 'reg', reg: r });
const I = (value: bigint, extra: Partial<Extract<EncOperand, { kind: 'imm' }>> = {}): EncOperand => ({ kind: 'imm', value, strict: false, known: true, ...extra });
const M = (m: Partial<Extract<EncOperand, { kind: 'mem' }>>): EncOperand => ({ kind: 'mem', scale: 1, disp: 0n, hasDisp: false, dispKnown: true, hasSymbol: false, ...m });

describe('encoder: errors in NASM words', () => {
  const cases: [string, EncodeRequest, string][] = [
    ['high byte register with REX', req('mov', [R('ah'), R('r8b')]), 'cannot use high byte register in rex instruction'],
    ['no size for mem, imm', req('add', [M({ base: 'rax' }), I(1n)]), 'operation size not specified'],
    ['register sizes disagree', req('mov', [R('eax'), R('bx')]), 'invalid combination of opcode and operands'],
    ['explicit size disagrees', req('add', [R('al'), I(1n, { size: 'word' })]), 'mismatch in operand sizes'],
    ['legacy-only instruction', req('aaa', []), 'instruction not supported in 64-bit mode'],
    ['push cs', req('push', [R('cs')]), 'instruction not supported in 64-bit mode'],
    ['loop out of reach', req('loop', [I(0x2000n)]), 'short jump is out of range'],
    ['jmp short out of reach', req('jmp', [I(0x2000n, { jump: 'short' })]), 'short jump is out of range'],
    ['unknown mnemonic', req('frobnicate', []), 'parser: instruction expected'],
    ['a mnemonic named like an Object member', req('constructor', []), 'parser: instruction expected'],
    ['__proto__ as mnemonic', req('__proto__', [R('eax')]), 'parser: instruction expected'],
    ['unknown prefix', req('nop', [], ['toString']), "unknown prefix `toString'"],
    ['rsp as index', req('mov', [R('eax'), M({ base: 'rax', index: 'rsp', scale: 2 })]), 'invalid 64-bit effective address'],
    ['mixed address sizes', req('mov', [R('eax'), M({ base: 'eax', index: 'rbx' })]), 'impossible combination of address sizes'],
    ['two segment overrides', req('mov', [R('eax'), M({ base: 'rax', segment: 'gs' })], ['fs']), 'instruction has conflicting segment overrides'],
    ['bnd on a non-branch', req('add', [R('eax'), R('ebx')], ['bnd']), 'bnd prefix is not allowed'],
  ];
  for (const [what, r, message] of cases) {
    it(what, () => {
      const res = encodeInstruction(r);
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.message).toBe(message);
    });
  }

  it('reports the operand an address error is about', () => {
    const res = encodeInstruction(req('mov', [R('eax'), M({ base: 'rax', index: 'rsp', scale: 4 })]));
    expect(res.ok === false && res.operand).toBe(1);
  });
});

describe('encoder: forward references (known = false) take the smallest form', () => {
  it('a jump to a not-yet-defined label is short, whatever the guess', () => {
    const r = encodeInstruction(req('jmp', [I(0x999999n, { known: false, hasSymbol: true })]));
    expect(r.ok && r.bytes.length).toBe(2);
  });
  it('an immediate that is not yet known uses the imm8 form, and grows once known', () => {
    const early = encodeInstruction(req('add', [R('eax'), I(0n, { known: false })]));
    const late = encodeInstruction(req('add', [R('eax'), I(0x1000n)]));
    expect(early.ok && early.bytes.length).toBe(3);
    expect(late.ok && late.bytes.length).toBe(5);
  });
  it('mov r64 of an unknown number is the 5-byte form, of a label the 10-byte one', () => {
    const num = encodeInstruction(req('mov', [R('rax'), I(0n, { known: false })]));
    const lab = encodeInstruction(req('mov', [R('rax'), I(0n, { known: false, hasSymbol: true })]));
    expect(num.ok && num.bytes.length).toBe(5);
    expect(lab.ok && lab.bytes.length).toBe(10);
  });
  it('a label displacement is 32-bit even while unknown', () => {
    const r = encodeInstruction(req('mov', [R('eax'), M({ base: 'rbx', disp: 0n, hasDisp: true, dispKnown: false, hasSymbol: true })]));
    expect(r.ok && hex(r.bytes)).toBe('8b8300000000');
  });
  it('a loop to an unknown target is not an error yet', () => {
    expect(encodeInstruction(req('loop', [I(0x999999n, { known: false })])).ok).toBe(true);
  });
});

describe('encoder: truncation is a warning, like NASM', () => {
  it('an immediate too wide for its field is truncated with a warning', () => {
    const r = encodeInstruction(req('mov', [R('al'), I(0x1ffn)]));
    expect(r.ok && hex(r.bytes)).toBe('b0ff');
    expect(r.ok && r.warning).toBe('byte data exceeds bounds');
    const s = encodeInstruction(req('add', [R('rax'), I(0xffffffffn)]));
    expect(s.ok && hex(s.bytes)).toBe('4883c0ff');
    expect(s.ok && s.warning).toBe('signed dword value exceeds bounds');
  });
  it('a value that fits its field gives no warning', () => {
    const r = encodeInstruction(req('mov', [R('al'), I(-0x80n)]));
    expect(r.ok && r.warning).toBeUndefined();
  });
  it('a displacement that does not fit 32 bits warns', () => {
    const r = encodeInstruction(req('mov', [R('eax'), M({ disp: 0x100000000n, hasDisp: true })]));
    expect(r.ok).toBe(true);
    expect(r.ok && r.warning).toMatch(/exceeds bounds/);
  });
});

describe('encoder: bad input never throws', () => {
  const regs = ['rax', 'eax', 'ax', 'al', 'ah', 'r8b', 'xmm0', 'cr3', 'gs', 'st0', 'k1', 'bogus', ''];
  const operand = fc.oneof(
    fc.constantFrom(...regs).map((r): EncOperand => ({ kind: 'reg', reg: r })),
    fc.record({ value: fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }), known: fc.boolean(), strict: fc.boolean(), size: fc.constantFrom(undefined, 'byte', 'word', 'dword', 'qword', 'tword') })
      .map((x): EncOperand => ({ kind: 'imm', value: x.value, known: x.known, strict: x.strict, ...(x.size ? { size: x.size } : {}) })),
    fc.record({ base: fc.constantFrom(undefined, ...regs), index: fc.constantFrom(undefined, ...regs), scale: fc.constantFrom(1, 2, 4, 8), disp: fc.bigInt({ min: -(1n << 66n), max: 1n << 66n }) })
      .map((x): EncOperand => ({ kind: 'mem', base: x.base, index: x.index, scale: x.scale as 1 | 2 | 4 | 8, disp: x.disp, hasDisp: true, dispKnown: true, hasSymbol: false })),
  );
  it('returns a result for random operands on common mnemonics', () => {
    fc.assert(
      fc.property(fc.constantFrom('mov', 'add', 'lea', 'jmp', 'push', 'xchg', 'movdqu', 'shl', 'imul', 'in', 'enter', 'nosuch'), fc.array(operand, { maxLength: 4 }), fc.array(fc.constantFrom('lock', 'rep', 'o16', 'a32', 'gs', 'bnd', 'junk'), { maxLength: 2 }), (mn, ops, pfx) => {
        const r = encodeInstruction({ mnemonic: mn, prefixes: pfx, operands: ops, address: 0x1000, defaultRel: true });
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) expect(r.message).not.toMatch(/internal encoder error/);
      }),
      { numRuns: 400, seed: 7 },
    );
  });
});

describe.skipIf(!nasmAvailable())('encoder: the vectors above are nasm\'s bytes', () => {
  it('nasm -f bin emits exactly the expected bytes for every vector', () => {
    // Each vector in its own file at ADDR (org 0, so `$$` is 0 as in the corpus text).
    for (const vec of ALL) {
      const n = assembleLines(['bits 64', 'org 0', vec.it.defaultRel ? 'default rel' : 'default abs', `times ${ADDR} nop`, vec.it.text])[4];
      expect(n.rejected ? 'rejected' : n.hex, vec.it.text).toBe(vec.bytes);
    }
  });
});
