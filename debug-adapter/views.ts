// What the Variables view shows for a core, as plain name/value rows (no DAP types): registers
// with decoded RFLAGS, the GS state (both bases, CPL, which base is in use), the syscall MSRs and
// the per-CPU block at gs.base. Each writable row names the machine register it writes.

import type { Machine } from '../emulator/machine/machine';
import { GPR_NAMES } from '../emulator/machine/registers';

export type ScopeKind = 'registers' | 'gs' | 'msrs' | 'percpu';

export const SCOPES: readonly { kind: ScopeKind; name: string }[] = [
  { kind: 'registers', name: 'Registers' },
  { kind: 'gs', name: 'GS state' },
  { kind: 'msrs', name: 'MSRs' },
  { kind: 'percpu', name: 'Per-CPU memory at gs.base' },
];

export interface Row {
  name: string;
  value: string;
  /** Machine register name for setVariable (absent: read-only row). */
  register?: string;
  /** Address the value points at, when it points into mapped memory (for readMemory). */
  pointer?: number;
  /** Data-breakpoint id when a change of this row can stop the machine (Runtime.setDataBreakpoints). */
  watch?: string;
}

export const hex = (v: bigint | number): string => `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;

// RFLAGS bits (Intel SDM Vol 1, 3.4.3 "EFLAGS Register").
const FLAG_BITS: readonly [number, string][] = [
  [0, 'CF'], [2, 'PF'], [4, 'AF'], [6, 'ZF'], [7, 'SF'], [8, 'TF'], [9, 'IF'], [10, 'DF'], [11, 'OF'],
  [14, 'NT'], [16, 'RF'], [17, 'VM'], [18, 'AC'], [19, 'VIF'], [20, 'VIP'], [21, 'ID'],
];

/** `0x246 [PF ZF IF] IOPL=0` */
export function decodeRflags(v: bigint): string {
  const n = Number(v & 0xffffffffn);
  const set = FLAG_BITS.filter(([b]) => (n >>> b) & 1).map(([, name]) => name);
  return `${hex(v)} [${set.join(' ')}] IOPL=${(n >>> 12) & 3}`;
}

const MSR_ROWS = ['IA32_EFER', 'IA32_STAR', 'IA32_LSTAR', 'IA32_CSTAR', 'IA32_FMASK', 'IA32_FS_BASE', 'IA32_GS_BASE', 'IA32_KERNEL_GS_BASE', 'IA32_TSC_AUX'];
const SELECTORS = ['cs', 'ss', 'ds', 'es', 'fs', 'gs'];
const CONTROL = ['cr0', 'cr2', 'cr3', 'cr4'];

/** Rows of one scope for `core`; `swapgsCount` is how many swapgs the core executed so far. */
export function rows(m: Machine, core: number, kind: ScopeKind, swapgsCount: number): Row[] {
  const r = (name: string): bigint => m.readRegister(core, name) ?? 0n;
  const pointer = (v: bigint): number | undefined => {
    if (v === 0n || v >= 1n << 47n) return undefined;
    return m.readMemory(Number(v), 1) ? Number(v) : undefined;
  };
  const plain = (name: string, label = name, writable = true): Row => {
    const v = r(name);
    const p = pointer(v);
    return { name: label, value: hex(v), ...(writable ? { register: name } : {}), ...(p !== undefined ? { pointer: p } : {}) };
  };
  switch (kind) {
    case 'registers':
      return [
        ...GPR_NAMES.map((n) => plain(n)),
        plain('rip'),
        { name: 'rflags', value: decodeRflags(r('rflags')), register: 'rflags' },
        ...SELECTORS.map((n) => ({ name: n, value: hex(r(n)) })),
        ...CONTROL.map((n) => plain(n)),
      ];
    case 'gs': {
      const cpl = Number(r('cpl'));
      // The model's convention (DESIGN.md, Linux): the entry code starts with the kernel's per-CPU
      // block in gs.base, so each swapgs (SDM Vol 2B, SWAPGS) flips which base is in use.
      const swapped = swapgsCount % 2 === 1;
      const active = swapped ? 'user' : 'kernel';
      const warning = (cpl === 0 && swapped) || (cpl === 3 && !swapped) ? ` (mismatch: CPL ${cpl} with the ${active} base)` : '';
      return [
        { ...plain('gs.base'), watch: 'gs-base' },
        { ...plain('kernel_gs_base', 'KernelGSBase'), watch: 'kernel-gs-base' },
        { ...plain('fs.base'), watch: 'fs-base' },
        { name: 'CPL', value: String(cpl), watch: 'cpl' },
        { name: 'active GS base', value: `${active}${warning}` },
        { name: 'swapgs executed', value: String(swapgsCount), watch: 'swapgs' },
      ];
    }
    case 'msrs':
      return MSR_ROWS.map((n) => plain(n));
    case 'percpu': {
      const base = r('gs.base');
      const out: Row[] = [];
      for (let off = 0; off < 64; off += 8) {
        const bytes = base < 1n << 47n ? m.readMemory(Number(base) + off, 8) : undefined;
        let value = 'unmapped';
        let p: number | undefined;
        if (bytes) {
          let v = 0n;
          for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
          value = hex(v);
          p = pointer(v);
        }
        const at = Number(base) + off;
        out.push({ name: `gs:${hex(off)}`, value, ...(p !== undefined ? { pointer: p } : {}), ...(bytes ? { watch: `memory:${hex(at)}:8` } : {}) });
      }
      return out;
    }
  }
}

/** Parses a value typed in the Variables view: decimal, 0x hex, negative decimal (two's complement). */
export function parseValue(text: string): bigint | undefined {
  const t = text.trim().replace(/_/g, '').split(/\s/)[0] ?? '';
  try {
    if (/^-?0x[0-9a-f]+$/i.test(t) || /^-?[0-9]+$/.test(t)) {
      const neg = t.startsWith('-');
      const v = BigInt(neg ? t.slice(1) : t);
      if (v >= 1n << 64n) return undefined;
      return BigInt.asUintN(64, neg ? -v : v);
    }
  } catch {
    return undefined;
  }
  return undefined;
}
