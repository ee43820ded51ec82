// Block-local constant propagation, in address order, over the blocks that need it: finds the values
// of ECX/EAX/EDX at each wrmsr/rdmsr, the register moved to CR4, register targets of indirect
// branches and the value a popf loads. Registers are forgotten at every branch target.

import { EFFECT_BIT, type Gpr, type LInsn } from './lower';

/** What is known about a register: its exact value, or only some bits known to be set. */
export interface KnownValue {
  value?: bigint;
  /** Bits certainly 1 (meaningful when `value` is undefined too). */
  ones: bigint;
  /** Bits certainly 0. */
  zeros?: bigint;
}

export interface MsrWrite {
  index: number; // instruction index
  ecx?: number;
  /** EDX:EAX when both are known. */
  value?: bigint;
  /** EAX alone (the low half) when known. */
  low?: bigint;
  /** Bits of EDX:EAX certainly set. */
  ones: bigint;
}

export interface ConstFacts {
  msrWrites: MsrWrite[];
  /** rdmsr instruction index -> ECX. */
  msrReads: Map<number, number | undefined>;
  /** CR writes: instruction index -> known value of the source register. */
  crWrites: { index: number; cr: number; known: KnownValue }[];
  /** popf instruction index -> value popped, when a constant was pushed just before. */
  popfValues: Map<number, bigint>;
  /** Indirect call/jump through a register holding a constant address. */
  indirectTargets: Map<number, number>;
}

const M64 = (1n << 64n) - 1n;
const M32 = (1n << 32n) - 1n;

/** Instructions whose operand values are recorded (everything else only moves values along). */
function observed(L: LInsn): boolean {
  if (L.invalid) return false;
  const m = L.mnemonic;
  return (
    m === 'wrmsr' || m === 'rdmsr' || m === 'popf' || m === 'popfq' || (L.kinds & EFFECT_BIT['cr-write']) !== 0 ||
    ((L.flow === 'icall' || L.flow === 'ijump') && L.ops[0]?.kind === 'reg')
  );
}

const fallsThrough = (f: LInsn['flow']): boolean => f === 'next' || f === 'call' || f === 'icall' || f === 'cond';

/**
 * Values are block-local, so only the blocks holding an observed instruction are simulated, from
 * their start (a branch target, or where fall-through from the previous instruction stops) up to
 * the last observed instruction in them: the same facts as a pass over every instruction.
 */
export function propagateConstants(insns: readonly LInsn[], branchTargets: ReadonlySet<number>): ConstFacts {
  const out: ConstFacts = { msrWrites: [], msrReads: new Map(), crWrites: [], popfValues: new Map(), indirectTargets: new Map() };
  let regs = new Map<Gpr, KnownValue>();
  let stackTop: bigint | undefined;
  let prevFlow: LInsn['flow'] = 'stop';
  let prevNext = -1;
  const get = (r: Gpr): KnownValue | undefined => regs.get(r);
  /** Whether the values known before instruction k are forgotten (a block starts at k). */
  const startsBlock = (k: number): boolean => {
    const L = insns[k]!;
    if (k === 0 || branchTargets.has(L.address)) return true;
    const P = insns[k - 1]!;
    return P.next !== L.address || !fallsThrough(P.flow);
  };
  let pos = 0; // next instruction to simulate; the state holds the values before it
  for (let j = 0; j < insns.length; j++) {
    if (!observed(insns[j]!)) continue;
    // Continue from `pos` when no block starts in between; otherwise restart at j's block.
    let k = j;
    while (k > pos && !startsBlock(k)) k--;
    if (k > pos) {
      regs = new Map();
      stackTop = undefined;
      prevFlow = 'stop';
      prevNext = -1;
    }
    for (; k <= j; k++) step(insns[k]!);
    pos = j + 1;
  }
  return out;

  function step(L: LInsn): void {
    if (branchTargets.has(L.address) || prevNext !== L.address || !fallsThrough(prevFlow)) {
      regs = new Map();
      stackTop = undefined;
    }
    prevFlow = L.flow;
    prevNext = L.next;
    if (L.invalid) return;
    // Observations before the instruction executes.
    if (L.mnemonic === 'wrmsr') {
      const c = get('rcx')?.value;
      const a = get('rax');
      const d = get('rdx');
      const lowV = a?.value !== undefined ? a.value & M32 : undefined;
      const highV = d?.value !== undefined ? d.value & M32 : undefined;
      out.msrWrites.push({
        index: L.index,
        ecx: c !== undefined ? Number(c & M32) : undefined,
        value: lowV !== undefined && highV !== undefined ? (highV << 32n) | lowV : undefined,
        low: lowV,
        ones: ((a?.ones ?? 0n) & M32) | (((d?.ones ?? 0n) & M32) << 32n),
      });
    }
    if (L.mnemonic === 'rdmsr') {
      const c = get('rcx')?.value;
      out.msrReads.set(L.index, c !== undefined ? Number(c & M32) : undefined);
    }
    for (const e of L.effects) {
      if (e.kind === 'cr-write') out.crWrites.push({ index: L.index, cr: e.cr, known: (e.reg && get(e.reg)) || { ones: 0n } });
    }
    if ((L.mnemonic === 'popfq' || L.mnemonic === 'popf') && stackTop !== undefined) out.popfValues.set(L.index, stackTop);
    if ((L.flow === 'icall' || L.flow === 'ijump') && L.ops[0]?.kind === 'reg') {
      const v = get(L.ops[0].reg)?.value;
      if (v !== undefined) out.indirectTargets.set(L.index, Number(v));
    }
    // Stack top tracking for push-const; popf.
    const o0 = L.ops[0];
    const o1 = L.ops[1];
    if (L.mnemonic === 'push') {
      stackTop = o0?.kind === 'imm' ? o0.value : o0?.kind === 'reg' ? get(o0.reg)?.value : undefined;
    } else if (stackTop !== undefined && L.effects.some((e) => e.kind === 'stack-use' || e.kind === 'rsp-adjust' || e.kind === 'rsp-write')) {
      stackTop = undefined;
    }
    // Transfer.
    let kept: Gpr | undefined; // the destination when its new value is known
    if (o0?.kind === 'reg') {
      const dst = o0.reg;
      const size = o0.size;
      const cur = get(dst);
      let res: KnownValue | undefined;
      const src: KnownValue | undefined =
        o1?.kind === 'imm' ? { value: o1.value, ones: o1.value, zeros: ~o1.value & M64 } : o1?.kind === 'reg' ? get(o1.reg) : undefined;
      const m = L.mnemonic;
      if (m === 'mov' && src) res = src;
      else if (m === 'lea' && o1?.kind === 'mem' && o1.mem.absolute) res = { value: o1.mem.disp, ones: o1.mem.disp, zeros: ~o1.mem.disp & M64 };
      else if ((m === 'xor' || m === 'sub') && o1?.kind === 'reg' && o1.reg === dst) res = { value: 0n, ones: 0n, zeros: M64 };
      else if (cur && src?.value !== undefined) {
        const v = src.value;
        if (cur.value !== undefined) {
          const c = cur.value;
          const sh = Number(v & 63n);
          const r =
            m === 'or' ? c | v : m === 'and' ? c & v : m === 'xor' ? c ^ v : m === 'add' ? c + v : m === 'sub' ? c - v
            : m === 'shr' ? (size === 4 ? (c & M32) >> BigInt(sh) : c >> BigInt(sh)) : m === 'shl' ? c << BigInt(sh)
            : m === 'bts' ? c | (1n << BigInt(sh)) : m === 'btr' ? c & ~(1n << BigInt(sh)) : undefined;
          if (r !== undefined) res = { value: r & M64, ones: r & M64, zeros: ~r & M64 };
        } else if (m === 'or') res = { ones: cur.ones | v, zeros: (cur.zeros ?? 0n) & ~v };
        else if (m === 'and') res = { ones: cur.ones & v, zeros: (cur.zeros ?? 0n) | (~v & M64) };
        else if (m === 'bts') res = { ones: cur.ones | (1n << (v & 63n)), zeros: (cur.zeros ?? 0n) & ~(1n << (v & 63n)) };
        else if (m === 'btr') res = { ones: cur.ones & ~(1n << (v & 63n)), zeros: (cur.zeros ?? 0n) | (1n << (v & 63n)) };
      } else if (!cur && src?.value !== undefined && (m === 'or' || m === 'bts' || m === 'and' || m === 'btr')) {
        const bit = 1n << (src.value & 63n);
        res =
          m === 'or' ? { ones: src.value } : m === 'bts' ? { ones: bit } : m === 'and' ? { ones: 0n, zeros: ~src.value & M64 } : { ones: 0n, zeros: bit };
      }
      if (res && (size === 8 || size === 4)) {
        // A 32-bit destination zero-extends into the full register (SDM Vol 1 3.4.1.1).
        const v = res.value !== undefined ? (size === 4 ? res.value & M32 : res.value & M64) : undefined;
        const zeros = (res.zeros ?? 0n) | (size === 4 ? ~M32 & M64 : 0n);
        regs.set(dst, { value: v, ones: size === 4 ? res.ones & M32 : res.ones & M64, zeros });
        kept = dst;
      }
    }
    if (regs.size) for (const r of L.regsWritten) if (r !== kept) regs.delete(r);
    if (L.flow === 'call' || L.flow === 'icall') {
      // Caller-saved registers are clobbered by the callee (System V ABI).
      for (const r of ['rax', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11']) regs.delete(r);
    }
  }
}
