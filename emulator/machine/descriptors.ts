// Pure decoding of the protected-mode system structures the machine reads from guest memory:
// segment selectors, GDT/LDT code/data/system descriptors, 64-bit IDT gates and the 64-bit TSS,
// plus the default GDT of the machine model. Intel SDM Vol 3A 3.4 (selectors, descriptors),
// 3.5 (system descriptor types), 6.14.1 (64-bit IDT gates), 8.7 (64-bit TSS).

/** A decoded segment selector (SDM Vol 3A 3.4.2, Figure 3-6). */
export interface Selector {
  value: number;
  /** Descriptor index (bits 15:3). */
  index: number;
  /** Table indicator: 0 = GDT, 1 = LDT (bit 2). */
  ti: 0 | 1;
  /** Requested privilege level (bits 1:0). */
  rpl: number;
}

export function parseSelector(value: number): Selector {
  value &= 0xffff;
  return { value, index: value >> 3, ti: ((value >> 2) & 1) as 0 | 1, rpl: value & 3 };
}

/** Null selectors are 0-3 in the GDT (SDM Vol 3A 3.4.2). */
export function isNullSelector(value: number): boolean {
  return (value & 0xfffc) === 0;
}

/** Offset of the selector's descriptor inside its table. */
export function selectorOffset(value: number): number {
  return value & 0xfff8;
}

/** System descriptor types in IA-32e mode (SDM Vol 3A 3.5, Table 3-2, "64-bit mode" column). */
export const SystemType = {
  LDT: 0x2,
  TSS64_AVAILABLE: 0x9,
  TSS64_BUSY: 0xb,
  CALL_GATE64: 0xc,
  INTERRUPT_GATE64: 0xe,
  TRAP_GATE64: 0xf,
} as const;

/** An 8-byte code or data segment descriptor (S=1), or the first half of a system descriptor. */
export interface SegmentDescriptor {
  /** The raw 8 bytes as an unsigned 64-bit value. */
  raw: bigint;
  /** Base 31:0 (64-bit system descriptors: see `SystemDescriptor.base`). */
  base: number;
  /** Limit in bytes after applying G (0xfffff with G=1 -> 0xffffffff). */
  limit: number;
  /** Type field, bits 11:8 of the second dword. */
  type: number;
  /** S: 1 = code/data, 0 = system. */
  s: boolean;
  dpl: number;
  present: boolean;
  avl: boolean;
  /** L: 64-bit code segment. */
  long: boolean;
  /** D/B: default operand size 32 (code), big (data). */
  db: boolean;
  granularity: boolean;
  /** S=1 and type bit 3. */
  code: boolean;
  /** Data: writable (type bit 1). */
  writable: boolean;
  /** Code: readable (type bit 1). */
  readable: boolean;
  /** Code: conforming (type bit 2). */
  conforming: boolean;
  accessed: boolean;
}

function le32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function le64(b: Uint8Array, at: number): bigint {
  return BigInt(le32(b, at)) | (BigInt(le32(b, at + 4)) << 32n);
}

/** Decodes 8 descriptor bytes (SDM Vol 3A 3.4.5, Figure 3-8). */
export function decodeSegmentDescriptor(bytes: Uint8Array): SegmentDescriptor {
  const lo = le32(bytes, 0);
  const hi = le32(bytes, 4);
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff00_0000)) >>> 0;
  const rawLimit = (lo & 0xffff) | (hi & 0x000f_0000);
  const granularity = (hi & (1 << 23)) !== 0;
  const type = (hi >>> 8) & 0xf;
  const s = (hi & (1 << 12)) !== 0;
  const code = s && (type & 8) !== 0;
  return {
    raw: BigInt(lo) | (BigInt(hi) << 32n),
    base,
    limit: granularity ? ((rawLimit * 4096 + 4095) >>> 0) : rawLimit,
    type,
    s,
    dpl: (hi >>> 13) & 3,
    present: (hi & (1 << 15)) !== 0,
    avl: (hi & (1 << 20)) !== 0,
    long: (hi & (1 << 21)) !== 0,
    db: (hi & (1 << 22)) !== 0,
    granularity,
    code,
    writable: s && !code && (type & 2) !== 0,
    readable: code && (type & 2) !== 0,
    conforming: code && (type & 4) !== 0,
    accessed: s && (type & 1) !== 0,
  };
}

/** A 16-byte system descriptor in IA-32e mode: LDT or 64-bit TSS (SDM Vol 3A 8.2.3, Figure 8-4). */
export interface SystemDescriptor extends SegmentDescriptor {
  /** Full 64-bit base. */
  base64: bigint;
  /** The type field of the upper 8 bytes must be 0 (SDM Vol 3A 8.2.3). */
  upperTypeZero: boolean;
}

export function decodeSystemDescriptor(bytes: Uint8Array): SystemDescriptor {
  const d = decodeSegmentDescriptor(bytes);
  const upper = le32(bytes, 8);
  return {
    ...d,
    base64: BigInt(d.base) | (BigInt(upper) << 32n),
    upperTypeZero: ((le32(bytes, 12) >>> 8) & 0x1f) === 0,
  };
}

/** A 16-byte IDT gate of IA-32e mode (SDM Vol 3A 6.14.1, Figure 6-8). */
export interface Gate64 {
  offset: bigint;
  selector: number;
  /** Interrupt stack table index 0-7; 0 = no IST switch. */
  ist: number;
  type: number;
  dpl: number;
  present: boolean;
  /** Interrupt gate (type 14) clears IF; trap gate (15) does not (SDM Vol 3A 6.12.1.3). */
  kind: 'interrupt' | 'trap' | 'invalid';
}

export function decodeGate64(bytes: Uint8Array): Gate64 {
  const w0 = le32(bytes, 0);
  const w1 = le32(bytes, 4);
  const offset =
    BigInt((w0 & 0xffff) | (w1 & 0xffff_0000)) | (BigInt(le32(bytes, 8)) << 32n);
  const type = (w1 >>> 8) & 0xf;
  // Bits 12 (S) must be 0 for a system descriptor; anything else is not a 64-bit gate.
  const sBit = (w1 >>> 12) & 1;
  const kind =
    sBit === 0 && type === SystemType.INTERRUPT_GATE64
      ? 'interrupt'
      : sBit === 0 && type === SystemType.TRAP_GATE64
        ? 'trap'
        : 'invalid';
  return {
    offset: BigInt.asUintN(64, offset),
    selector: w0 >>> 16,
    ist: w1 & 7,
    type,
    dpl: (w1 >>> 13) & 3,
    present: (w1 & (1 << 15)) !== 0,
    kind,
  };
}

/** Encodes a 64-bit IDT gate; for tests and for programs built in TypeScript. */
export function encodeGate64(g: {
  offset: bigint;
  selector: number;
  ist?: number;
  type?: number;
  dpl?: number;
  present?: boolean;
}): Uint8Array {
  const out = new Uint8Array(16);
  const dv = new DataView(out.buffer);
  const off = BigInt.asUintN(64, g.offset);
  const type = g.type ?? SystemType.INTERRUPT_GATE64;
  dv.setUint16(0, Number(off & 0xffffn), true);
  dv.setUint16(2, g.selector, true);
  dv.setUint8(4, (g.ist ?? 0) & 7);
  dv.setUint8(5, (type & 0xf) | (((g.dpl ?? 0) & 3) << 5) | ((g.present ?? true) ? 0x80 : 0));
  dv.setUint16(6, Number((off >> 16n) & 0xffffn), true);
  dv.setUint32(8, Number((off >> 32n) & 0xffff_ffffn), true);
  return out;
}

/** The fields of a 64-bit TSS (SDM Vol 3A 8.7, Figure 8-11). */
export interface Tss64 {
  /** RSP0, RSP1, RSP2: stack pointers loaded on a privilege change to CPL 0, 1, 2. */
  rsp: [bigint, bigint, bigint];
  /** IST1..IST7 at index 1..7; index 0 is unused (0n). */
  ist: bigint[];
  /** I/O permission bit map base (offset from the TSS base). */
  iomapBase: number;
}

/** Byte offsets inside the 64-bit TSS (SDM Vol 3A Figure 8-11). */
export const TSS64 = {
  RSP0: 4,
  IST1: 36,
  IOMAP_BASE: 102,
  /** The smallest limit a 64-bit TSS may have (0x67 = 104 bytes - 1). */
  MIN_LIMIT: 0x67,
} as const;

export function tssRspOffset(cpl: number): number {
  return TSS64.RSP0 + 8 * cpl;
}

export function tssIstOffset(ist: number): number {
  return TSS64.IST1 + 8 * (ist - 1);
}

export function decodeTss64(bytes: Uint8Array): Tss64 {
  const ist = [0n];
  for (let i = 1; i <= 7; i++) ist.push(le64(bytes, tssIstOffset(i)));
  return {
    rsp: [le64(bytes, tssRspOffset(0)), le64(bytes, tssRspOffset(1)), le64(bytes, tssRspOffset(2))],
    ist,
    iomapBase: bytes[TSS64.IOMAP_BASE]! | (bytes[TSS64.IOMAP_BASE + 1]! << 8),
  };
}

// ------------------------------------------------------------------ the default GDT

/** Selectors of the default GDT (design: machine model). */
export const DefaultSelector = {
  KERNEL_CS: 0x08,
  KERNEL_DS: 0x10,
  USER_CS32: 0x18,
  USER_DS: 0x20,
  USER_CS64: 0x28,
} as const;

/**
 * The default GDT: null, kernel code64, kernel data, user code32, user data, user code64.
 * Flat 4 GiB limits, accessed bits preset (as Linux does) so the CPU never has to write the table.
 * The order makes `STAR = 0x0018_0008 << 32` give the usual SYSCALL/SYSRET selectors
 * (SYSRET to 64-bit: CS = STAR[63:48] + 16 = 0x28|3, SS = STAR[63:48] + 8 = 0x20|3).
 */
export const DEFAULT_GDT_ENTRIES: readonly bigint[] = [
  0x0000_0000_0000_0000n, // 0x00 null
  0x00af_9b00_0000_ffffn, // 0x08 kernel code, L=1, DPL 0
  0x00cf_9300_0000_ffffn, // 0x10 kernel data, DPL 0
  0x00cf_fb00_0000_ffffn, // 0x18 user code, D=1 (32-bit), DPL 3
  0x00cf_f300_0000_ffffn, // 0x20 user data, DPL 3
  0x00af_fb00_0000_ffffn, // 0x28 user code, L=1, DPL 3
];

/** The default GDT as bytes, ready to copy into guest memory; its limit is `length - 1`. */
export function defaultGdtBytes(): Uint8Array {
  const out = new Uint8Array(DEFAULT_GDT_ENTRIES.length * 8);
  const dv = new DataView(out.buffer);
  DEFAULT_GDT_ENTRIES.forEach((e, i) => dv.setBigUint64(i * 8, e, true));
  return out;
}
