// Contract between the assembler driver and the instruction encoder: one resolved
// instruction (operands already evaluated to numbers) in, the bytes `nasm -f bin` would emit out.

import type { SizeKeyword } from './types';

/** One operand after expression evaluation. Register names are lowercase NASM names. */
export type EncOperand =
  | {
      kind: 'reg';
      /** rax, r8d, spl, ah, xmm0, ymm3, cr3, dr7, gs, st0, st(1) is written st1, k1, bnd0 ... */
      reg: string;
    }
  | {
      kind: 'imm';
      value: bigint;
      /** `byte 5`, `dword x`, ... */
      size?: SizeKeyword;
      /** `strict` given: the size keyword is binding (NASM does not pick a shorter form). */
      strict: boolean;
      /** `short` / `near` / `far` before a branch target. */
      jump?: 'short' | 'near' | 'far';
      /**
       * false: the value involves a symbol not yet defined in this pass (forward reference);
       * `value` is then a guess (0 or the previous pass's value). The encoder then picks the
       * smallest form (short jump, imm8) and reports no range errors, so sizes only grow over
       * passes; the final pass must have known=true everywhere for NASM's exact bytes.
       */
      known: boolean;
      /**
       * The value is relocatable in NASM's sense: it involves a label address or `$`/`$$`
       * (`lab`, `lab+4`, `$`), not a pure number (a difference of two labels, an `equ` number).
       * NASM never shrinks such a value: no sign-extended imm8 form (`push lab` is 68 id,
       * `add eax, lab` is 05 id) and `mov r64, lab` is always the 10-byte B8+r io form.
       */
      hasSymbol?: boolean;
    }
  | {
      kind: 'mem';
      /** Operand size keyword before the brackets: `qword [x]`. */
      size?: SizeKeyword;
      /** Segment override written inside or outside the brackets: `gs:[x]`, `[gs:x]`. */
      segment?: string;
      base?: string;
      index?: string;
      scale: 1 | 2 | 4 | 8;
      /** Evaluated displacement (sum of the non-register terms). */
      disp: bigint;
      /** A displacement term was written (even `+0`): NASM then still may drop a zero disp. */
      hasDisp: boolean;
      /** false: the displacement involves a not-yet-defined symbol (forward reference). */
      dispKnown: boolean;
      /** `[byte rax+x]`, `[dword rax+x]`, `[qword x]` (64-bit absolute address). */
      dispSize?: SizeKeyword;
      nosplit?: boolean;
      /**
       * `far` before the operand of `jmp`/`call` (`call far [rax]`): an indirect far branch through a
       * m16:64 pointer (`far dword [x]`: m16:32). Optional; absent means near.
       */
      far?: boolean;
      /** Explicit `rel` / `abs` inside the brackets; undefined follows `defaultRel`. */
      addressing?: 'rel' | 'abs';
      /**
       * The displacement is relocatable (involves a label address or `$`; see the imm operand's
       * `hasSymbol`). NASM then always uses a 32-bit displacement (`[rbx+lab]` is mod=10 even when
       * lab < 128) and, under `default rel` without fs:/gs: override, RIP-relative addressing.
       * A pure number (`[0x10]`, `[equ_const]`) is never made RIP-relative.
       */
      hasSymbol: boolean;
    };

export interface EncodeRequest {
  /** Lowercase mnemonic as written (after prefixes), e.g. `mov`, `jz`, `rep` is a prefix not a mnemonic. */
  mnemonic: string;
  /** Prefixes as written, lowercase: lock rep repe repz repne repnz o16 o32 o64 a32 a64 cs ds es ss fs gs xacquire xrelease bnd. */
  prefixes: string[];
  operands: EncOperand[];
  /** Address of the instruction's first byte (for rel branches and RIP-relative displacements). */
  address: number;
  /** `default rel` is in effect. */
  defaultRel: boolean;
}

export type EncodeResult =
  | {
      ok: true;
      bytes: Uint8Array;
      /** NASM-style warning, e.g. an immediate truncated to its field ("byte data exceeds bounds"). */
      warning?: string;
    }
  | {
      ok: false;
      /** NASM-style message: "invalid combination of opcode and operands", ... */
      message: string;
      /** 0-based index of the operand the error is about, when there is one. */
      operand?: number;
    };

/** Signature of `encodeInstruction` in encoder.ts. */
export type EncodeInstruction = (req: EncodeRequest) => EncodeResult;
