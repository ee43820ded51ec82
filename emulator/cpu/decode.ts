// The only module that talks to iced-x86 for execution: decodes bytes at an address once,
// copies the fields the handlers need into a plain Decoded record, and caches it per page.

import { Decoder, DecoderError, DecoderOptions, Formatter, FormatterSyntax, Instruction, MemorySizeExt, Mnemonic, OpKind, Register } from 'iced-x86';
import type { Page } from '../machine/memory';
import type { Core } from './core';
import { Decoded, Handler, K, MB_NONE, MB_RIP } from './decoded';
import { lookupHandler } from './dispatch';
import { ud } from './fault';



// One reusable iced Instruction (decodeOut) and formatter for the whole process.
let scratch: Instruction | null = null;
let formatter: Formatter | null = null;

/** Map an iced Register to [kind, index, size in bytes]. */
function regInfo(reg: number): [number, number, number] {
  if (reg >= Register.AL && reg <= Register.R15L) {
    const i = reg - Register.AL;
    if (i >= 4 && i <= 7) return [K.Gpr, 16 + (i - 4), 1]; // AH CH DH BH
    if (i >= 8) return [K.Gpr, i - 4, 1];                  // SPL BPL SIL DIL R8L..R15L
    return [K.Gpr, i, 1];
  }
  if (reg >= Register.AX && reg <= Register.R15W) return [K.Gpr, reg - Register.AX, 2];
  if (reg >= Register.EAX && reg <= Register.R15D) return [K.Gpr, reg - Register.EAX, 4];
  if (reg >= Register.RAX && reg <= Register.R15) return [K.Gpr, reg - Register.RAX, 8];
  if (reg >= Register.ES && reg <= Register.GS) return [K.Seg, reg - Register.ES, 2];
  if (reg >= Register.XMM0 && reg <= Register.XMM15) return [K.Xmm, reg - Register.XMM0, 16];
  return [K.Other, reg, 8];
}

/** Index of a GPR used in addressing (any width), -1 for none. */
function addrReg(reg: number): number {
  if (reg === Register.None) return MB_NONE;
  if (reg === Register.RIP || reg === Register.EIP) return MB_RIP;
  const [k, i] = regInfo(reg);
  return k === K.Gpr ? i : MB_NONE;
}

function immSize(kind: number): number {
  switch (kind) {
    case OpKind.Immediate8: case OpKind.Immediate8_2nd: return 1;
    case OpKind.Immediate16: case OpKind.Immediate8to16: return 2;
    case OpKind.Immediate32: case OpKind.Immediate8to32: return 4;
    default: return 8;
  }
}

function signed64(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/** Text of the instruction for messages ("vpaddd xmm0,xmm1,xmm2"). */
export function formatInstruction(insn: Instruction): string {
  if (!formatter) formatter = new Formatter(FormatterSyntax.Nasm);
  return formatter.format(insn);
}

function mnemonicName(m: number): string {
  return (Mnemonic as unknown as Record<number, string>)[m]?.toLowerCase() ?? `mnemonic ${m}`;
}

function unimplemented(name: string, text: string): Handler {
  return () => { throw ud(`instruction '${name}' is not implemented by the emulator (${text})`); };
}

const invalidHandler: Handler = (_c, d) => { throw ud(`invalid instruction encoding at 0x${BigInt.asUintN(64, BigInt(d.ip)).toString(16)}`); };

/** Decode one instruction from `bytes` at linear address `ip` into a fresh Decoded (no cache). */
export function decodeBytes(bytes: Uint8Array, ip: number): { d: Decoded; error: number } {
  const dec = new Decoder(64, bytes, DecoderOptions.None);
  try {
    dec.ip = BigInt.asUintN(64, BigInt(ip));
    if (!scratch) scratch = new Instruction();
    dec.decodeOut(scratch);
    return { d: fromIced(scratch, ip), error: dec.lastError };
  } finally {
    dec.free();
  }
}

function fromIced(insn: Instruction, ip: number): Decoded {
  const d: Decoded = {
    ip, len: insn.length, next: ip + insn.length, code: insn.code, mnemonic: insn.mnemonic,
    fn: invalidHandler, nops: insn.opCount,
    k0: 0, r0: 0, s0: 0, k1: 0, r1: 0, s1: 0, k2: 0, r2: 0, s2: 0,
    mb: MB_NONE, mi: -1, ms: 1, md: 0, mseg: -1, asz: 8,
    imm: 0, immHi: 0, imm2: 0, target: 0, rep: 0, lock: insn.hasLockPrefix, cc: insn.conditionCode,
    x0: 0, x1: 0, x2: 0, fr: 0, fw: 0, flow: 0, hits: 0, text: '',
  };
  if (insn.isInvalid) { d.len = Math.max(1, d.len); d.next = ip + d.len; return d; }
  d.fr = insn.rflagsRead & 63;
  d.fw = insn.rflagsModified & 63;
  d.flow = insn.flowControl;
  d.rep = insn.hasRepnePrefix ? 2 : insn.hasRepePrefix || insn.hasRepPrefix ? 1 : 0;
  let memSeen = false;
  let immSeen = false;
  const n = Math.min(insn.opCount, 3);
  for (let i = 0; i < n; i++) {
    const kind = insn.opKind(i);
    let k = K.None, r = 0, s = 0, x = 0;
    switch (kind) {
      case OpKind.Register: {
        x = insn.opRegister(i);
        [k, r, s] = regInfo(x);
        break;
      }
      case OpKind.NearBranch16: case OpKind.NearBranch32: case OpKind.NearBranch64:
        k = K.Branch; s = 8;
        d.target = signed64(insn.nearBranchTarget);
        break;
      case OpKind.Memory:
        k = K.Mem; memSeen = true;
        s = MemorySizeExt.size(insn.memorySize);
        break;
      case OpKind.MemorySegSI: case OpKind.MemorySegESI: case OpKind.MemorySegRSI:
      case OpKind.MemorySegDI: case OpKind.MemorySegEDI: case OpKind.MemorySegRDI:
      case OpKind.MemoryESDI: case OpKind.MemoryESEDI: case OpKind.MemoryESRDI:
        k = K.StrMem; s = MemorySizeExt.size(insn.memorySize);
        d.asz = kind === OpKind.MemorySegESI || kind === OpKind.MemorySegEDI || kind === OpKind.MemoryESEDI ? 4 : 8;
        break;
      case OpKind.FarBranch16: case OpKind.FarBranch32:
        k = K.Other; s = 0;
        break;
      default: {
        // Immediates: the value is already extended to its kind's width by iced.
        k = K.Imm; s = immSize(kind);
        const v = insn.immediate(i);
        if (kind === OpKind.Immediate8_2nd || immSeen) d.imm2 = Number(v & 0xffffffffn);
        else {
          immSeen = true;
          d.imm = Number(v & 0xffffffffn);
          d.immHi = Number((v >> 32n) & 0xffffffffn) | 0;
        }
      }
    }
    if (i === 0) { d.k0 = k; d.r0 = r; d.s0 = s; d.x0 = x; }
    else if (i === 1) { d.k1 = k; d.r1 = r; d.s1 = s; d.x1 = x; }
    else { d.k2 = k; d.r2 = r; d.s2 = s; d.x2 = x; }
  }
  if (memSeen) {
    d.mb = addrReg(insn.memoryBase);
    d.mi = addrReg(insn.memoryIndex);
    d.ms = insn.memoryIndexScale;
    d.md = signed64(insn.memoryDisplacementU64);
    const b = insn.memoryBase, x = insn.memoryIndex;
    if ((b >= Register.EAX && b <= Register.R15D) || b === Register.EIP || (x >= Register.EAX && x <= Register.R15D)) {
      d.asz = 4;
      if (b !== Register.EIP) d.md = Number(insn.memoryDisplacementU64 & 0xffffffffn);
    }
  }
  const seg = insn.segmentPrefix;
  if (seg === Register.FS) d.mseg = 4;
  else if (seg === Register.GS) d.mseg = 5;
  return d;
}

/**
 * Decode the instruction at `rip` on page `p` (already checked for execute), cache it, and return it.
 * An instruction crossing into the next page needs that page to be executable too (#PF otherwise).
 */
export function decodeAt(core: Core, p: Page, rip: number): Decoded {
  const off = rip & 4095;
  const data = p.data;
  let bytes = data.subarray(off, Math.min(4096, off + 15));
  let { d, error } = decodeBytes(bytes, rip);
  let next: Page | null = null;
  if (error === DecoderError.NoMoreBytes && bytes.length < 15) {
    next = core.mmu.fetchPage(rip - off + 4096);
    const buf = new Uint8Array(15);
    buf.set(bytes);
    buf.set(next.data.subarray(0, 15 - bytes.length), bytes.length);
    bytes = buf;
    ({ d, error } = decodeBytes(bytes, rip));
  }
  if (error !== DecoderError.None || d.code === 0) {
    d.fn = invalidHandler;
  } else {
    const h = lookupHandler(d);
    if (h) d.fn = h;
    else {
      const text = formatInstruction(scratch!);
      d.text = text;
      d.fn = unimplemented(mnemonicName(d.mnemonic), text);
    }
  }
  // Mark the instruction's bytes as code (on the next page too when it crosses), so writes to
  // them drop the decoded copy (self-modifying code) while writes to other bytes do not.
  if (next !== null && d.next - (rip - off) > 4096) core.memory.markCode(next, next.code ?? [], 0, d.next - (rip - off) - 4096);
  const cache = p.code ?? [];
  core.memory.markCode(p, cache, off, d.len);
  cache[off] = d;
  return d;
}

/** Decode without caching or side effects (disassembly views): null when unmapped. */
export function disassemble(core: Core, addr: number): { d: Decoded; text: string } | null {
  const bytes = core.memory.readBytes(addr, 15) ?? core.memory.readBytes(addr, 4096 - (addr & 4095));
  if (!bytes) return null;
  const { d } = decodeBytes(bytes, addr);
  return { d, text: formatInstruction(scratch!) };
}


