// Register access by name for the debugger and tests: GPRs, RIP, RFLAGS, CPL, selectors, the
// hidden FS/GS bases, IA32_KERNEL_GS_BASE, control registers, XMM, descriptor-table registers
// and every MSR of msr.ts. Writes go through the same checks as the instructions that write them.

import type { Core } from '../cpu/core';
import { crWriteFault, readCr, readMsr, setFsBase, setGsBase, setKernelGsBase, writeCr, writeMsr } from '../cpu/system';
import { MSR, msrByName, wrmsrFault } from './msr';

/** GPR names in encoding order (RAX=0 ... R15=15). */
export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;
const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

/** Reads a register by name: GPRs, rip, rflags, cpl, segment selectors, `fs.base`, `gs.base`,
 * `kernel_gs_base`, cr0/cr2/cr3/cr4/cr8, xmm0-15, `gdtr.base/limit`, `idtr.base/limit`, `tr`,
 * `tr.base`, `ldtr`, or any MSR name (`IA32_LSTAR`, `star`...). */
export function readRegister(c: Core, name: string): bigint | undefined {
  const n = name.toLowerCase();
  const g = (GPR_NAMES as readonly string[]).indexOf(n);
  if (g >= 0) return c.getGpr(g);
  if (n === 'rip') return c.ripBig();
  if (n === 'rflags') return BigInt(c.rflags >>> 0);
  if (n === 'cpl') return BigInt(c.cpl);
  const s = (SEG_NAMES as readonly string[]).indexOf(n);
  if (s >= 0) return BigInt(c.seg[s]!.selector);
  if (n === 'fs.base') return readMsr(c, MSR.FS_BASE);
  if (n === 'gs.base') return readMsr(c, MSR.GS_BASE);
  if (n === 'kernel_gs_base' || n === 'kernelgsbase') return readMsr(c, MSR.KERNEL_GS_BASE);
  const cr = /^cr(\d+)$/.exec(n);
  if (cr) return readCr(c, Number(cr[1]));
  const xmm = /^xmm(\d+)$/.exec(n);
  if (xmm && Number(xmm[1]) < 16) {
    let v = 0n;
    for (let lane = 3; lane >= 0; lane--) v = (v << 32n) | BigInt(c.xmm[4 * Number(xmm[1]) + lane]! >>> 0);
    return v;
  }
  const table = /^(gdtr|idtr)\.(base|limit)$/.exec(n);
  if (table) {
    const t = c[table[1] as 'gdtr' | 'idtr'];
    return table[2] === 'base' ? BigInt.asUintN(64, BigInt(t.base)) : BigInt(t.limit);
  }
  if (n === 'tr') return BigInt(c.tr.selector);
  if (n === 'ldtr') return BigInt(c.ldtr.selector);
  if (n === 'tr.base') return BigInt.asUintN(64, BigInt(c.tr.base));
  const m = msrByName(n);
  if (m) return readMsr(c, m.index);
  return undefined;
}

/**
 * Writes a register by name (see readRegister) with the checks the instruction that writes it
 * would apply; returns why it was refused. The machine is told when RFLAGS changes (`onRflags`).
 */
export function writeRegister(c: Core, name: string, value: bigint, onRflags?: () => void): string | undefined {
  const n = name.toLowerCase();
  const v = BigInt.asUintN(64, value);
  const canon = (): number | undefined => {
    const s = BigInt.asIntN(64, v);
    return s >= -(1n << 47n) && s < 1n << 47n ? Number(s) : undefined;
  };
  const g = (GPR_NAMES as readonly string[]).indexOf(n);
  if (g >= 0) {
    c.setGpr(g, v);
    return undefined;
  }
  if (n === 'rip') {
    const a = canon();
    if (a === undefined) return 'rip must be canonical';
    c.rip = a;
    c.nextRip = a;
    return undefined;
  }
  if (n === 'rflags') {
    c.rflags = (Number(v & 0x3f7fd5n) | 2) >>> 0;
    onRflags?.();
    return undefined;
  }
  const base = n === 'fs.base' ? 'fs' : n === 'gs.base' ? 'gs' : n === 'kernel_gs_base' || n === 'kernelgsbase' ? 'k' : null;
  if (base) {
    const a = canon();
    if (a === undefined) return `${name} must be canonical`;
    if (base === 'fs') setFsBase(c, a, 'debugger');
    else if (base === 'gs') setGsBase(c, a, 'debugger');
    else setKernelGsBase(c, a, 'debugger');
    return undefined;
  }
  const cr = /^cr(\d+)$/.exec(n);
  if (cr) {
    const why = crWriteFault(c, Number(cr[1]), v);
    if (why) return why;
    writeCr(c, Number(cr[1]), v);
    return undefined;
  }
  const m = msrByName(n);
  if (m) {
    const cur = readMsr(c, m.index);
    if (cur === undefined) return `${m.name} is not readable`;
    const why = wrmsrFault(m.index, v, cur, true);
    if (why) return why;
    writeMsr(c, m.index, v, 'debugger');
    return undefined;
  }
  return `unknown register '${name}'`;
}
