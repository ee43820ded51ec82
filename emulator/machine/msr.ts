// The model-specific registers the machine implements, as data: index, name, reset value and the
// checks WRMSR applies (reserved bits, canonical addresses). Intel SDM Vol 4, Table 2-2
// ("IA-32 Architectural MSRs"); EFER bits in SDM Vol 3A 2.2.1. Pure: no core state lives here.

/** MSR indexes (SDM Vol 4 Table 2-2). */
export const MSR = {
  TSC: 0x10,
  EFER: 0xc000_0080,
  STAR: 0xc000_0081,
  LSTAR: 0xc000_0082,
  CSTAR: 0xc000_0083,
  FMASK: 0xc000_0084,
  FS_BASE: 0xc000_0100,
  GS_BASE: 0xc000_0101,
  KERNEL_GS_BASE: 0xc000_0102,
  TSC_AUX: 0xc000_0103,
} as const;

export type MsrIndex = (typeof MSR)[keyof typeof MSR];

/** IA32_EFER bits (SDM Vol 3A 2.2.1, Figure 2-4). */
export const EFER = {
  SCE: 1n << 0n, // SYSCALL/SYSRET enable
  LME: 1n << 8n, // IA-32e mode enable
  LMA: 1n << 10n, // IA-32e mode active (maintained by the processor)
  NXE: 1n << 11n, // execute-disable enable
} as const;

export interface MsrDef {
  index: number;
  /** Architectural name as the SDM spells it (the debugger and the linter show it). */
  name: string;
  /** Short name used in `--trace` lines and the debugger's variables view. */
  short: string;
  /** Bits a WRMSR must leave 0 (#GP(0) otherwise). */
  reserved: bigint;
  /** Holds a linear address: a non-canonical value is #GP(0) on WRMSR. */
  canonical: boolean;
  /** Reset value for core `coreIndex` (design: machine model). */
  reset(coreIndex: number): bigint;
  /** What the MSR is for, one line (debugger hover). */
  doc: string;
}

const ALL64 = (1n << 64n) - 1n;

/** Every implemented MSR. Any other index is #GP(0) on RDMSR/WRMSR (SDM Vol 2B RDMSR/WRMSR). */
export const MSR_DEFS: readonly MsrDef[] = [
  {
    index: MSR.TSC,
    name: 'IA32_TIME_STAMP_COUNTER',
    short: 'TSC',
    reserved: 0n,
    canonical: false,
    reset: () => 0n,
    doc: 'Time-stamp counter (counts retired instructions here).',
  },
  {
    index: MSR.EFER,
    name: 'IA32_EFER',
    short: 'EFER',
    // SDM Vol 4 Table 2-2: bits 0, 8, 10, 11 defined; 63:12, 9, 7:1 reserved.
    reserved: ALL64 & ~(EFER.SCE | EFER.LME | EFER.LMA | EFER.NXE),
    canonical: false,
    reset: () => EFER.LME | EFER.LMA | EFER.SCE,
    doc: 'Extended feature enables: SCE (syscall), LME/LMA (long mode), NXE.',
  },
  {
    index: MSR.STAR,
    name: 'IA32_STAR',
    short: 'STAR',
    reserved: 0n,
    canonical: false,
    reset: () => 0n,
    doc: 'SYSCALL CS/SS in bits 47:32, SYSRET CS/SS base in bits 63:48.',
  },
  {
    index: MSR.LSTAR,
    name: 'IA32_LSTAR',
    short: 'LSTAR',
    reserved: 0n,
    canonical: true,
    reset: () => 0n,
    doc: 'RIP of the 64-bit SYSCALL entry point.',
  },
  {
    index: MSR.CSTAR,
    name: 'IA32_CSTAR',
    short: 'CSTAR',
    reserved: 0n,
    // Not in WRMSR's non-canonical #GP list (SDM Vol 2B WRMSR): Intel never jumps through it.
    canonical: false,
    reset: () => 0n,
    doc: 'RIP of the compatibility-mode SYSCALL entry (not used by Intel CPUs).',
  },
  {
    index: MSR.FMASK,
    name: 'IA32_FMASK',
    short: 'FMASK',
    // SDM Vol 4 Table 2-2: bits 63:32 reserved.
    reserved: ALL64 ^ 0xffff_ffffn,
    canonical: false,
    reset: () => 0n,
    doc: 'RFLAGS bits SYSCALL clears (set IF here to enter with interrupts off).',
  },
  {
    index: MSR.FS_BASE,
    name: 'IA32_FS_BASE',
    short: 'FS_BASE',
    reserved: 0n,
    canonical: true,
    reset: () => 0n,
    doc: 'fs.base, the hidden base of FS.',
  },
  {
    index: MSR.GS_BASE,
    name: 'IA32_GS_BASE',
    short: 'GS_BASE',
    reserved: 0n,
    canonical: true,
    reset: () => 0n,
    doc: 'gs.base, the hidden base every gs: access adds.',
  },
  {
    index: MSR.KERNEL_GS_BASE,
    name: 'IA32_KERNEL_GS_BASE',
    short: 'KERNEL_GS_BASE',
    reserved: 0n,
    canonical: true,
    reset: () => 0n,
    doc: 'The value SWAPGS exchanges with gs.base.',
  },
  {
    index: MSR.TSC_AUX,
    name: 'IA32_TSC_AUX',
    short: 'TSC_AUX',
    // SDM Vol 4 Table 2-2: bits 63:32 reserved.
    reserved: ALL64 ^ 0xffff_ffffn,
    canonical: false,
    reset: (coreIndex) => BigInt(coreIndex),
    doc: 'Auxiliary signature returned by RDTSCP/RDPID (the core index here).',
  },
];

const BY_INDEX = new Map<number, MsrDef>(MSR_DEFS.map((d) => [d.index, d]));
const BY_NAME = new Map<string, MsrDef>();
for (const d of MSR_DEFS) {
  BY_NAME.set(d.name.toLowerCase(), d);
  BY_NAME.set(d.short.toLowerCase(), d);
}
// Linux spells it MSR_SYSCALL_MASK, Intel docs IA32_FMASK, AMD SFMASK.
BY_NAME.set('sfmask', BY_INDEX.get(MSR.FMASK)!);
BY_NAME.set('syscall_mask', BY_INDEX.get(MSR.FMASK)!);

/** The definition of an MSR index, or undefined when this machine does not implement it. */
export function msrDef(index: number): MsrDef | undefined {
  return BY_INDEX.get(index >>> 0);
}

/** Looks an MSR up by architectural or short name, case-insensitive (`IA32_LSTAR`, `lstar`, `sfmask`). */
export function msrByName(name: string): MsrDef | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** `IA32_LSTAR` for a known index, else `MSR 0x...`. */
export function msrName(index: number): string {
  return msrDef(index)?.name ?? `MSR 0x${(index >>> 0).toString(16)}`;
}

/**
 * True when bits 63:47 of `value` are all equal (48-bit linear addresses, SDM Vol 1 3.3.7.1).
 * `value` is an unsigned 64-bit bigint.
 */
export function isCanonical(value: bigint): boolean {
  const top = value >> 47n;
  return top === 0n || top === 0x1ffffn;
}

/**
 * Why WRMSR of `value` to `index` raises #GP(0), or undefined when the write is allowed.
 * `pagingEnabled` is CR0.PG: changing EFER.LME while paging is on is #GP(0) (SDM Vol 3A "Initializing IA-32e Mode").
 */
export function wrmsrFault(
  index: number,
  value: bigint,
  current: bigint,
  pagingEnabled: boolean,
): string | undefined {
  const def = msrDef(index);
  if (!def) return `wrmsr to unimplemented ${msrName(index)}`;
  value = BigInt.asUintN(64, value);
  if (value & def.reserved) {
    return `wrmsr ${def.name}: reserved bits set (0x${(value & def.reserved).toString(16)})`;
  }
  if (def.canonical && !isCanonical(value)) {
    return `wrmsr ${def.name}: non-canonical address 0x${value.toString(16)}`;
  }
  if (index === MSR.EFER && pagingEnabled && (value & EFER.LME) !== (current & EFER.LME)) {
    return 'wrmsr IA32_EFER: LME cannot change while paging is enabled';
  }
  return undefined;
}

/**
 * The value the MSR holds after an allowed WRMSR. EFER.LMA is maintained by the processor
 * (SDM Vol 3A 2.2.1: "IA32_EFER.LMA ... is read-only"), so a write leaves it as it was.
 */
export function wrmsrResult(index: number, value: bigint, current: bigint): bigint {
  value = BigInt.asUintN(64, value);
  if (index === MSR.EFER) return (value & ~EFER.LMA) | (current & EFER.LMA);
  return value;
}

/** Reset values of every implemented MSR for one core. */
export function resetMsrs(coreIndex: number): Map<number, bigint> {
  return new Map(MSR_DEFS.map((d) => [d.index, d.reset(coreIndex)]));
}
