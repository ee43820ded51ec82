// cpuid, rdtsc/rdtscp/rdpid, pause, fences, nops, ud0/1/2, int3/int1, stac/clac (SDM Vol. 2 pages of each).

import { Mnemonic } from 'iced-x86';
import type { Core } from '../core';
import type { Decoded } from '../decoded';
import { registerMnemonicHandlers } from '../dispatch';
import { GuestFault, gp0, ud, Vec } from '../fault';

const TSC_AUX = 0xc0000103;
const CR4_TSD = 1 << 2;
const AC = 1 << 18;

function str4(s: string): number {
  return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0;
}

/** The CPUID values of the emulated CPU: [eax, ebx, ecx, edx] (SDM Vol. 2 CPUID tables). */
export function cpuidValues(c: Core, leaf: number, sub: number): [number, number, number, number] {
  switch (leaf) {
    case 0: return [7, str4('Genu'), str4('ntel'), str4('ineI')];
    case 1: {
      // EBX[31:24] initial APIC id, [23:16] logical processors (1), [15:8] CLFLUSH line size in qwords (8).
      const ebx = ((c.apicId & 0xff) << 24) | (1 << 16) | (8 << 8);
      const ecx = (1 << 13) /* CX16 */ | (1 << 23) /* POPCNT */;
      const edx = (1 << 4) /* TSC */ | (1 << 5) /* MSR */ | (1 << 6) /* PAE */ | (1 << 8) /* CX8 */ |
        (1 << 15) /* CMOV */ | (1 << 19) /* CLFSH */ | (1 << 25) /* SSE */ | (1 << 26) /* SSE2 */;
      return [0x000506e3, ebx >>> 0, ecx >>> 0, edx >>> 0];
    }
    case 7:
      if (sub !== 0) return [0, 0, 0, 0];
      // EBX: FSGSBASE(0) BMI1(3, TZCNT) SMEP(7) SMAP(20); ECX: RDPID(22).
      return [0, ((1 << 0) | (1 << 3) | (1 << 7) | (1 << 20)) >>> 0, (1 << 22) >>> 0, 0];
    case 0x80000000: return [0x80000008, 0, 0, 0];
    case 0x80000001:
      // ECX: LAHF/SAHF(0) LZCNT(5); EDX: SYSCALL(11) NX(20) RDTSCP(27) LM(29).
      return [0, 0, (1 | (1 << 5)) >>> 0, ((1 << 11) | (1 << 20) | (1 << 27) | (1 << 29)) >>> 0];
    case 0x80000007: return [0, 0, 0, 1 << 8]; // invariant TSC
    case 0x80000008: return [0x3030, 0, 0, 0]; // 48 physical / 48 linear address bits
    default: return [0, 0, 0, 0];
  }
}

function cpuid(c: Core): void {
  const [a, b, cx, dx] = cpuidValues(c, c.r[0] >>> 0, c.r[2] >>> 0);
  c.setHalves(0, a, 0); c.setHalves(3, b, 0); c.setHalves(1, cx, 0); c.setHalves(2, dx, 0);
}

function tscAux(c: Core): bigint {
  return c.msr.read(c, TSC_AUX) ?? BigInt(c.apicId);
}

/** RDTSC/RDTSCP: #GP(0) when CR4.TSD=1 and CPL>0 (SDM Vol. 2 RDTSC). */
function rdtsc(c: Core, d: Decoded): void {
  if ((c.cr4 & CR4_TSD) && c.cpl > 0) throw gp0('rdtsc with CR4.TSD=1 outside ring 0');
  const t = c.tsc();
  c.setHalves(0, Number(t & 0xffffffffn), 0);
  c.setHalves(2, Number(t >> 32n), 0);
  if (d.mnemonic === Mnemonic.Rdtscp) c.setHalves(1, Number(tscAux(c) & 0xffffffffn), 0);
}

function rdpid(c: Core, d: Decoded): void {
  c.setGpr(d.r0, tscAux(c) & 0xffffffffn);
}

/** STAC/CLAC: #UD at CPL>0 (SDM Vol. 2 STAC). */
function stac(c: Core, d: Decoded): void {
  if (c.cpl > 0) throw ud(`${d.mnemonic === Mnemonic.Stac ? 'stac' : 'clac'} outside ring 0`);
  if (d.mnemonic === Mnemonic.Stac) c.rflags |= AC; else c.rflags &= ~AC;
}

const nop = (): void => {};
const ud2 = (): void => { throw ud('ud2 executed'); };

registerMnemonicHandlers({
  [Mnemonic.Cpuid]: cpuid,
  [Mnemonic.Rdtsc]: rdtsc,
  [Mnemonic.Rdtscp]: rdtsc,
  [Mnemonic.Rdpid]: rdpid,
  [Mnemonic.Pause]: nop,
  [Mnemonic.Lfence]: nop,
  [Mnemonic.Mfence]: nop,
  [Mnemonic.Sfence]: nop,
  [Mnemonic.Nop]: nop,
  [Mnemonic.Endbr64]: nop,
  [Mnemonic.Prefetchnta]: nop, [Mnemonic.Prefetcht0]: nop, [Mnemonic.Prefetcht1]: nop, [Mnemonic.Prefetcht2]: nop,
  [Mnemonic.Prefetchw]: nop,
  [Mnemonic.Ud0]: ud2, [Mnemonic.Ud1]: ud2, [Mnemonic.Ud2]: ud2,
  // INT3 is delivered like a software interrupt (gate DPL checked), saved RIP after it (SDM Vol. 3A 6.12.1.1).
  [Mnemonic.Int3]: () => { throw new GuestFault(Vec.BP, undefined, 'software', 'int3'); },
  [Mnemonic.Int1]: () => { throw new GuestFault(Vec.DB, undefined, 'trap', 'int1'); },
  [Mnemonic.Stac]: stac,
  [Mnemonic.Clac]: stac,
});
