// Register names NASM recognises in 64-bit code, with their class and width, so the
// expression parser can turn them into `reg` leaves and the assembler can classify them.

export type RegisterClass =
  | 'gpr'
  | 'seg'
  | 'cr'
  | 'dr'
  | 'tr'
  | 'xmm'
  | 'ymm'
  | 'zmm'
  | 'mmx'
  | 'fpu'
  | 'mask'
  | 'bnd'
  | 'tmm'
  | 'rip';

export interface RegisterInfo {
  name: string;
  cls: RegisterClass;
  /** Width in bits (80 for x87 st0-st7, 0 for AMX tiles). */
  bits: number;
  /** Number in its class (rax=0 ... r15=15; ah/ch/dh/bh are 4..7 as in the ModRM encoding). */
  index: number;
}

const table = new Map<string, RegisterInfo>();

function add(name: string, cls: RegisterClass, bits: number, index: number): void {
  table.set(name, { name, cls, bits, index });
}

// Legacy GPR names in encoding order (Intel SDM Vol. 2A, 2.1.5 Table 2-2 / 3.1.1.1).
const legacy64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'];
const legacy32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const legacy16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const legacy8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil'];
for (let i = 0; i < 8; i++) {
  add(legacy64[i]!, 'gpr', 64, i);
  add(legacy32[i]!, 'gpr', 32, i);
  add(legacy16[i]!, 'gpr', 16, i);
  add(legacy8[i]!, 'gpr', 8, i);
}
// High-byte registers: encoded as 4..7 without a REX prefix (SDM Vol. 2A, 2.2.1.2).
['ah', 'ch', 'dh', 'bh'].forEach((n, i) => add(n, 'gpr', 8, 4 + i));
for (let i = 8; i < 16; i++) {
  add(`r${i}`, 'gpr', 64, i);
  add(`r${i}d`, 'gpr', 32, i);
  add(`r${i}w`, 'gpr', 16, i);
  add(`r${i}b`, 'gpr', 8, i);
}
['es', 'cs', 'ss', 'ds', 'fs', 'gs'].forEach((n, i) => add(n, 'seg', 16, i));
for (let i = 0; i < 16; i++) {
  add(`cr${i}`, 'cr', 64, i);
  add(`dr${i}`, 'dr', 64, i);
}
for (let i = 0; i < 8; i++) add(`tr${i}`, 'tr', 32, i);
for (let i = 0; i < 32; i++) {
  add(`xmm${i}`, 'xmm', 128, i);
  add(`ymm${i}`, 'ymm', 256, i);
  add(`zmm${i}`, 'zmm', 512, i);
}
for (let i = 0; i < 8; i++) {
  add(`mm${i}`, 'mmx', 64, i);
  add(`st${i}`, 'fpu', 80, i);
  add(`k${i}`, 'mask', 64, i);
  add(`tmm${i}`, 'tmm', 0, i);
}
for (let i = 0; i < 4; i++) add(`bnd${i}`, 'bnd', 128, i);
add('rip', 'rip', 64, 0);

/** Every register name, lowercase. */
export const REGISTER_NAMES: ReadonlySet<string> = new Set(table.keys());

/** The register `name` denotes (case-insensitive, as NASM), or undefined. */
export function registerInfo(name: string): RegisterInfo | undefined {
  return table.get(name.toLowerCase());
}

export function isRegister(name: string): boolean {
  return table.has(name.toLowerCase());
}
