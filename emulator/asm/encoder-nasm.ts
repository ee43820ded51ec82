// NASM 2.16.01's choices that a plain reading of iced-x86's opcode table does not give, as data:
// mnemonic spellings, forms NASM lacks or adds, its size-keyword rules and its encoding quirks.
// Every entry was found or confirmed by the differential corpus (test/asm/differential.test.ts).

import { Code, CpuidFeature } from 'iced-x86';
import type { SizeKeyword } from './types';

export const SIZE_BYTES: Record<SizeKeyword, number> = { byte: 1, word: 2, dword: 4, qword: 8, tword: 10, oword: 16, yword: 32, zword: 64 };
export const OPSIZE_KEYWORD: Record<number, SizeKeyword> = { 16: 'word', 32: 'dword', 64: 'qword' };

/** 64-bit forms whose sign-extended imm32 NASM also accepts written as `dword` (`push dword 1`, `mov rax, dword 1`). */
export const DWORD_OK_64 = new Set<Code>([Code.Pushq_imm32, Code.Pushq_imm8, Code.Mov_rm64_imm32, Code.Imul_r64_rm64_imm32]);

/** An unsized memory operand NASM accepts although several sizes exist: the size it picks. */
export const DEFAULT_MEM_SIZE: Record<string, number> = {
  call: 8, jmp: 8, cvtsi2sd: 4, cvtsi2ss: 4, vcvtsi2sd: 4, vcvtsi2ss: 4,
  vcvttpd2dq: 16, vcvtpd2ps: 16, vcvtpd2dq: 16,
  fldenv: 28, fnstenv: 28, fstenv: 28, frstor: 108, fnsave: 108, fsave: 108,
};

/**
 * r64 forms NASM encodes without REX.W (the operation only moves 16 bits; SDM vol. 2B MOV Sreg,
 * SLDT, STR, SMSW): encoded as the r32 form with the 32-bit register.
 */
export const NO_REXW: Partial<Record<Code, Code>> = {
  [Code.Mov_r64m16_Sreg]: Code.Mov_r32m16_Sreg,
  [Code.Mov_Sreg_r64m16]: Code.Mov_Sreg_r32m16,
  [Code.Sldt_r64m16]: Code.Sldt_r32m16,
  // `rdpid eax` (iced: not a 64-bit form) is the same bytes as `rdpid rax`; register number only.
  [Code.Rdpid_r32]: Code.Rdpid_r64,
  // 16-bit register operands NASM encodes without 66 (the register is zero-extended or only its low 16 bits used).
  [Code.Mov_Sreg_rm16]: Code.Mov_Sreg_r32m16,
  [Code.Lldt_rm16]: Code.Lldt_r32m16,
  [Code.Ltr_rm16]: Code.Ltr_r32m16,
  [Code.Verr_rm16]: Code.Verr_r32m16,
  [Code.Verw_rm16]: Code.Verw_r32m16,
  [Code.Lmsw_rm16]: Code.Lmsw_r32m16,
  // A 64-bit destination of an extract/mask move: NASM uses the W0 (r32) form.
  [Code.Pextrb_r64m8_xmm_imm8]: Code.Pextrb_r32m8_xmm_imm8,
  [Code.VEX_Vpextrb_r64m8_xmm_imm8]: Code.VEX_Vpextrb_r32m8_xmm_imm8,
  [Code.VEX_Vpextrw_r64m16_xmm_imm8]: Code.VEX_Vpextrw_r32_xmm_imm8,
  [Code.VEX_Vpextrw_r64_xmm_imm8]: Code.VEX_Vpextrw_r32_xmm_imm8,
  [Code.VEX_Vmovmskps_r64_xmm]: Code.VEX_Vmovmskps_r32_xmm,
  [Code.VEX_Vmovmskpd_r64_xmm]: Code.VEX_Vmovmskpd_r32_xmm,
  [Code.VEX_Vmovmskps_r64_ymm]: Code.VEX_Vmovmskps_r32_ymm,
  [Code.VEX_Vmovmskpd_r64_ymm]: Code.VEX_Vmovmskpd_r32_ymm,
  [Code.VEX_Vpmovmskb_r64_xmm]: Code.VEX_Vpmovmskb_r32_xmm,
  [Code.VEX_Vpmovmskb_r64_ymm]: Code.VEX_Vpmovmskb_r32_ymm,
  // NASM 2.16 emits `vextractps r64, xmm, imm8` as the EVEX W0 form.
  [Code.VEX_Vextractps_r64m32_xmm_imm8]: Code.EVEX_Vextractps_rm32_xmm_imm8,
  // The EVEX forms for xmm16+ follow the same pattern (and PEXTRW uses the 0F3A 15 encoding there).
  [Code.EVEX_Vextractps_r64m32_xmm_imm8]: Code.EVEX_Vextractps_rm32_xmm_imm8,
  [Code.EVEX_Vpextrb_r64m8_xmm_imm8]: Code.EVEX_Vpextrb_r32m8_xmm_imm8,
  [Code.EVEX_Vpextrw_r32_xmm_imm8]: Code.EVEX_Vpextrw_r32m16_xmm_imm8,
  [Code.EVEX_Vpextrw_r64_xmm_imm8]: Code.EVEX_Vpextrw_r32m16_xmm_imm8,
};

/** Forms NASM 2.16 encodes with REX.W although the operand size is not 64 (INVPCID, ENQCMD r64). */
export const FORCE_REXW = new Set<Code>([Code.Invpcid_r64_m128, Code.Enqcmd_r64_m512, Code.Enqcmds_r64_m512]);

/** Forms NASM 2.16 encodes without their mandatory F3 (its PTWRITE template lacks it). */
export const DROP_F3 = new Set<Code>([Code.Ptwrite_rm32, Code.Ptwrite_rm64]);

/**
 * Forms whose NASM template has an unsized memory operand or immediate: any size keyword there
 * is "mismatch in operand sizes" (found by the differential corpus against nasm 2.16.01).
 */
export const MEM_NO_SIZE = codeSet(
  'Sgdt_m1664 Sidt_m1664 Lgdt_m1664 Lidt_m1664 Prefetch_m8 Prefetchw_m8 Cldemote_m8 Punpcklbw_mm_mmm32 Punpcklwd_mm_mmm32 ' +
  'Punpckldq_mm_mmm32 Pshufw_mm_mmm64_imm8 Pshufd_xmm_xmmm128_imm8 Pshufhw_xmm_xmmm128_imm8 Pshuflw_xmm_xmmm128_imm8 Clwb_m8 ' +
  'Clflush_m8 Clflushopt_m8 Lss_r16_m1616 Lss_r32_m1632 Lss_r64_m1664 Lfs_r16_m1616 Lfs_r32_m1632 Lfs_r64_m1664 Lgs_r16_m1616 ' +
  'Lgs_r32_m1632 Lgs_r64_m1664 Vmptrld_m64 Vmclear_m64 Vmxon_m64 Vmptrst_m64 Pmuludq_mm_mmm64 Psubq_mm_mmm64 Palignr_xmm_xmmm128_imm8 ' +
  'Cmpsd_xmm_xmmm64_imm8 VEX_Vcmpss_xmm_xmm_xmmm32_imm8',
);
export const MEM_NO_SIZE_MNEMONICS = new Set(['prefetch', 'prefetchw', 'bndmov', 'bndcl', 'bndcu', 'bndcn', 'bndmk']);
export const IMM_NO_SIZE = codeSet(
  'Enterq_imm16_imm8 Enterw_imm16_imm8 Pshufw_mm_mmm64_imm8 Pshufd_xmm_xmmm128_imm8 Pshufhw_xmm_xmmm128_imm8 Pshuflw_xmm_xmmm128_imm8 Psrlw_mm_imm8 ' +
  'Psraw_mm_imm8 Psllw_mm_imm8 Psrld_mm_imm8 Psrad_mm_imm8 Pslld_mm_imm8 Psrlq_mm_imm8 Psllq_mm_imm8 Extrq_xmm_imm8_imm8 ' +
  'Insertq_xmm_xmm_imm8_imm8 Shld_rm16_r16_imm8 Shld_rm32_r32_imm8 Shld_rm64_r64_imm8 Shrd_rm16_r16_imm8 Shrd_rm32_r32_imm8 ' +
  'Shrd_rm64_r64_imm8 Pinsrw_mm_r32m16_imm8 Pinsrw_xmm_r32m16_imm8 Pinsrw_xmm_r64m16_imm8 Pextrw_r32_mm_imm8 Pextrw_r64_mm_imm8 ' +
  'Palignr_mm_mmm64_imm8 Palignr_xmm_xmmm128_imm8 Pextrw_r32_xmm_imm8 Pextrw_r64_xmm_imm8',
);

function codeSet(names: string): Set<Code> {
  const C = Code as unknown as Record<string, number>;
  return new Set(names.split(' ').map((n) => C[n]).filter((c): c is number => c !== undefined) as Code[]);
}

/**
 * Instructions whose implicit registers NASM also accepts written out (`monitor rax, ecx, edx`):
 * the registers select the address size; the encoding has no operands.
 */
export const IMPLICIT_REG_FORMS: Record<string, { regs: string[]; addr: number }[]> = {
  monitor: [{ regs: ['rax', 'ecx', 'edx'], addr: 64 }],
  monitorx: [{ regs: ['rax', 'ecx', 'edx'], addr: 64 }],
  mwait: [{ regs: ['eax', 'ecx'], addr: 0 }],
  invlpga: [{ regs: ['rax', 'ecx'], addr: 64 }, { regs: ['eax', 'ecx'], addr: 32 }],
  clzero: [{ regs: ['rax'], addr: 64 }, { regs: ['eax'], addr: 32 }],
};

/** A bare x87 arithmetic mnemonic is NASM's popping form on st1 (`fadd` = `faddp st1, st0`). */
export const X87_BARE_POP: Record<string, string> = { fadd: 'faddp', fmul: 'fmulp', fsub: 'fsubp', fsubr: 'fsubrp', fdiv: 'fdivp', fdivr: 'fdivrp' };

export const SEG_PREFIX: Record<string, number> = { es: 0x26, cs: 0x2e, ss: 0x36, ds: 0x3e, fs: 0x64, gs: 0x65 };

/**
 * NASM mnemonic -> iced mnemonics (lowercase) whose codes it may encode. Where NASM has one
 * mnemonic for several iced ones (the size is chosen by operands or o16/o32/o64), or calls it
 * differently.
 */
export const ALIASES: Record<string, string[]> = {
  // Condition-code synonyms (SDM vol. 2, Jcc/CMOVcc/SETcc tables).
  ...ccAliases(),
  sal: ['shl'], // iced's Sal_* codes are the /6 alias; NASM encodes sal as shl (/4).
  xlat: ['xlatb'],
  iret: ['iretw', 'iretd', 'iretq'],
  pushf: ['pushfw', 'pushfq'],
  popf: ['popfw', 'popfq'],
  retn: ['ret'],
  retq: ['ret'],
  retnq: ['ret'],
  icebp: ['int1'],
  int01: ['int1'],
  movsx: ['movsx', 'movsxd'],
  fsetpm: ['fnsetpm'], // NASM's FSETPM is DB E4 (no FWAIT)
  sysret: ['sysret', 'sysretq'],
  sysexit: ['sysexit', 'sysexitq'],
  // The iced names that NASM spells differently are renamed in RENAMES below.
};

/** iced mnemonic (lowercase) -> NASM's name for it. */
export const RENAMES: Record<string, string> = {
  iret: 'iretw',
  pushf: 'pushfw',
  popf: 'popfw',
};

/**
 * Mnemonics with both VEX and EVEX forms for which NASM 2.16 emits EVEX unless `{vex}` is given
 * (AVX512-VNNI/IFMA/BF16 came first); only their EVEX codes are candidates.
 */
export const EVEX_FIRST = new Set(['vpdpbusd', 'vpdpbusds', 'vpdpwssd', 'vpdpwssds', 'vpmadd52luq', 'vpmadd52huq']);

/** VEX-only mnemonics NASM 2.16 only encodes with an explicit `{vex}` prefix. */
export const NEEDS_VEX_PREFIX = new Set([
  'vpdpbuud', 'vpdpbuuds', 'vpdpbsud', 'vpdpbsuds', 'vpdpbssd', 'vpdpbssds', 'vcvtneoph2ps', 'vcvtneobf162ps',
  'vcvtneeph2ps', 'vcvtneebf162ps', 'vbcstnesh2ps',
  // NASM 2.16.01 encodes this one with a stray EVEX.vvvv; not reproduced, rejected instead.
  'vcvtneps2bf16',
]);

/**
 * Codes iced allows in 64-bit mode that NASM refuses there ("instruction not supported in
 * 64-bit mode"): 16-bit near indirect branches.
 */
export const NASM_NOT_64 = new Set<Code>([Code.Call_rm16, Code.Jmp_rm16]);

/** Indirect far branches: only with `far` (`call far [rax]`), where NASM's size keyword is the offset's size. */
export const FAR_BRANCH: ReadonlyMap<Code, number> = new Map([
  [Code.Call_m1616, 2], [Code.Call_m1632, 4], [Code.Call_m1664, 8], [Code.Jmp_m1616, 2], [Code.Jmp_m1632, 4], [Code.Jmp_m1664, 8],
]);

/**
 * EVEX extensions left out: NASM 2.16.01 mis-encodes or lacks much of AVX512-FP16 (wrong opcodes
 * and disp8 scaling), BF16 and the Xeon Phi 4FMAPS/4VNNIW forms (found by the differential corpus).
 */
export const EVEX_UNSUPPORTED = new Set<CpuidFeature>([CpuidFeature.AVX512_FP16, CpuidFeature.AVX512_BF16, CpuidFeature.AVX512_4FMAPS, CpuidFeature.AVX512_4VNNIW]);

/** Forms NASM has no template for (`movzx r16, r/m16`, `movsxd r32, r/m32`): not candidates. */
export const NASM_LACKS = new Set<Code>([
  Code.Movzx_r16_rm16, Code.Movsx_r16_rm16, Code.Movsxd_r16_rm16, Code.Movsxd_r32_rm32,
  // System-segment instructions take r16/m16 only in NASM (their r32/r64 encodings are reached via r16).
  Code.Lldt_r32m16, Code.Lldt_r64m16, Code.Ltr_r32m16, Code.Ltr_r64m16, Code.Verr_r32m16, Code.Verr_r64m16,
  Code.Verw_r32m16, Code.Verw_r64m16, Code.Lmsw_r32m16, Code.Lmsw_r64m16,
  Code.Tpause_r64, Code.Umwait_r64, Code.Bswap_r16, Code.Pinsrw_mm_r64m16_imm8, Code.VEX_Vpinsrw_xmm_xmm_r64m16_imm8,
  Code.EVEX_Vpinsrw_xmm_xmm_r64m16_imm8, Code.EVEX_Vpinsrb_xmm_xmm_r64m8_imm8,
  Code.Pextrw_r64_mm_imm8, Code.Pmovmskb_r64_mm, Code.Pmovmskb_r64_xmm, Code.Pinsrb_xmm_r64m8_imm8, Code.VEX_Vpinsrb_xmm_xmm_r64m8_imm8,
]);

/** iced mnemonics NASM 2.16.01 does not know (checked by assembling each name alone). */
export const NOT_IN_NASM = new Set(
  ('aesdec128kl aesdec256kl aesdecwide128kl aesdecwide256kl aesenc128kl aesenc256kl aesencwide128kl ' +
    'aesencwide256kl aor ccs_encrypt ccs_hash clevict0 clevict1 delay encodekey128 encodekey256 erets eretu ' +
    'fnsetpm fstpnce getsecq invlpgb jknzd jkzd kandnr kconcath kconcatl kextract kmerge2l1h kmerge2l1l lkgs ' +
    'loadiwkey mcommit pbndkb pcmpestri64 pcmpestrm64 psmash rdpru rdudbg reservednop rmpquery rmpupdate ' +
    'seamcall seamops seamret spflt sysexitq sysretq tcmmimfp16ps tcmmrlfp16ps tdcall tdpfp16ps tlbsync tzcnti ' +
    'undoc vbcstnebf162ps vpcmpestri64 vpcmpestrm64 vpdpwsud vpdpwsuds vpdpwusd vpdpwusds vpdpwuud vpdpwuuds ' +
    'vpermil2pd vpermil2ps vprefetch0 vprefetch1 vprefetch2 vprefetche0 vprefetche1 vprefetche2 vprefetchenta ' +
    'vprefetchnta vsha512msg1 vsha512msg2 vsha512rnds2 vsm3msg1 vsm3msg2 vsm3rnds2 vsm4key4 vsm4rnds4 wrudbg ' +
    'xsha512 xsha512_alt xstore_alt pmulhrw vmgexit').split(' '),
);

function ccAliases(): Record<string, string[]> {
  // Synonym -> iced's canonical condition name.
  const cc: Record<string, string> = {
    z: 'e', nz: 'ne', c: 'b', nae: 'b', nc: 'ae', nb: 'ae', na: 'be', nbe: 'a', pe: 'p', po: 'np',
    nge: 'l', nl: 'ge', ng: 'le', nle: 'g',
  };
  const out: Record<string, string[]> = {};
  for (const [syn, canon] of Object.entries(cc)) {
    out['j' + syn] = ['j' + canon];
    out['cmov' + syn] = ['cmov' + canon];
    out['set' + syn] = ['set' + canon];
  }
  return out;
}
