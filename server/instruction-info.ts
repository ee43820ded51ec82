// What one assembled instruction reads and writes, from iced-x86's InstructionInfoFactory
// (registers and memory with their access, RFLAGS read/written) plus its NASM-syntax text.
// The only server module that holds iced-x86 WASM handles; everything it returns is plain data.

import { Decoder, DecoderOptions, Formatter, FormatterSyntax, InstructionInfoFactory, OpAccess, Register, RflagsBits } from 'iced-x86';

export interface MemoryUse {
  segment: string;
  base: string;
  index: string;
  scale: number;
  displacement: bigint;
  access: 'read' | 'write' | 'read/write' | 'address only';
}

export interface InstructionUse {
  nasm: string;
  regsRead: string[];
  regsWritten: string[];
  memory: MemoryUse[];
  flagsRead: string[];
  flagsWritten: string[];
}

const FLAG_NAMES: [number, string][] = [
  [RflagsBits.OF, 'OF'],
  [RflagsBits.SF, 'SF'],
  [RflagsBits.ZF, 'ZF'],
  [RflagsBits.AF, 'AF'],
  [RflagsBits.CF, 'CF'],
  [RflagsBits.PF, 'PF'],
  [RflagsBits.DF, 'DF'],
  [RflagsBits.IF, 'IF'],
  [RflagsBits.AC, 'AC'],
];

function flags(bits: number): string[] {
  return FLAG_NAMES.filter(([b]) => (bits & b) !== 0).map(([, n]) => n);
}

function regName(r: Register): string {
  return r === Register.None ? '' : String(Register[r]).toLowerCase();
}

function reads(a: OpAccess): boolean {
  return a === OpAccess.Read || a === OpAccess.CondRead || a === OpAccess.ReadWrite || a === OpAccess.ReadCondWrite;
}
function writes(a: OpAccess): boolean {
  return a === OpAccess.Write || a === OpAccess.CondWrite || a === OpAccess.ReadWrite || a === OpAccess.ReadCondWrite;
}

let factory: InstructionInfoFactory | undefined;
let formatter: Formatter | undefined;

/** Decodes `bytes` as one 64-bit instruction at `address`; undefined when they do not decode. */
export function instructionUse(bytes: Uint8Array, address: number): InstructionUse | undefined {
  if (bytes.length === 0) return undefined;
  factory ??= new InstructionInfoFactory();
  if (!formatter) {
    formatter = new Formatter(FormatterSyntax.Nasm);
    formatter.hexPrefix = '0x';
    formatter.hexSuffix = '';
    formatter.spaceAfterOperandSeparator = true;
  }
  const decoder = new Decoder(64, bytes, DecoderOptions.None);
  try {
    decoder.ip = BigInt(address);
    const instr = decoder.decode();
    try {
      if (instr.isInvalid) return undefined;
      const info = factory.info(instr);
      const regsRead = new Set<string>();
      const regsWritten = new Set<string>();
      const memory: MemoryUse[] = [];
      try {
        for (const u of info.usedRegisters()) {
          const name = regName(u.register);
          if (name && reads(u.access)) regsRead.add(name);
          if (name && writes(u.access)) regsWritten.add(name);
          u.free();
        }
        for (const m of info.usedMemory()) {
          memory.push({
            segment: regName(m.segment),
            base: regName(m.base),
            index: regName(m.index),
            scale: m.scale,
            displacement: BigInt.asIntN(64, m.displacement),
            access: m.access === OpAccess.NoMemAccess ? 'address only' : reads(m.access) && writes(m.access) ? 'read/write' : writes(m.access) ? 'write' : 'read',
          });
          m.free();
        }
      } finally {
        info.free();
      }
      return {
        nasm: formatter.format(instr),
        regsRead: [...regsRead],
        regsWritten: [...regsWritten],
        memory,
        flagsRead: flags(instr.rflagsRead),
        flagsWritten: flags(instr.rflagsModified),
      };
    } finally {
      instr.free();
    }
  } catch {
    return undefined;
  } finally {
    decoder.free();
  }
}
