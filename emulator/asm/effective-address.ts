// NASM's choice of base and index for a bracketed address, from its linear form (registers
// with coefficients, in source order): nasm 2.16 parser.c parse_mref / assemble.c process_ea,
// checked against nasm output by the differential tests.

import { registerInfo } from './registers';

export interface EaRegister {
  name: string;
  coeff: bigint;
  /** Written with an explicit `*` (`rbx*1` asks for an index, not a base). */
  mul: boolean;
}

export type EaSplit = { base?: string; index?: string; scale: 1 | 2 | 4 | 8 } | { error: string };

function isGpr(n: string): boolean {
  const c = registerInfo(n)?.cls;
  return c === 'gpr' || c === 'rip';
}

/**
 * Picks base, index and scale. `[rax*2]` stays index-only (the encoder turns it into
 * `[rax+rax]` unless `nosplit`); `[rax*3]`/`*5`/`*9` become base+index*2/4/8.
 */
export function splitEffectiveAddress(all: readonly EaRegister[], nosplit: boolean): EaSplit {
  const regs = all.filter((x) => x.coeff !== 0n);
  let base: string | undefined;
  let index: string | undefined;
  let scale = 1n;
  if (regs.length > 2) return { error: 'invalid effective address: too many registers' };
  if (regs.length === 1) {
    const x = regs[0]!;
    if (x.coeff === 1n && isGpr(x.name)) base = x.name;
    else if ((x.coeff === 3n || x.coeff === 5n || x.coeff === 9n) && !nosplit && isGpr(x.name)) {
      base = x.name;
      index = x.name;
      scale = x.coeff - 1n;
    } else {
      index = x.name;
      scale = x.coeff;
    }
  } else if (regs.length === 2) {
    const a = regs[0]!;
    const b = regs[1]!;
    // Source order: the first unscaled register is the base; `reg*1` asks for an index.
    const canBase = (x: EaRegister): boolean => x.coeff === 1n && !x.mul && isGpr(x.name);
    if (canBase(a)) {
      base = a.name;
      index = b.name;
      scale = b.coeff;
    } else if (canBase(b) || (b.coeff === 1n && isGpr(b.name))) {
      base = b.name;
      index = a.name;
      scale = a.coeff;
    } else if (a.coeff === 1n && isGpr(a.name)) {
      base = a.name;
      index = b.name;
      scale = b.coeff;
    } else return { error: 'invalid effective address: two index registers' };
    // rsp cannot be an index (SDM Vol. 2A, 2.1.5 Table 2-3): swap when it is scaled by 1.
    if ((index === 'rsp' || index === 'esp') && scale === 1n && base !== index) [base, index] = [index, base];
  }
  if (index !== undefined && scale !== 1n && scale !== 2n && scale !== 4n && scale !== 8n) {
    return { error: `invalid effective address: scale factor ${scale} (must be 1, 2, 4 or 8)` };
  }
  if (index === 'rsp' || index === 'esp') return { error: 'invalid effective address: rsp cannot be an index register' };
  const out: { base?: string; index?: string; scale: 1 | 2 | 4 | 8 } = { scale: Number(scale) as 1 | 2 | 4 | 8 };
  if (base !== undefined) out.base = base;
  if (index !== undefined) out.index = index;
  return out;
}
