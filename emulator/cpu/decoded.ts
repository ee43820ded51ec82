// The decoded-instruction record: a plain object of one shape copied once from iced-x86's Instruction.

import type { Core } from './core';

/** An instruction handler. Throws GuestFault for architectural exceptions. */
export type Handler = (c: Core, d: Decoded) => void;

/** Operand kinds in `Decoded.k0..k3`. */
export const enum K {
  None = 0,
  /** General-purpose register; `r` = 0..15, or 16..19 for AH/CH/DH/BH. */
  Gpr = 1,
  /** Memory operand described by mb/mi/ms/md/mseg/asz; size in `s`. */
  Mem = 2,
  /** Immediate: low 32 bits in `imm` (unsigned), high 32 in `immHi` (int32), already extended to the operand size by iced. */
  Imm = 3,
  /** Near branch target in `target`. */
  Branch = 4,
  /** XMM register, `r` = 0..15. */
  Xmm = 5,
  /** Segment register, `r` = 0..5 (ES CS SS DS FS GS). */
  Seg = 6,
  /** Any other register (CRn, DRn, ...): `r` is the iced `Register` value. */
  Other = 7,
  /** Implicit string memory operand ([rsi]/[rdi] forms); see `Decoded.mseg`, `asz`. */
  StrMem = 8,
}

/** Memory base `mb` special values. */
export const MB_NONE = -1;
/** RIP-relative: `md` already holds the absolute target address. */
export const MB_RIP = -2;

export interface Decoded {
  /** Linear address (canonical signed Number) of the instruction. */
  ip: number;
  len: number;
  /** ip + len: the address of the next instruction. */
  next: number;
  /** iced-x86 `Code` and `Mnemonic` values. */
  code: number;
  mnemonic: number;
  /** Handler chosen from the dispatch table at decode time. */
  fn: Handler;
  /** Number of operands (iced opCount). */
  nops: number;
  /** Kind, register and size (bytes) of operands 0..2 (see K). */
  k0: number; r0: number; s0: number;
  k1: number; r1: number; s1: number;
  k2: number; r2: number; s2: number;
  /** Memory operand: base (0..15, MB_NONE, MB_RIP), index (0..15 or -1), scale, displacement (signed Number). */
  mb: number; mi: number; ms: number; md: number;
  /** Segment whose base is added: 4 (FS), 5 (GS), or -1 (base 0 in 64-bit mode). */
  mseg: number;
  /** Address size in bytes (8, or 4 with a 0x67 prefix). */
  asz: number;
  /** First immediate (see K.Imm) and a second 8-bit immediate (enter). */
  imm: number; immHi: number; imm2: number;
  /** Near branch target (canonical signed Number). */
  target: number;
  /** 0 none, 1 rep/repe, 2 repne. */
  rep: number;
  lock: boolean;
  /** iced ConditionCode (0 none, 1 o, 2 no, 3 b, 4 ae, 5 e, 6 ne, 7 be, 8 a, 9 s, 10 ns, 11 p, 12 np, 13 l, 14 ge, 15 le, 16 g). */
  cc: number;
  /** Raw iced registers of operands 0..2 (for system instructions: CRn, segment, ...). */
  x0: number; x1: number; x2: number;
  /** Status flags read / modified (iced RflagsBits: OF=1 SF=2 ZF=4 AF=8 CF=16 PF=32), for dead-flag analysis. */
  fr: number; fw: number;
  /** iced FlowControl (0 = falls through). */
  flow: number;
  /** Times the run loop reached this instruction at a block start (hotness for the block compiler). */
  hits: number;
  /** Human-readable form, filled lazily for messages/traces (iced formatter), '' until then. */
  text: string;
}
