// Deterministic corpus for the NASM differential test: for every instruction form iced-x86
// encodes in 64-bit mode (legacy, VEX, 3DNow!), lines crossing its operand kinds with registers,
// immediates at width boundaries and addressing modes, plus hand-picked NASM corner cases.
// Each item carries the NASM text and the structured request built from the same data.

import { Code, CodeExt, CpuidFeature, EncodingKind, Instruction, MemorySize, MemorySizeExt, Mnemonic, OpCodeOperandKind as K } from 'iced-x86';
import type { EncodeRequest, EncOperand } from '../../../emulator/asm/encoder-types';
import type { SizeKeyword } from '../../../emulator/asm/types';

/** An operand of the corpus (constructors below are shared with test/asm/encoder.test.ts); `here` immediates are relative to the line's address (`$+n`). */
export type GenOperand = (EncOperand & { kind: 'reg' | 'mem' }) | (Extract<EncOperand, { kind: 'imm' }> & { here?: boolean });

export interface CorpusItem {
  text: string;
  mnemonic: string;
  prefixes: string[];
  operands: GenOperand[];
  defaultRel: boolean;
}

const SIZE_NAME: Record<number, SizeKeyword> = { 1: 'byte', 2: 'word', 4: 'dword', 8: 'qword', 10: 'tword', 16: 'oword', 32: 'yword', 64: 'zword' };

export const reg = (r: string): GenOperand => ({ kind: 'reg', reg: r });
export const imm = (value: bigint, extra: Partial<Extract<EncOperand, { kind: 'imm' }>> = {}): GenOperand => ({ kind: 'imm', value, strict: false, known: true, ...extra });
export const here = (n: number, jump?: 'short' | 'near'): GenOperand => ({ kind: 'imm', value: BigInt(n), strict: false, known: true, here: true, hasSymbol: true, jump });

export interface MemSpec { base?: string; index?: string; scale?: 1 | 2 | 4 | 8; disp?: bigint; sym?: boolean; segment?: string; addressing?: 'rel' | 'abs'; dispSize?: SizeKeyword; nosplit?: boolean; far?: boolean }
export const mem = (m: MemSpec, size?: SizeKeyword): GenOperand => ({
  kind: 'mem', size, segment: m.segment, base: m.base, index: m.index, scale: m.scale ?? 1, disp: m.disp ?? 0n,
  hasDisp: m.disp !== undefined, dispKnown: true, dispSize: m.dispSize, nosplit: m.nosplit, addressing: m.addressing, hasSymbol: !!m.sym,
  ...(m.far ? { far: true } : {}),
});

const REGS: Record<string, string[]> = {
  r8: ['cl', 'al', 'ah', 'spl', 'r8b', 'r15b', 'dil', 'bh'],
  r16: ['dx', 'ax', 'sp', 'r9w', 'r15w'],
  r32: ['edx', 'eax', 'esp', 'ebp', 'r10d', 'r15d'],
  r64: ['rdx', 'rax', 'rsp', 'rbp', 'r11', 'r13'],
  seg: ['ds', 'es', 'cs', 'ss', 'fs', 'gs'],
  cr: ['cr3', 'cr0', 'cr2', 'cr4', 'cr8'],
  dr: ['dr7', 'dr0', 'dr6'],
  st: ['st1', 'st0', 'st7'],
  mm: ['mm1', 'mm0', 'mm7'],
  xmm: ['xmm1', 'xmm0', 'xmm8', 'xmm15', 'xmm16', 'xmm31'],
  ymm: ['ymm2', 'ymm0', 'ymm9', 'ymm20'],
  zmm: ['zmm3', 'zmm0', 'zmm15', 'zmm16', 'zmm31'],
  k: ['k1', 'k0', 'k7'],
  bnd: ['bnd1', 'bnd0', 'bnd3'],
  tmm: ['tmm1', 'tmm0'],
};

const ADDRS: MemSpec[] = [
  { base: 'rbx' },
  { base: 'rax' }, { base: 'rbp' }, { base: 'r13' }, { base: 'rsp' }, { base: 'r12' }, { base: 'r8' },
  { base: 'rax', index: 'rbx', scale: 4 }, { base: 'r9', index: 'r10', scale: 8, disp: 0x10n },
  { base: 'rbx', disp: 0x7fn }, { base: 'rbx', disp: 0x80n }, { base: 'rbx', disp: -0x80n }, { base: 'rbx', disp: -0x81n },
  { base: 'rsi', disp: 0x7fffffffn }, { base: 'rdi', disp: 0n },
  { disp: 0x1000n }, { disp: 0x40n, sym: true, addressing: 'rel' }, { disp: 0x40n, sym: true }, { segment: 'gs', disp: 0x28n },
  { segment: 'fs', base: 'rax', disp: 8n }, { base: 'eax', index: 'ebx', scale: 2 }, { index: 'r8', scale: 2 },
  { index: 'rcx', scale: 8, disp: 0x100n }, { base: 'rdx', index: 'rsp' }, { base: 'rcx', dispSize: 'dword', disp: 1n },
  { base: 'rcx', dispSize: 'byte', disp: 0n },
];

const IMMS: bigint[] = [
  0n, 1n, 0x7fn, 0x80n, -0x80n, -0x81n, 0x7fffn, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, -1n, 0x100000000n,
  0x7fffffffffffffffn, -0x80000000n, 2n,
];

function regClass(k: K): string | undefined {
  switch (k) {
    case K.r8_reg: case K.r8_opcode: case K.r8_or_mem: return 'r8';
    case K.r16_reg: case K.r16_reg_mem: case K.r16_rm: case K.r16_opcode: case K.r16_or_mem: return 'r16';
    case K.r32_reg: case K.r32_reg_mem: case K.r32_rm: case K.r32_opcode: case K.r32_vvvv: case K.r32_or_mem: case K.r32_or_mem_mpx: return 'r32';
    case K.r64_reg: case K.r64_reg_mem: case K.r64_rm: case K.r64_opcode: case K.r64_vvvv: case K.r64_or_mem: case K.r64_or_mem_mpx: return 'r64';
    case K.seg_reg: return 'seg';
    case K.cr_reg: return 'cr';
    case K.dr_reg: return 'dr';
    case K.sti_opcode: return 'st';
    case K.mm_reg: case K.mm_rm: case K.mm_or_mem: return 'mm';
    case K.xmm_reg: case K.xmm_rm: case K.xmm_vvvv: case K.xmm_is4: case K.xmm_or_mem: return 'xmm';
    case K.ymm_reg: case K.ymm_rm: case K.ymm_vvvv: case K.ymm_is4: case K.ymm_or_mem: return 'ymm';
    case K.zmm_reg: case K.zmm_rm: case K.zmm_vvvv: case K.zmmp3_vvvv: case K.zmm_or_mem: return 'zmm';
    case K.k_reg: case K.k_rm: case K.k_vvvv: case K.k_or_mem: return 'k';
    case K.bnd_reg: case K.bnd_or_mem_mpx: return 'bnd';
    case K.tmm_reg: case K.tmm_rm: case K.tmm_vvvv: return 'tmm';
    default: return undefined;
  }
}

const FIXED: Partial<Record<K, string>> = { [K.al]: 'al', [K.cl]: 'cl', [K.ax]: 'ax', [K.dx]: 'dx', [K.eax]: 'eax', [K.rax]: 'rax', [K.st0]: 'st0', [K.es]: 'es', [K.cs]: 'cs', [K.ss]: 'ss', [K.ds]: 'ds', [K.fs]: 'fs', [K.gs]: 'gs' };
const IMPLICIT = new Set<K>([K.seg_rSI, K.es_rDI, K.seg_rDI, K.seg_rBX_al]);

/** Samples for one operand kind: the first is the default used while another operand varies. */
function samples(k: K, memSize: number): GenOperand[] {
  const fixed = FIXED[k];
  if (fixed) return [reg(fixed)];
  const out: GenOperand[] = [];
  const cls = regClass(k);
  if (cls) for (const r of REGS[cls]) out.push(reg(r));
  const isRm = k === K.r8_or_mem || k === K.r16_or_mem || k === K.r32_or_mem || k === K.r64_or_mem || k === K.mm_or_mem || k === K.xmm_or_mem || k === K.ymm_or_mem || k === K.zmm_or_mem || k === K.k_or_mem || k === K.bnd_or_mem_mpx || k === K.r32_or_mem_mpx || k === K.r64_or_mem_mpx;
  const isMem = k === K.mem || k === K.mem_mpx || k === K.mem_mib || k === K.sibmem;
  if (isRm || isMem) {
    const kw = SIZE_NAME[memSize];
    ADDRS.forEach((a, i) => {
      out.push(mem(a, kw));
      if (i < 3 && kw) out.push(mem(a));
    });
    if (kw !== 'tword') out.push(mem(ADDRS[0], 'tword'));
  }
  if (k === K.mem_offs) {
    out.push(mem({ disp: 0x1000n, dispSize: 'qword' }), mem({ disp: 0x1122334455667788n, dispSize: 'qword' }), mem({ disp: 0x1000n }));
  }
  if (k === K.mem_vsib32x || k === K.mem_vsib64x) out.push(mem({ base: 'rax', index: 'xmm2', scale: 4 }, SIZE_NAME[memSize]), mem({ base: 'r8', index: 'xmm9', scale: 8, disp: 0x10n }));
  if (k === K.mem_vsib32z || k === K.mem_vsib64z) out.push(mem({ base: 'rax', index: 'zmm2', scale: 4 }), mem({ base: 'r8', index: 'zmm19', scale: 8, disp: 0x100n }));
  if (k === K.mem_vsib32y || k === K.mem_vsib64y) out.push(mem({ base: 'rax', index: 'ymm2', scale: 4 }), mem({ base: 'r8', index: 'ymm9', scale: 1, disp: 0x80n }));
  switch (k) {
    case K.imm8: case K.imm8sex16: case K.imm8sex32: case K.imm8sex64: case K.imm16: case K.imm32: case K.imm32sex64: case K.imm64:
      out.push(...IMMS.map((v) => imm(v)));
      out.push(imm(1n, { size: 'byte' }), imm(1n, { size: 'word' }), imm(1n, { size: 'dword' }), imm(1n, { size: 'qword' }));
      out.push(imm(1n, { size: 'dword', strict: true }), imm(1n, { size: 'qword', strict: true }), imm(0x10n, { hasSymbol: true }));
      break;
    case K.imm8_const_1: out.push(imm(1n)); break;
    case K.br64_1: case K.br64_4: case K.xbegin_4:
      out.push(here(0x10), here(2), here(0x81), here(-0x7e), here(-0x7f), here(0x1000), here(5, 'short'), here(5, 'near'), here(0));
      break;
    default: break;
  }
  return out;
}

function operandText(o: GenOperand): string {
  if (o.kind === 'reg') return o.reg;
  if (o.kind === 'imm') {
    const kw = `${o.strict ? 'strict ' : ''}${o.size ? o.size + ' ' : ''}${o.jump ? o.jump + ' ' : ''}`;
    if ('here' in o && o.here) return `${kw}$${o.value < 0n ? '-' : '+'}0x${(o.value < 0n ? -o.value : o.value).toString(16)}`;
    if (o.hasSymbol) return `${kw}$$+0x${o.value.toString(16)}`;
    return `${kw}${o.value < 0n ? '-' : ''}0x${(o.value < 0n ? -o.value : o.value).toString(16)}`;
  }
  let inner = '';
  if (o.addressing) inner += o.addressing + ' ';
  if (o.dispSize) inner += o.dispSize + ' ';
  if (o.nosplit) inner += 'nosplit ';
  if (o.segment) inner += o.segment + ':';
  const terms: string[] = [];
  if (o.base) terms.push(o.base);
  if (o.index) terms.push(`${o.index}*${o.scale}`);
  let t = terms.join('+');
  if (o.hasSymbol) t += (t ? '+' : '') + `$$+0x${o.disp.toString(16)}`;
  else if (o.hasDisp || !t) {
    const neg = o.disp < 0n;
    const abs = neg ? -o.disp : o.disp;
    t += (t ? (neg ? '-' : '+') : neg ? '-' : '') + '0x' + abs.toString(16);
  }
  return `${o.far ? 'far ' : ''}${o.size ? o.size + ' ' : ''}[${inner}${t}]`;
}

export function item(mnemonic: string, operands: GenOperand[], prefixes: string[] = [], defaultRel = false): CorpusItem {
  const text = `${prefixes.length ? prefixes.join(' ') + ' ' : ''}${mnemonic}${operands.length ? ' ' + operands.map(operandText).join(', ') : ''}`;
  return { text, mnemonic, prefixes, operands, defaultRel };
}

/** Hand-picked NASM corner cases from the issue (#2) and from NASM's documented behaviour. */
function cornerCases(): CorpusItem[] {
  const out: CorpusItem[] = [];
  const r = reg;
  const add = (m: string, ops: GenOperand[], pfx: string[] = [], rel = false) => out.push(item(m, ops, pfx, rel));
  for (const v of IMMS) {
    add('mov', [r('rax'), imm(v)]);
    add('mov', [r('r9'), imm(v)]);
    add('push', [imm(v)]);
    add('add', [r('rax'), imm(v)]);
    add('add', [r('eax'), imm(v)]);
    add('and', [r('r10'), imm(v)]);
    add('imul', [r('rax'), r('rbx'), imm(v)]);
    add('mov', [mem({ base: 'rax' }, 'qword'), imm(v)]);
  }
  for (const kw of ['byte', 'word', 'dword', 'qword'] as const) {
    for (const strict of [false, true]) {
      add('mov', [r('rax'), imm(1n, { size: kw, strict })]);
      add('push', [imm(1n, { size: kw, strict })]);
      add('add', [r('rax'), imm(1n, { size: kw, strict })]);
      add('add', [r('eax'), imm(1n, { size: kw, strict })]);
      add('add', [mem({ base: 'rax' }), imm(1n, { size: kw, strict })]);
      add('mov', [mem({ base: 'rax' }), imm(1n, { size: kw, strict })]);
    }
  }
  add('mov', [r('rax'), imm(0x10n, { hasSymbol: true })]);
  add('push', [imm(0x10n, { hasSymbol: true })]);
  add('add', [r('eax'), imm(0x10n, { hasSymbol: true })]);
  for (const m of ['eax', 'rax', 'al', 'ax', 'ebx']) {
    add('mov', [r(m), mem({ disp: 0x1000n, dispSize: 'qword' })]);
    add('mov', [mem({ disp: 0x1000n, dispSize: 'qword' }), r(m)]);
    add('mov', [r(m), mem({ disp: 0x1000n })]);
  }
  // RIP-relative and segment rules under default rel / abs.
  for (const rel of [false, true]) {
    for (const a of [undefined, 'rel', 'abs'] as const) {
      for (const seg of [undefined, 'fs', 'gs', 'ds']) {
        add('mov', [r('eax'), mem({ disp: 0x40n, sym: true, addressing: a, segment: seg })], [], rel);
        add('mov', [r('eax'), mem({ disp: 0x40n, addressing: a, segment: seg })], [], rel);
      }
    }
    add('lea', [r('rax'), mem({ disp: 0x40n, sym: true })], [], rel);
    add('mov', [r('rax'), mem({ base: 'rbx', disp: 0x10n, sym: true })], [], rel);
    add('mov', [mem({ disp: 0x40n, sym: true }), imm(5n)], [], rel);
    add('cmp', [mem({ disp: 0x40n, sym: true }, 'byte'), imm(5n)], [], rel);
  }
  // Addressing forms.
  const eas: MemSpec[] = [
    { index: 'rax', scale: 2 }, { index: 'rax', scale: 2, nosplit: true }, { index: 'rax', scale: 1 }, { index: 'rbp', scale: 2 },
    { base: 'rax', index: 'rsp' }, { base: 'rsp', index: 'rax' }, { base: 'rbp', index: 'rax' }, { base: 'r13', index: 'rax' },
    { base: 'rax', disp: 0x100000000n }, { base: 'rax', disp: 0xffffffffn }, { base: 'rax', disp: -0x80000000n },
    { disp: 0xffffffffn }, { disp: -1n }, { base: 'rax', disp: 0x100n, dispSize: 'byte' }, { base: 'rbp', dispSize: 'dword' },
    { base: 'eax' }, { base: 'r8d', index: 'ecx', scale: 8, disp: -8n }, { base: 'ebp' }, { base: 'esp' },
    { base: 'rax', index: 'rbx' }, { base: 'rip' }, { base: 'rax', index: 'ebx' }, { index: 'rsp', scale: 2 },
  ];
  for (const e of eas) { add('mov', [r('ecx'), mem(e)]); add('lea', [r('rdx'), mem(e)]); }
  // Prefixes.
  for (const p of [['rep'], ['repe'], ['repne'], ['rep', 'gs'], ['gs'], ['a32'], ['o16'], ['a32', 'rep'], ['lock']]) {
    for (const m of ['movsb', 'movsw', 'movsd', 'movsq', 'stosb', 'stosq', 'lodsb', 'lodsq', 'cmpsb', 'scasd', 'insb', 'outsw', 'xlat', 'xlatb']) add(m, [], p);
  }
  add('add', [mem({ base: 'rax', segment: 'gs' }), r('eax')], ['lock']);
  add('add', [mem({ base: 'eax', segment: 'gs' }), r('ax')], ['lock']);
  add('xchg', [mem({ base: 'rax' }), r('ecx')], ['lock']);
  add('movdqu', [r('xmm0'), mem({ base: 'eax', segment: 'gs' })]);
  for (const p of ['o16', 'o32', 'o64']) for (const m of ['sysret', 'iret', 'pushf', 'popf', 'ret', 'retf', 'nop', 'cbw', 'leave']) add(m, [], [p]);
  for (const m of ['sysret', 'sysretq', 'iret', 'iretd', 'iretq', 'iretw', 'swapgs', 'rdmsr', 'wrmsr', 'cqo', 'cdq', 'cwd', 'cbw', 'cwde', 'cdqe', 'int3', 'int1', 'icebp', 'nop', 'pushf', 'pushfq', 'popfq', 'ret', 'retn', 'retq', 'retf', 'leave', 'hlt', 'cli', 'sti', 'syscall', 'sysenter', 'cpuid', 'rdtsc', 'rdtscp', 'lfence', 'mfence', 'sfence', 'pause', 'ud2', 'xlat', 'aaa', 'into', 'pusha', 'clts']) add(m, []);
  add('int', [imm(3n)]);
  add('enter', [imm(4n), imm(0n)]);
  add('enter', [imm(0x10000n), imm(1n)]);
  for (const [a, b] of [['eax', 'eax'], ['rax', 'rax'], ['ax', 'ax'], ['ebx', 'ecx'], ['eax', 'ebx'], ['ebx', 'eax'], ['r8', 'rax'], ['rax', 'r8'], ['r8d', 'eax'], ['al', 'bl'], ['ah', 'al'], ['ax', 'r9w']]) {
    add('xchg', [r(a), r(b)]);
    add('test', [r(a), r(b)]);
  }
  add('xchg', [r('ebx'), mem({ base: 'rax' })]);
  add('test', [r('ebx'), mem({ base: 'rax' })]);
  add('test', [mem({ base: 'rax' }), r('ebx')]);
  for (const m of ['shl', 'shr', 'sal', 'sar', 'rol', 'rcr']) {
    for (const v of [1n, 2n, 0n]) { add(m, [r('eax'), imm(v)]); add(m, [mem({ base: 'rax' }, 'qword'), imm(v)]); add(m, [r('r9b'), imm(v)]); }
    add(m, [r('eax'), imm(1n, { size: 'byte' })]);
    add(m, [r('rdx'), r('cl')]);
  }
  for (const [a, b] of [['al', 0x80n], ['eax', 0x80n], ['ax', 0x10n]] as const) { add('in', [r(a), imm(b)]); add('out', [imm(b), r(a)]); add('in', [r(a), r('dx')]); add('out', [r('dx'), r(a)]); }
  add('movsxd', [r('rax'), r('eax')]); add('movsxd', [r('rax'), mem({ base: 'rbx' })]); add('movsx', [r('rax'), r('eax')]);
  add('movsx', [r('rax'), mem({ base: 'rbx' }, 'dword')]); add('movsx', [r('eax'), mem({ base: 'rbx' })]); add('movzx', [r('eax'), mem({ base: 'rbx' }, 'byte')]);
  add('movzx', [r('rax'), r('bx')]); add('movzx', [r('r8d'), r('sil')]); add('movzx', [r('eax'), r('ah')]); add('movsx', [r('r8'), r('ah')]);
  add('imul', [r('eax')]); add('imul', [r('eax'), r('ebx')]); add('imul', [r('eax'), imm(10n)]); add('imul', [r('eax'), r('ebx'), imm(1000n)]);
  add('imul', [r('rax'), mem({ base: 'rbx' }), imm(-3n)]);
  for (const c of [0, 2, 3, 4, 8]) { add('mov', [r(`cr${c}`), r('rax')]); add('mov', [r('rbx'), r(`cr${c}`)]); add('mov', [r(`cr${c}`), r('eax')]); }
  for (const d of [0, 7]) { add('mov', [r(`dr${d}`), r('rax')]); add('mov', [r('rbx'), r(`dr${d}`)]); }
  for (const m of ['lgdt', 'lidt', 'sgdt', 'sidt', 'invlpg', 'fxsave', 'fxrstor', 'xsave', 'clflush', 'prefetchnta', 'lldt', 'ltr', 'verr']) { add(m, [mem({ base: 'rax' })]); add(m, [mem({ base: 'rax' }, 'qword')]); }
  for (const s of ['fs', 'gs', 'es', 'ds', 'cs', 'ss']) { add('push', [r(s)]); add('pop', [r(s)]); add('mov', [r(s), r('ax')]); add('mov', [r(s), r('eax')]); add('mov', [r(s), r('rax')]); add('mov', [r('ax'), r(s)]); add('mov', [r('eax'), r(s)]); add('mov', [r('rax'), r(s)]); add('mov', [mem({ base: 'rax' }), r(s)]); add('mov', [r(s), mem({ base: 'rax' })]); }
  for (const m of ['movdqu', 'movdqa', 'movaps', 'movups', 'pxor', 'por', 'paddd']) { add(m, [r('xmm0'), r('xmm9')]); add(m, [r('xmm3'), mem({ base: 'rsp', disp: 0x10n })]); add(m, [mem({ base: 'r12' }), r('xmm3')]); }
  add('movq', [r('xmm0'), r('rax')]); add('movq', [r('rax'), r('xmm0')]); add('movq', [r('xmm0'), r('xmm1')]); add('movq', [r('xmm0'), mem({ base: 'rax' })]); add('movq', [mem({ base: 'rax' }), r('xmm0')]);
  add('movd', [r('xmm0'), r('eax')]); add('movd', [r('eax'), r('xmm0')]); add('movd', [r('rax'), r('xmm0')]); add('movd', [r('xmm0'), mem({ base: 'rax' })]); add('movq', [r('mm0'), r('rax')]);
  for (const cc of ['z', 'e', 'nz', 'ne', 'c', 'b', 'nae', 'nc', 'ae', 'nb', 'a', 'nbe', 'na', 'be', 'g', 'nle', 'ge', 'nl', 'l', 'nge', 'le', 'ng', 's', 'ns', 'o', 'no', 'p', 'pe', 'np', 'po']) {
    add('j' + cc, [here(0x10)]); add('j' + cc, [here(0x100)]); add('set' + cc, [r('al')]); add('cmov' + cc, [r('eax'), r('ebx')]); add('cmov' + cc, [r('rax'), mem({ base: 'rbx' })]);
  }
  for (const m of ['jmp', 'call', 'loop', 'loope', 'loopne', 'jrcxz', 'jecxz', 'xbegin']) for (const t of [0, 2, 0x81, -0x7e, -0x7f, 0x1000, -0x1000]) add(m, [here(t)]);
  for (const m of ['jmp', 'call']) { add(m, [r('rax')]); add(m, [r('eax')]); add(m, [r('r11')]); add(m, [mem({ base: 'rax' })]); add(m, [mem({ base: 'rax' }, 'qword')]); add(m, [mem({ disp: 0x40n, sym: true })], [], true); }
  for (const m of ['bt', 'bts', 'btr', 'btc']) { add(m, [r('eax'), imm(3n)]); add(m, [mem({ base: 'rax' }, 'dword'), imm(3n)]); add(m, [mem({ base: 'rax' }), imm(3n)]); add(m, [r('rax'), r('rbx')]); add(m, [mem({ base: 'rax' }), r('ecx')]); }
  for (const m of ['push', 'pop', 'inc', 'dec', 'not', 'neg']) { add(m, [mem({ base: 'rax' })]); add(m, [mem({ base: 'rax' }, 'qword')]); add(m, [mem({ base: 'rax' }, 'word')]); add(m, [r('r12')]); add(m, [r('ax')]); }
  add('mov', [r('ah'), r('r8b')]); add('mov', [r('ah'), r('sil')]); add('mov', [r('ah'), mem({ base: 'r8' })]); add('add', [r('ah'), mem({ base: 'rax', index: 'r9' })]); add('mov', [r('ah'), r('al')]);
  add('mov', [r('eax'), r('bx')]); add('add', [r('al'), imm(1n, { size: 'word' })]); add('fld', [mem({ base: 'rax' })]); add('fld', [mem({ base: 'rax' }, 'tword')]);
  add('cvtsi2sd', [r('xmm0'), mem({ base: 'rax' })]); add('cvtsi2sd', [r('xmm0'), r('rax')]); add('cvtsi2ss', [r('xmm1'), mem({ base: 'rax' }, 'qword')]);
  add('nop', [r('eax')]); add('nop', [mem({ base: 'rax' }, 'dword')]); add('nop', [mem({ base: 'rax' })]);
  add('smsw', [r('eax')]); add('smsw', [r('rax')]); add('sldt', [r('rax')]); add('str', [r('rax')]); add('str', [mem({ base: 'rax' })]);
  add('monitor', []); add('mwait', []); add('monitor', [r('rax'), r('ecx'), r('edx')]); add('mwait', [r('eax'), r('ecx')]);
  add('monitor', [r('eax'), r('ecx'), r('edx')]); add('monitor', [r('rax'), r('rcx'), r('rdx')]); add('mwait', [r('rax'), r('rcx')]);
  add('monitorx', [r('rax'), r('ecx'), r('edx')]); add('invlpga', [r('rax'), r('ecx')]); add('invlpga', [r('eax'), r('ecx')]);
  add('clzero', [r('rax')]); add('clzero', [r('eax')]); add('vmrun', [r('rax')]); add('skinit', [r('eax')]);
  add('rdpid', [r('rax')]); add('rdpid', [r('eax')]); add('tpause', [r('eax')]); add('umonitor', [r('rax')]); add('umonitor', [r('eax')]);
  for (const p of [['lock'], ['xacquire', 'lock'], ['xrelease', 'lock'], ['xrelease'], ['rep'], ['repne'], ['bnd'], ['lock', 'gs'], ['fs']]) {
    add('add', [mem({ base: 'rax' }), r('eax')], p); add('mov', [mem({ base: 'rax' }), r('eax')], p); add('xchg', [mem({ base: 'rcx' }), r('r8')], p);
    add('cmpxchg', [mem({ base: 'rax', segment: 'gs' }), r('ecx')], p); add('ret', [], p); add('jmp', [here(0)], p); add('jmp', [here(0x1000)], p);
    add('call', [here(0x1000)], p); add('jmp', [r('rax')], p); add('inc', [mem({ base: 'rax', disp: 8n }, 'qword')], p);
  }
  for (const d of [0x10n, 0x1000n, -0x10n]) { add('movdir64b', [r('edx'), mem({ disp: d })]); add('movdir64b', [r('rdx'), mem({ disp: d })]); }
  add('movdir64b', [r('edx'), mem({ disp: 0x40n, sym: true, addressing: 'rel' })]);
  // Displacement-size keywords on absolute and RIP-relative addresses (moffs only when absolute).
  for (const rel of [false, true]) {
    for (const rg of ['eax', 'ebx', 'al', 'rax', 'ax']) {
      for (const a of [undefined, 'rel', 'abs'] as const) {
        for (const ds of ['qword', 'dword', 'byte'] as const) {
          add('mov', [r(rg), mem({ disp: 0x40n, sym: true, addressing: a, dispSize: ds })], [], rel);
          add('mov', [r(rg), mem({ disp: 0x1000n, addressing: a, dispSize: ds })], [], rel);
          add('mov', [mem({ disp: 0x40n, sym: true, addressing: a, dispSize: ds, segment: 'fs' }), r(rg)], [], rel);
          add('mov', [mem({ disp: 0x1000n, addressing: a, dispSize: ds, segment: 'gs' }), r(rg)], [], rel);
        }
      }
    }
  }
  // Relocatable (label) immediates and displacements with size keywords.
  const sym = (extra: Partial<Extract<EncOperand, { kind: 'imm' }>> = {}) => imm(0x11n, { hasSymbol: true, ...extra });
  for (const kw of [undefined, 'byte', 'word', 'dword', 'qword'] as const) {
    for (const strict of [false, true]) {
      const o = sym(kw ? { size: kw, strict } : {});
      add('push', [o]); add('add', [r('eax'), o]); add('add', [r('rax'), o]); add('add', [r('al'), o]); add('mov', [r('al'), o]); add('mov', [r('ax'), o]);
      add('mov', [r('eax'), o]); add('mov', [r('rax'), o]); add('mov', [mem({ base: 'rax' }, 'qword'), o]); add('imul', [r('eax'), r('ebx'), o]);
      add('shl', [r('eax'), o]); add('int', [o]); add('cmp', [mem({ base: 'rax' }, 'word'), o]);
    }
  }
  for (const ds of [undefined, 'byte', 'dword'] as const) for (const b of ['rbx', 'rbp', 'r13', 'rsp']) {
    add('mov', [r('eax'), mem({ base: b, disp: 0x11n, sym: true, dispSize: ds })]);
    add('lea', [r('rax'), mem({ index: b === 'rsp' ? 'rcx' : b, scale: 2, disp: 0x11n, sym: true, dispSize: ds })]);
  }
  // Indirect far branches.
  for (const m of ['jmp', 'call']) for (const sz of [undefined, 'word', 'dword', 'qword', 'tword'] as const) { add(m, [mem({ base: 'rax', far: true }, sz)]); add(m, [mem({ base: 'r12', disp: 8n, far: true }, sz)], ['o16']); }
  // x87 register shorthands.
  for (const m of ['fadd', 'fmul', 'fsub', 'fsubr', 'fdiv', 'fdivr', 'fcom', 'fcomp', 'fxch', 'fucom', 'fucomp', 'faddp', 'fmulp', 'fsubp', 'fsubrp', 'fdivp', 'fdivrp', 'fcomi', 'fcomip', 'fucomi', 'fucomip', 'fld', 'fst', 'fstp', 'ffree', 'fcmovb', 'fcmovne', 'fnstsw', 'fucompp', 'fcompp']) {
    add(m, []); add(m, [r('st0')]); add(m, [r('st1')]); add(m, [r('st5')]); add(m, [r('st0'), r('st3')]); add(m, [r('st3'), r('st0')]);
  }
  // Operand/address-size prefixes that disagree with the operands.
  for (const p of ['o16', 'o32', 'o64', 'a32', 'a64']) {
    add('mov', [r('eax'), r('ebx')], [p]); add('mov', [r('ax'), r('bx')], [p]); add('mov', [r('rax'), r('rbx')], [p]); add('add', [r('eax'), imm(1n)], [p]);
    add('push', [r('rax')], [p]); add('mov', [r('eax'), mem({ base: 'rax' })], [p]); add('mov', [r('eax'), mem({ base: 'eax' })], [p]);
    add('syscall', [], [p]); add('iretq', [], [p]); add('loop', [here(0)], [p]); add('jmp', [here(0)], [p]); add('in', [r('al'), r('dx')], [p]);
    add('movdqu', [r('xmm0'), mem({ base: 'rax' })], [p]); add('lea', [r('rax'), mem({ base: 'rbx' })], [p]); add('stosb', [], [p]);
  } add('enqcmd', [r('eax'), mem({ base: 'rbx', index: 'r9', scale: 4 })]);
  // Register crossings: every byte register against every other (REX vs ah..bh conflicts), and
  // every register of every size with a REX-needing memory operand.
  const r8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r12b', 'r13b', 'r15b'];
  for (const m of ['mov', 'add', 'xchg', 'test', 'cmp']) for (const a of r8) for (const b of r8) add(m, [r(a), r(b)]);
  const gprs: Record<string, string[]> = {
    r16: ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'],
    r32: ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'],
    r64: ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'],
  };
  for (const list of [r8, ...Object.values(gprs)]) {
    for (const a of list) {
      add('mov', [r(a), mem({ base: 'r8', index: 'rax', scale: 2 })]);
      add('mov', [mem({ base: 'rbx', index: 'r11', scale: 4, disp: 8n }), r(a)]);
      for (const m of ['push', 'pop', 'inc', 'neg', 'bswap', 'not']) add(m, [r(a)]);
      for (const m of ['movzx', 'movsx']) { add(m, [r('eax'), r(a)]); add(m, [r('r9'), r(a)]); add(m, [r('si'), r(a)]); }
      add('mov', [r(a), imm(0x7fn)]);
      add('shl', [r(a), imm(1n)]);
      add('imul', [r(a), r(a), imm(0x80n)]);
    }
  }
  // Every base against every index and scale, with the three displacement sizes.
  for (const b of [...gprs.r64, undefined]) {
    for (const x of [...gprs.r64, undefined]) {
      for (const sc of [1, 2, 4, 8] as const) {
        if (!x && sc !== 1) continue;
        for (const d of [undefined, 0x10n, 0x1234n]) add('lea', [r('rax'), mem({ base: b, index: x, scale: sc, disp: d })]);
      }
    }
  }
  for (const b of gprs.r32) for (const x of [undefined, 'ecx', 'r9d', 'esp']) add('mov', [r('r10'), mem({ base: b, index: x, disp: 0x40n })]);
  for (const seg of ['es', 'cs', 'ss', 'ds', 'fs', 'gs']) for (const a of ADDRS) { add('mov', [r('rax'), mem({ ...a, segment: seg })]); add('inc', [mem({ ...a, segment: seg }, 'dword')], ['lock']); }
  return out;
}

/** AVX512-FP16/BF16/4FMAPS/4VNNIW: NASM 2.16.01's support is partial and partly wrong; not compared. */
function skippedEvexFeature(code: Code): boolean {
  const ins = Instruction.create(code);
  const f = Array.from(ins.cpuidFeatures());
  ins.free();
  return f.some((x) => x === CpuidFeature.AVX512_FP16 || x === CpuidFeature.AVX512_BF16 || x === CpuidFeature.AVX512_4FMAPS || x === CpuidFeature.AVX512_4VNNIW);
}

/** The whole corpus, deterministic (same order and content on every run). */
export function generateCorpus(): CorpusItem[] {
  const out: CorpusItem[] = [];
  const seen = new Set<string>();
  const push = (it: CorpusItem) => {
    const key = `${it.defaultRel ? 'R' : 'A'}${it.text}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(it);
  };
  const names = Object.keys(Code).filter((k) => Number.isNaN(Number(k)));
  for (const name of names) {
    const code = (Code as unknown as Record<string, number>)[name] as Code;
    const info = CodeExt.opCode(code);
    try {
      // Only forms iced encodes in 64-bit mode; Knights Corner mask instructions are not x86-64 proper.
      if (!info.isInstruction || !info.mode64 || name.startsWith('VEX_KNC_')) continue;
      const enc = info.encoding;
      if (enc !== EncodingKind.Legacy && enc !== EncodingKind.VEX && enc !== EncodingKind.D3NOW && enc !== EncodingKind.EVEX) continue;
      if (enc === EncodingKind.EVEX && info.requireOpMaskRegister) continue; // needs {k} syntax
      if (enc === EncodingKind.EVEX && skippedEvexFeature(code)) continue;
      const mnemonic = (Mnemonic[info.mnemonic] ?? '').toLowerCase();
      if (!mnemonic) continue;
      const kinds: K[] = [];
      for (let i = 0; i < info.opCount; i++) kinds.push(info.opKind(i));
      const implicit = kinds.some((k) => IMPLICIT.has(k));
      const shown = kinds.filter((k) => !IMPLICIT.has(k) && !(implicit && (k === K.al || k === K.ax || k === K.eax || k === K.rax || k === K.dx)));
      const ms = info.memorySize;
      const memSize = ms === MemorySize.Unknown ? 0 : MemorySizeExt.size(ms);
      const pools = shown.map((k) => samples(k, memSize));
      if (pools.some((p) => p.length === 0)) continue;
      const prefixes = info.operandSize === 16 && shown.length === 0 ? ['o16'] : info.operandSize === 64 && shown.length === 0 && !info.defaultOpSize64 ? ['o64'] : [];
      push(item(mnemonic, pools.map((p) => p[0]), prefixes));
      for (let i = 0; i < pools.length; i++) {
        for (let s = 1; s < pools[i].length; s++) push(item(mnemonic, pools.map((p, j) => (j === i ? p[s] : p[0])), prefixes));
      }
    } finally {
      info.free();
    }
  }
  for (const c of cornerCases()) push(c);
  return out;
}

/** The encoder request for a corpus item placed at `address` (`$+n` targets become address+n). */
export function toRequest(it: CorpusItem, address: number): EncodeRequest {
  const operands: EncOperand[] = it.operands.map((o) => {
    if (o.kind === 'imm' && 'here' in o && o.here) {
      const { here: _h, ...rest } = o;
      void _h;
      return { ...rest, value: BigInt(address) + o.value };
    }
    return o;
  });
  return { mnemonic: it.mnemonic, prefixes: it.prefixes, operands, address, defaultRel: it.defaultRel };
}
