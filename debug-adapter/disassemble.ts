// Disassembly for the DAP disassemble request: decodes guest memory with iced-x86 (NASM syntax),
// walking backwards over the assembler's known instruction starts (x86 cannot be decoded backwards).

import { Decoder, DecoderOptions, Formatter, FormatterSyntax, Instruction } from 'iced-x86';
import type { Machine } from '../emulator/machine/machine';

export interface DisassembledLine {
  address: number;
  text: string;
  /** Hex bytes, space separated. */
  bytes: string;
  /** False for unmapped or unknown addresses (placeholders keep the requested count). */
  mapped: boolean;
}

const MAX_INSN = 15; // longest x86 instruction (Intel SDM Vol 2A, 2.3.11)

// One formatter and one scratch instruction for the process (WASM objects are reused, not leaked).
let formatter: Formatter | undefined;
let scratch: Instruction | undefined;

/** Mapped bytes from `address` on, stopping at the first unmapped page. */
function readMapped(m: Machine, address: number, length: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let a = address;
  let left = length;
  while (left > 0) {
    const n = Math.min(left, 4096 - (a % 4096));
    const b = m.readMemory(a, n);
    if (!b) break;
    chunks.push(b);
    a += n;
    left -= n;
  }
  const out = new Uint8Array(length - left);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function knownStarts(m: Machine): number[] {
  const s = new Set<number>();
  for (const l of m.program.lines) if (l.kind === 'instruction' && l.size > 0) s.add(l.address);
  return [...s].sort((a, b) => a - b);
}

/** `count` instructions starting `instructionOffset` instructions away from `start`. */
export function disassemble(m: Machine, start: number, instructionOffset: number, count: number): DisassembledLine[] {
  const out: DisassembledLine[] = [];
  let from = start;
  let skip = 0;
  if (instructionOffset < 0) {
    const starts = knownStarts(m).filter((a) => a < start);
    const back = -instructionOffset;
    const missing = Math.max(0, back - starts.length);
    for (let i = missing; i > 0 && out.length < count; i--) {
      out.push({ address: Math.max(0, (starts[0] ?? start) - i), text: '??', bytes: '', mapped: false });
    }
    from = starts.length > 0 && missing < back ? starts[starts.length - (back - missing)]! : start;
  } else skip = instructionOffset;
  const need = count - out.length + skip;
  if (need <= 0) return out.slice(0, count);
  const bytes = readMapped(m, from, Math.min(need * MAX_INSN, 1 << 20));
  formatter ??= new Formatter(FormatterSyntax.Nasm);
  scratch ??= new Instruction();
  const dec = new Decoder(64, bytes, DecoderOptions.None);
  try {
    dec.ip = BigInt(from);
    let produced = 0;
    while (produced < need && dec.canDecode) {
      const pos = dec.position;
      dec.decodeOut(scratch);
      const len = scratch.length;
      if (produced >= skip) {
        const b = Array.from(bytes.subarray(pos, pos + len), (x) => x.toString(16).padStart(2, '0')).join(' ');
        out.push({ address: from + pos, text: scratch.isInvalid ? '(bad)' : formatter.format(scratch), bytes: b, mapped: true });
      }
      produced++;
    }
    // Past the mapped bytes: placeholders so the view gets the count it asked for.
    let a = from + dec.position;
    while (produced < need) {
      if (produced >= skip) out.push({ address: a, text: '(unmapped)', bytes: '', mapped: false });
      produced++;
      a++;
    }
  } finally {
    dec.free();
  }
  return out.slice(0, count);
}
