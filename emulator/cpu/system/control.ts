// Control registers and privileged machine control: mov to/from CR0/CR2/CR3/CR4/CR8, clts,
// lmsw/smsw, invlpg, wbinvd/invd, cli/sti (with the interrupt shadow), hlt, and
// port I/O with the IOPL / TSS I/O-bitmap checks. Intel SDM Vol 3A 2.5 (control registers),
// 6.8.3 (interrupt shadow), Vol 1 19.5 (I/O protection), and the Vol 2 instruction pages.

import { Code, Register } from 'iced-x86';
import type { Core } from '../core';
import { RFLAGS } from '../core';
import { K, type Decoded } from '../decoded';
import { registerHandlers } from '../dispatch';
import { GuestFault, Vec, ud } from '../fault';
import { noteIf, sysOf } from './state';

export const CR0 = {
  PE: 1, MP: 2, EM: 4, TS: 8, ET: 0x10, NE: 0x20, WP: 0x10000, AM: 0x40000, NW: 0x2000_0000, CD: 0x4000_0000, PG: 0x8000_0000,
} as const;
export const CR4 = {
  VME: 1, PVI: 2, TSD: 4, DE: 8, PSE: 0x10, PAE: 0x20, MCE: 0x40, PGE: 0x80, PCE: 0x100, OSFXSR: 0x200,
  OSXMMEXCPT: 0x400, UMIP: 0x800, LA57: 0x1000, FSGSBASE: 0x1_0000, SMEP: 0x10_0000, SMAP: 0x20_0000,
} as const;
const CR0_DEFINED = 0xe005_003f;
/** CR4 bits this CPU supports (CPUID reports FSGSBASE, SMEP, SMAP); any other bit is #GP(0) (SDM Vol 3A 2.5). */
export const CR4_SUPPORTED = 0x0fff | CR4.FSGSBASE | CR4.SMEP | CR4.SMAP;
/** MAXPHYADDR of this CPU: CR3 bits at or above it are reserved (SDM Vol 3A 4.5). */
export const MAXPHYADDR = 48; // CPUID.80000008H:EAX[7:0] (isa/misc.ts)

function gp0(msg: string): GuestFault {
  return new GuestFault(Vec.GP, 0, 'fault', msg);
}

function requireCpl0(c: Core, what: string): void {
  if (c.cpl !== 0) throw gp0(`${what} is privileged: CPL ${c.cpl} (needs 0)`);
}

/** Why writing `v` to CRn raises #GP(0), or undefined when it is allowed (SDM Vol 3A 2.5, Vol 2A MOV CR). */
export function crWriteFault(c: Core, n: number, v: bigint): string | undefined {
  switch (n) {
    case 0: {
      if (v >> 32n) return `mov cr0: bits 63:32 are reserved (0x${v.toString(16)})`;
      const x = Number(v);
      if (x & CR0.PG && !(x & CR0.PE)) return 'mov cr0: PG=1 needs PE=1';
      if (x & CR0.NW && !(x & CR0.CD)) return 'mov cr0: NW=1 needs CD=1';
      // Leaving long mode needs compatibility mode first (SDM Vol 3A "Switching Out of IA-32e Mode").
      if (!(x & CR0.PG)) return 'mov cr0: clearing PG in 64-bit mode';
      return undefined;
    }
    case 2:
      return undefined;
    case 3:
      if (v >> BigInt(MAXPHYADDR)) return `mov cr3: bits 63:${MAXPHYADDR} are reserved (0x${v.toString(16)})`;
      return undefined;
    case 4: {
      if (v & ~BigInt(CR4_SUPPORTED)) return `mov cr4: reserved or unsupported bits 0x${(v & ~BigInt(CR4_SUPPORTED)).toString(16)}`;
      const x = Number(v);
      if (!(x & CR4.PAE)) return 'mov cr4: clearing PAE in IA-32e mode';
      if ((x ^ c.cr4) & CR4.LA57) return 'mov cr4: LA57 cannot change in IA-32e mode';
      return undefined;
    }
    case 8:
      if (v >> 4n) return `mov cr8: bits 63:4 are reserved (0x${v.toString(16)})`;
      return undefined;
    default:
      return `cr${n}`;
  }
}

/** Writes CRn after the checks (also used by the debugger). */
export function writeCr(c: Core, n: number, v: bigint): void {
  switch (n) {
    case 0:
      // Reserved bits of CR0[31:0] are ignored on writes (SDM Vol 3A 2.5); ET is fixed at 1.
      c.setCr0(((Number(v) & CR0_DEFINED) | CR0.ET) >>> 0);
      break;
    case 2:
      c.cr2 = BigInt.asUintN(64, v);
      break;
    case 3:
      c.cr3 = Number(v);
      c.mmu.invalidateAll(); // a CR3 load flushes non-global TLB entries (SDM Vol 3A 4.10.4.1)
      break;
    case 4:
      c.setCr4(Number(v));
      break;
    case 8:
      c.cr8 = Number(v);
      break;
  }
}

export function readCr(c: Core, n: number): bigint | undefined {
  switch (n) {
    case 0: return BigInt(c.cr0 >>> 0);
    case 2: return c.cr2;
    case 3: return BigInt(c.cr3);
    case 4: return BigInt(c.cr4 >>> 0);
    case 8: return BigInt(c.cr8);
    default: return undefined;
  }
}

const crOf = (x: number): number => x - Register.CR0;

const movCrR = (c: Core, d: Decoded): void => {
  const n = crOf(d.x0);
  if (readCr(c, n) === undefined) throw ud(`cr${n} does not exist (SDM Vol 2A MOV CR: #UD)`);
  requireCpl0(c, `mov cr${n}`);
  const v = c.getGpr(d.r1);
  const why = crWriteFault(c, n, v);
  if (why !== undefined) throw gp0(why);
  writeCr(c, n, v);
};

const movRCr = (c: Core, d: Decoded): void => {
  const n = crOf(d.x1);
  const v = readCr(c, n);
  if (v === undefined) throw ud(`cr${n} does not exist (SDM Vol 2A MOV CR: #UD)`);
  requireCpl0(c, `mov from cr${n}`);
  c.setGpr(d.r0, v);
};

const clts = (c: Core): void => {
  requireCpl0(c, 'clts');
  c.setCr0(c.cr0 & ~CR0.TS);
};

/** SMSW: CR0[15:0] (register forms zero-extend CR0 to the operand size); UMIP-gated (SDM Vol 2B SMSW). */
const smsw = (c: Core, d: Decoded): void => {
  if (c.cpl > 0 && c.cr4 & CR4.UMIP) throw gp0('smsw at CPL > 0 with CR4.UMIP=1');
  if (d.k0 === K.Gpr) {
    if (d.s0 === 8) c.setHalves(d.r0, c.cr0 | 0, 0);
    else c.setReg(d.r0, d.s0, d.s0 === 4 ? c.cr0 >>> 0 : c.cr0 & 0xffff);
  } else c.mmu.write16(c.ea(d), c.cr0 & 0xffff);
};

/** LMSW: loads CR0[3:0]; cannot clear PE (SDM Vol 2A LMSW). */
const lmsw = (c: Core, d: Decoded): void => {
  requireCpl0(c, 'lmsw');
  const v = d.k0 === K.Gpr ? c.getReg(d.r0, 2) : c.mmu.read16(c.ea(d));
  c.setCr0(((c.cr0 & ~0xe) | (v & 0xf) | (c.cr0 & 1)) >>> 0);
};

const invlpg = (c: Core, d: Decoded): void => {
  requireCpl0(c, 'invlpg');
  // INVLPG never faults on the address itself (SDM Vol 2A INVLPG); identity paging means only the TLB changes.
  const a = c.ea(d);
  c.mmu.invalidatePage(Math.floor(a / 4096));
};

const cacheOp = (name: string) => (c: Core): void => requireCpl0(c, name);

export function iopl(c: Core): number {
  return (c.rflags >>> 12) & 3;
}

/** CLI/STI: #GP(0) when CPL > IOPL (SDM Vol 2A CLI, Vol 2B STI). */
const cli = (c: Core): void => {
  if (c.cpl > iopl(c)) throw gp0(`cli at CPL ${c.cpl} > IOPL ${iopl(c)}`);
  c.rflags &= ~RFLAGS.IF;
};
const sti = (c: Core): void => {
  if (c.cpl > iopl(c)) throw gp0(`sti at CPL ${c.cpl} > IOPL ${iopl(c)}`);
  // STI that sets IF delays interrupts until after the next instruction (SDM Vol 2B STI).
  const before = c.rflags;
  if (!(before & RFLAGS.IF)) c.setInterruptShadow();
  c.rflags |= RFLAGS.IF;
  noteIf(c, before);
};

/** HLT: #GP(0) at CPL > 0 (SDM Vol 2A HLT). The machine decides what a halted core waits for. */
const hlt = (c: Core): void => {
  requireCpl0(c, 'hlt');
  c.halted = true;
  c.attention = 1; // leave the fast loop at this boundary so run() reports 'halted'
};

/**
 * I/O permission (SDM Vol 1 19.5): CPL <= IOPL passes; otherwise every bit for the accessed
 * ports in the TSS I/O bitmap must be 0, and a bitmap beyond the TSS limit means #GP(0).
 */
export function checkIo(c: Core, port: number, size: number): void {
  if (c.cpl <= iopl(c)) return;
  const why = `port 0x${port.toString(16)} at CPL ${c.cpl} > IOPL ${iopl(c)}`;
  if ((c.tr.selector & 0xfffc) === 0 || c.tr.limit < 0x67) throw gp0(`${why} and no TSS I/O bitmap`);
  const mapBase = Number(c.mmu.readImplicit(c.tr.base + 102, 2));
  const at = mapBase + (port >> 3);
  if (at + 1 > c.tr.limit) throw gp0(`${why}; the I/O bitmap does not cover it`);
  const bits = Number(c.mmu.readImplicit(c.tr.base + at, 2));
  const mask = ((1 << size) - 1) << (port & 7);
  if (bits & mask) throw gp0(`${why}; the TSS I/O bitmap denies it`);
}

function portIn(c: Core, port: number, size: number): number {
  checkIo(c, port, size);
  const bus = sysOf(c).ports;
  const mask = size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
  return bus ? bus.in(c, port, size) & mask : mask;
}

function portOut(c: Core, port: number, size: number, v: number): void {
  checkIo(c, port, size);
  const mask = size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
  sysOf(c).ports?.out(c, port, size, (v & mask) >>> 0);
}

function inFrom(size: number, immPort: boolean) {
  return (c: Core, d: Decoded): void => {
    const port = immPort ? d.imm & 0xff : c.getReg(2, 2);
    c.setReg(0, size, portIn(c, port, size));
  };
}

function outTo(size: number, immPort: boolean) {
  return (c: Core, d: Decoded): void => {
    const port = immPort ? d.imm & 0xff : c.getReg(2, 2);
    portOut(c, port, size, c.getReg(0, size));
  };
}

/** Iterations a rep ins/outs does before yielding (the instruction restarts, as after an interrupt). */
const REP_CHUNK = 4096;

function strAddr(c: Core, reg: number, asz: number, seg: number): number {
  const off = asz === 8 ? c.getAddr(reg) : c.getLo(reg);
  return seg >= 0 ? off + c.seg[seg]!.base : off;
}

function advance(c: Core, reg: number, asz: number, delta: number): void {
  if (asz === 8) c.setGpr(reg, BigInt.asUintN(64, c.getGpr(reg) + BigInt(delta)));
  else c.setReg(reg, 4, (c.getLo(reg) + delta) >>> 0);
}

/** OUTS/INS with and without rep (SDM Vol 2B OUTS, Vol 2A INS); restartable in chunks. */
function stringIo(dir: 'in' | 'out', size: number) {
  return (c: Core, d: Decoded): void => {
    const port = c.getReg(2, 2);
    const step = c.rflags & RFLAGS.DF ? -size : size;
    const reg = dir === 'out' ? 6 : 7; // RSI / RDI
    const seg = dir === 'out' ? d.mseg : -1; // INS always writes ES:RDI (base 0 in 64-bit mode)
    const count = (): bigint => (d.asz === 8 ? c.getGpr(1) : BigInt(c.getLo(1)));
    for (let i = 0; ; i++) {
      if (d.rep) {
        if (count() === 0n) return;
        if (i === REP_CHUNK) {
          c.nextRip = d.ip;
          return;
        }
      } else if (i === 1) return;
      const a = strAddr(c, reg, d.asz, seg);
      if (dir === 'out') portOut(c, port, size, c.mmu.read(a, size));
      else {
        c.mmu.probeWrite(a, size);
        c.mmu.write(a, size, portIn(c, port, size));
      }
      advance(c, reg, d.asz, step);
      if (d.rep) {
        if (d.asz === 8) c.setGpr(1, BigInt.asUintN(64, c.getGpr(1) - 1n));
        else c.setReg(1, 4, (c.getLo(1) - 1) >>> 0);
      }
    }
  };
}

registerHandlers({
  [Code.Mov_cr_r64]: movCrR,
  [Code.Mov_cr_r32]: movCrR,
  [Code.Mov_r64_cr]: movRCr,
  [Code.Mov_r32_cr]: movRCr,
  [Code.Clts]: clts,
  [Code.Smsw_rm16]: smsw,
  [Code.Smsw_r32m16]: smsw,
  [Code.Smsw_r64m16]: smsw,
  [Code.Lmsw_rm16]: lmsw,
  [Code.Lmsw_r32m16]: lmsw,
  [Code.Lmsw_r64m16]: lmsw,
  [Code.Invlpg_m]: invlpg,
  [Code.Wbinvd]: cacheOp('wbinvd'),
  [Code.Invd]: cacheOp('invd'),
  [Code.Cli]: cli,
  [Code.Sti]: sti,
  [Code.Hlt]: hlt,
  [Code.In_AL_imm8]: inFrom(1, true),
  [Code.In_AX_imm8]: inFrom(2, true),
  [Code.In_EAX_imm8]: inFrom(4, true),
  [Code.In_AL_DX]: inFrom(1, false),
  [Code.In_AX_DX]: inFrom(2, false),
  [Code.In_EAX_DX]: inFrom(4, false),
  [Code.Out_imm8_AL]: outTo(1, true),
  [Code.Out_imm8_AX]: outTo(2, true),
  [Code.Out_imm8_EAX]: outTo(4, true),
  [Code.Out_DX_AL]: outTo(1, false),
  [Code.Out_DX_AX]: outTo(2, false),
  [Code.Out_DX_EAX]: outTo(4, false),
  [Code.Outsb_DX_m8]: stringIo('out', 1),
  [Code.Outsw_DX_m16]: stringIo('out', 2),
  [Code.Outsd_DX_m32]: stringIo('out', 4),
  [Code.Insb_m8_DX]: stringIo('in', 1),
  [Code.Insw_m16_DX]: stringIo('in', 2),
  [Code.Insd_m32_DX]: stringIo('in', 4),
});

