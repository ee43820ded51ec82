// Turns an AssembledProgram into a load plan for the machine: which 4 KiB pages exist and who may
// touch them (design: machine model, `.user*` rule), their initial bytes, the entry point, the
// default GDT and the per-core boot stacks; plus the address -> file:line lookup of the debugger
// and of error messages. Pure: the machine applies the plan to its memory.

import type { AssembledProgram, LineEntry } from '../asm/types';
import { defaultGdtBytes } from './descriptors';

export const PAGE_SIZE = 4096;
/** Boot stack per core (design: machine model). */
export const BOOT_STACK_SIZE = 64 * 1024;
/**
 * Where the machine puts what the program did not ask for: the default GDT page, then one
 * unmapped guard page, then per core an unmapped guard page and a 64 KiB stack, so a stack
 * overflow faults with #PF instead of corrupting a neighbour. 0x7000_0000 is far above the
 * default `org` (0x100000) and below 4 GiB (32-bit addressing of it still works). When the
 * image overlaps it, the area moves to the first 2 MiB boundary after the image.
 */
export const SYSTEM_AREA_BASE = 0x7000_0000;
/** Refuse images that would map more than this (bad `resb` sizes, huge `org` gaps). */
export const MAX_MAPPED_BYTES = 512 * 1024 * 1024;

export interface PagePlan {
  /** Page-aligned address. */
  addr: number;
  /** User-accessible (U/S=1 in the page tables); else supervisor-only. */
  user: boolean;
  /** Who owns it, for the debugger and messages: a section name, `gdt` or `stack N`. */
  owner: string;
}

export interface LoadPlan {
  pages: PagePlan[];
  /** Initial bytes; pages not covered are zero. */
  writes: { addr: number; bytes: Uint8Array }[];
  entry: number;
  /** How the entry was chosen: the label name or `first instruction of .text`. */
  entryFrom: string;
  gdt: { base: number; limit: number };
  /** Boot stack of core i: RSP starts at `top`. */
  stacks: { bottom: number; top: number }[];
  /** Non-fatal notes (a page shared by a user and a supervisor section). */
  warnings: string[];
}

export type LoadResult = { ok: true; plan: LoadPlan } | { ok: false; error: string };

export interface LoadOptions {
  /** Entry label; undefined means `_start`, else the first instruction of the first code section. */
  entry?: string;
  cpus: number;
}

const pageOf = (a: number): number => Math.floor(a / PAGE_SIZE) * PAGE_SIZE;

/** Builds the load plan; a located reason instead of a plan when the program cannot run. */
export function planLoad(program: AssembledProgram, options: LoadOptions): LoadResult {
  const pages = new Map<number, PagePlan>();
  const warnings: string[] = [];
  let mapped = 0;
  for (const s of program.sections) {
    if (s.size <= 0) continue;
    const first = pageOf(s.start);
    const last = pageOf(s.start + s.size - 1);
    mapped += last - first + PAGE_SIZE;
    if (mapped > MAX_MAPPED_BYTES) {
      return { ok: false, error: `the image needs more than ${MAX_MAPPED_BYTES >> 20} MiB of memory (section ${s.name})` };
    }
    for (let p = first; p <= last; p += PAGE_SIZE) {
      const had = pages.get(p);
      if (had && had.user !== s.user) {
        // A page is either user or supervisor; user wins so the user code that needs it runs.
        warnings.push(
          `page 0x${p.toString(16)} holds both ${had.owner} and ${s.name}; mapped user-accessible`,
        );
        had.user = true;
        continue;
      }
      if (!had) pages.set(p, { addr: p, user: s.user, owner: s.name });
    }
  }
  const writes: LoadPlan['writes'] = [];
  for (const s of program.sections) {
    if (s.nobits || s.fileOffset === undefined || s.size <= 0) continue;
    const end = Math.min(s.fileOffset + s.size, program.image.length);
    if (end > s.fileOffset) writes.push({ addr: s.start, bytes: program.image.subarray(s.fileOffset, end) });
  }

  const entry = resolveEntry(program, options.entry);
  if (!entry.ok) return entry;

  const cpus = options.cpus;
  const areaSize = 2 * PAGE_SIZE + cpus * (PAGE_SIZE + BOOT_STACK_SIZE);
  let base = SYSTEM_AREA_BASE;
  const overlaps = (b: number): boolean => {
    for (let p = b; p < b + areaSize; p += PAGE_SIZE) if (pages.has(p)) return true;
    return false;
  };
  if (overlaps(base)) {
    const top = Math.max(...[...pages.keys()]) + PAGE_SIZE;
    base = Math.ceil((top + PAGE_SIZE) / 0x20_0000) * 0x20_0000;
  }
  const gdt = defaultGdtBytes();
  pages.set(base, { addr: base, user: false, owner: 'gdt' });
  writes.push({ addr: base, bytes: gdt });
  const stacks: LoadPlan['stacks'] = [];
  let at = base + 2 * PAGE_SIZE;
  for (let i = 0; i < cpus; i++) {
    const bottom = at + PAGE_SIZE;
    for (let p = bottom; p < bottom + BOOT_STACK_SIZE; p += PAGE_SIZE) {
      pages.set(p, { addr: p, user: false, owner: `stack ${i}` });
    }
    stacks.push({ bottom, top: bottom + BOOT_STACK_SIZE });
    at = bottom + BOOT_STACK_SIZE;
  }
  return {
    ok: true,
    plan: {
      pages: [...pages.values()].sort((a, b) => a.addr - b.addr),
      writes,
      entry: entry.address,
      entryFrom: entry.from,
      gdt: { base, limit: gdt.length - 1 },
      stacks,
      warnings,
    },
  };
}

/** The entry address: `--entry` label, else `_start`, else the first instruction of the first code section. */
export function resolveEntry(
  program: AssembledProgram,
  label: string | undefined,
): { ok: true; address: number; from: string } | { ok: false; error: string } {
  const want = label ?? '_start';
  const sym = program.symbols.get(want);
  if (sym && sym.kind === 'label') return { ok: true, address: Number(sym.value), from: want };
  if (label !== undefined) {
    return { ok: false, error: sym ? `entry '${label}' is not a label` : `entry label '${label}' not found` };
  }
  const code = program.sections.find((s) => s.exec && program.instructions.some((i) => i.section === s.name));
  if (!code) return { ok: false, error: 'no _start label and no instructions to start at' };
  let first = Infinity;
  for (const i of program.instructions) if (i.section === code.name && i.address < first) first = i.address;
  return { ok: true, address: first, from: `first instruction of ${code.name}` };
}

/** Address -> the source line that emitted it (binary search over the line table). */
export class LineTable {
  private readonly entries: LineEntry[];

  constructor(lines: readonly LineEntry[]) {
    this.entries = lines.filter((l) => l.size > 0).sort((a, b) => a.address - b.address);
  }

  /** The entry whose bytes contain `address`, if any. */
  lookup(address: number): LineEntry | undefined {
    const e = this.entries;
    let lo = 0;
    let hi = e.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = e[mid]!;
      if (address < m.address) hi = mid - 1;
      else if (address >= m.address + m.size) lo = mid + 1;
      else return m;
    }
    return undefined;
  }

  /** `file:line` (1-based line) of the address, or its hex value when no source emitted it. */
  format(address: number): string {
    const l = this.lookup(address);
    return l ? `${l.site.file}:${l.site.line + 1}` : `0x${BigInt.asUintN(64, BigInt(address)).toString(16)}`;
  }

  /** Every address whose instruction starts on `file:line` (0-based line), for breakpoints. */
  addressesOf(file: string, line: number): number[] {
    return this.entries
      .filter((l) => l.kind === 'instruction' && l.site.file === file && l.site.line === line)
      .map((l) => l.address);
  }
}
