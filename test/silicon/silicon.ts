// Real-silicon comparison: runs a snippet natively (NASM + a gcc-built harness) and in the emulator
// on the same input states, and reports differences in GPRs, defined RFLAGS, memory and faults.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { Decoder, DecoderOptions } from 'iced-x86';
import { Core, Vec } from '../../emulator/cpu';
import { Attr, Memory } from '../../emulator/machine/memory';

export const REG_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
export const MEM = 15; // r15 points at the 256-byte memory buffer in every snippet
const STATE_SIZE = 160 + 256;
const ARITH = 0x8d5n;
const DF = 0x400n;

export interface State {
  r: bigint[];        // 16 registers (rsp ignored)
  flags: bigint;
  relmask: number;    // registers that are offsets into mem
  mem: Uint8Array;    // 256 bytes
  fault: number;      // 0, or the signal number the snippet raised
}

const WORK = join(tmpdir(), `swapgs-silicon-${process.pid}`);
let harnessPath: string | null = null;
/** Remove this process's scratch directory (snippets, harness binary). */
export function cleanup(): void {
  rmSync(WORK, { recursive: true, force: true });
  harnessPath = null;
}

export function siliconAvailable(): boolean {
  try {
    execFileSync('nasm', ['-v'], { stdio: 'pipe' });
    execFileSync('gcc', ['--version'], { stdio: 'pipe' });
    return process.arch === 'x64' && process.platform === 'linux';
  } catch { return false; }
}

function harness(): string {
  if (harnessPath) return harnessPath;
  mkdirSync(WORK, { recursive: true });
  const out = join(WORK, 'harness');
  if (!existsSync(out)) {
    execFileSync('gcc', ['-O1', '-o', out, join(dirname(fileURLToPath(import.meta.url)), 'harness.c')], { stdio: 'pipe' });
  }
  harnessPath = out;
  return out;
}

const PROLOGUE = `
bits 64
org 0
  push rbx
  push rbp
  push r12
  push r13
  push r14
  push r15
  push rdi
  push qword [rdi+128]
  popfq
  mov rax, [rdi+0]
  mov rcx, [rdi+8]
  mov rdx, [rdi+16]
  mov rbx, [rdi+24]
  mov rbp, [rdi+40]
  mov rsi, [rdi+48]
  mov r8, [rdi+64]
  mov r9, [rdi+72]
  mov r10, [rdi+80]
  mov r11, [rdi+88]
  mov r12, [rdi+96]
  mov r13, [rdi+104]
  mov r14, [rdi+112]
  mov r15, [rdi+120]
  mov rdi, [rdi+56]
s_start:
`;
const EPILOGUE = `
s_end:
  push rdi
  mov rdi, [rsp+8]
  mov [rdi+0], rax
  pushfq
  pop rax
  mov [rdi+128], rax
  mov [rdi+8], rcx
  mov [rdi+16], rdx
  mov [rdi+24], rbx
  mov [rdi+40], rbp
  mov [rdi+48], rsi
  mov [rdi+64], r8
  mov [rdi+72], r9
  mov [rdi+80], r10
  mov [rdi+88], r11
  mov [rdi+96], r12
  mov [rdi+104], r13
  mov [rdi+112], r14
  mov [rdi+120], r15
  pop rax
  mov [rdi+56], rax
  pop rdi
  pop r15
  pop r14
  pop r13
  pop r12
  pop rbp
  pop rbx
  ret
align 4
  dd s_start, s_end
`;

let snippetCounter = 0;

/** Assemble a snippet inside the harness prologue/epilogue; returns the whole image and the snippet's bytes. */
export function assemble(snippet: string): { image: Uint8Array; bytes: Uint8Array; path: string } {
  mkdirSync(WORK, { recursive: true });
  const base = join(WORK, `s${snippetCounter++}`);
  writeFileSync(base + '.asm', PROLOGUE + snippet + EPILOGUE);
  execFileSync('nasm', ['-f', 'bin', '-o', base + '.bin', base + '.asm'], { stdio: 'pipe' });
  const image = new Uint8Array(readFileSync(base + '.bin'));
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const start = dv.getUint32(image.length - 8, true), end = dv.getUint32(image.length - 4, true);
  return { image, bytes: image.slice(start, end), path: base + '.bin' };
}

function encode(states: State[]): Buffer {
  const buf = Buffer.alloc(states.length * STATE_SIZE);
  states.forEach((s, k) => {
    const o = k * STATE_SIZE;
    for (let i = 0; i < 16; i++) buf.writeBigUInt64LE(BigInt.asUintN(64, s.r[i]), o + 8 * i);
    buf.writeBigUInt64LE(s.flags, o + 128);
    buf.writeBigUInt64LE(BigInt(s.relmask), o + 136);
    buf.set(s.mem, o + 160);
  });
  return buf;
}

function decode(buf: Buffer): State[] {
  const out: State[] = [];
  for (let o = 0; o + STATE_SIZE <= buf.length; o += STATE_SIZE) {
    const r: bigint[] = [];
    for (let i = 0; i < 16; i++) r.push(buf.readBigUInt64LE(o + 8 * i));
    out.push({
      r, flags: buf.readBigUInt64LE(o + 128), relmask: Number(buf.readBigUInt64LE(o + 136)),
      fault: Number(buf.readBigUInt64LE(o + 144)), mem: new Uint8Array(buf.subarray(o + 160, o + STATE_SIZE)),
    });
  }
  return out;
}

export function runNative(path: string, states: State[]): State[] {
  // A snippet that never ends natively must fail the test, not hang the suite.
  const res = spawnSync(harness(), [path], { input: encode(states), maxBuffer: 1 << 28, timeout: 20_000 });
  if (res.status !== 0) throw new Error(`harness failed (${res.signal ?? res.status}): ${res.stderr?.toString()}`);
  return decode(res.stdout);
}

const EMU_CODE = 0x100000;
const EMU_MEM = 0x200000;
const SIG = { FPE: 8, ILL: 4, SEGV: 11, BUS: 7 };

/** The signal Linux sends for an exception vector (arch/x86 traps). */
function signalOf(vector: number): number {
  if (vector === Vec.DE) return SIG.FPE;
  if (vector === Vec.UD) return SIG.ILL;
  if (vector === Vec.AC) return SIG.BUS;
  return SIG.SEGV;
}

/**
 * Run the snippet in the emulator. 'interpreter' (core.jit = false) stops at a breakpoint after
 * the snippet; 'jit' compiles every block on first sight and ends at a ud2 placed
 * after the snippet, so the compiled-block path is checked against silicon too.
 */
export function runEmulator(bytes: Uint8Array, states: State[], mode: 'interpreter' | 'jit' = 'interpreter'): State[] {
  const memory = new Memory();
  memory.map(EMU_CODE, 0x2000, Attr.Present | Attr.User | Attr.Executable);
  memory.writeBytes(EMU_CODE, bytes);
  const endAddr = EMU_CODE + bytes.length;
  if (mode === 'jit') memory.writeBytes(endAddr, new Uint8Array([0x0f, 0x0b]));
  memory.map(EMU_MEM, 0x1000, Attr.Present | Attr.Writable | Attr.User);
  memory.map(0x80000, 0x10000, Attr.Present | Attr.Writable | Attr.User);
  const out: State[] = [];
  for (const s of states) {
    const core = new Core(memory, 0);
    // Run as user code (CPL 3), as the native harness does.
    core.setSegment(1, { ...core.seg[1], selector: 0x2b, dpl: 3 });
    let vector = -1;
    core.deliverHook = (c, v) => { if (!(mode === 'jit' && v === Vec.UD && c.rip === endAddr)) vector = v; c.stop('fault'); };
    core.jit = mode === 'jit';
    core.jitThreshold = 0;
    memory.writeBytes(EMU_MEM, s.mem);
    for (let i = 0; i < 16; i++) {
      const v = BigInt.asUintN(64, s.r[i] + ((s.relmask >> i) & 1 ? BigInt(EMU_MEM) : 0n));
      core.setGpr(i, v);
    }
    core.setAddr(4, 0x90000);
    core.setRflags(Number(s.flags));
    core.rip = EMU_CODE;
    if (mode === 'interpreter') core.breakpoints.add(endAddr);
    const why = core.run(1_000_000);
    if (why === 'budget') throw new Error('snippet did not finish in the emulator');
    const r: bigint[] = [];
    for (let i = 0; i < 16; i++) r.push(BigInt.asUintN(64, core.getGpr(i) - ((s.relmask >> i) & 1 ? BigInt(EMU_MEM) : 0n)));
    out.push({
      r, flags: BigInt(core.rflags), relmask: s.relmask, fault: vector >= 0 ? signalOf(vector) : 0,
      mem: memory.readBytes(EMU_MEM, 256)!,
    });
    core.mmu.dispose();
  }
  return out;
}

/** Flags the snippet's instructions leave undefined (iced-x86 per-instruction tables), as a mask. */
export function undefinedFlags(bytes: Uint8Array): bigint {
  const dec = new Decoder(64, bytes, DecoderOptions.None);
  let undef = 0n;
  try {
    for (const insn of dec.decodeAll()) { undef |= BigInt(insn.rflagsUndefined); insn.free(); }
  } finally { dec.free(); }
  // iced's RflagsBits: OF=1 SF=2 ZF=4 AF=8 CF=0x10 PF=0x20 DF=0x40 -> RFLAGS bit positions.
  const map: [bigint, bigint][] = [[1n, 0x800n], [2n, 0x80n], [4n, 0x40n], [8n, 0x10n], [0x10n, 1n], [0x20n, 4n], [0x40n, 0x400n]];
  let m = 0n;
  for (const [i, f] of map) if (undef & i) m |= f;
  return m;
}

export interface Mismatch { input: State; native: State; emulator: State; what: string }

/** Compare emulator and native results for one snippet. `extraMask`: more flags to ignore. */
export function compare(snippet: string, states: State[], extraMask = 0n, ignoreRegs: number[] = []): Mismatch[] {
  const { bytes, path } = assemble(snippet);
  const nat = runNative(path, states);
  const emu = runEmulator(bytes, states);
  const jit = runEmulator(bytes, states, 'jit');
  const flagMask = (ARITH | DF) & ~undefinedFlags(bytes) & ~extraMask;
  const bad: Mismatch[] = [];
  for (let k = 0; k < 2 * states.length; k++) {
    const a = nat[k % states.length], b = k < states.length ? emu[k] : jit[k - states.length];
    const diffs: string[] = [];
    if (a.fault !== b.fault) diffs.push(`fault native=${a.fault} emulator=${b.fault}`);
    if (!a.fault && !b.fault) {
      for (let i = 0; i < 16; i++) {
        if (i === 4 || ignoreRegs.includes(i)) continue;
        if (a.r[i] !== b.r[i]) diffs.push(`${REG_NAMES[i]} native=0x${a.r[i].toString(16)} emulator=0x${b.r[i].toString(16)}`);
      }
      if ((a.flags & flagMask) !== (b.flags & flagMask)) {
        diffs.push(`rflags native=0x${(a.flags & flagMask).toString(16)} emulator=0x${(b.flags & flagMask).toString(16)} (mask 0x${flagMask.toString(16)})`);
      }
      for (let i = 0; i < 256; i++) if (a.mem[i] !== b.mem[i]) { diffs.push(`mem[${i}] native=${a.mem[i]} emulator=${b.mem[i]}`); break; }
    }
    if (diffs.length) bad.push({ input: states[k % states.length], native: a, emulator: b, what: (k < states.length ? '' : '[compiled block] ') + diffs.join('; ') });
  }
  return bad;
}

export function describeMismatch(snippet: string, m: Mismatch): string {
  const regs = m.input.r.map((v, i) => `${REG_NAMES[i]}=0x${BigInt.asUintN(64, v).toString(16)}`).filter((_, i) => i !== 4 && i !== 15);
  return `${snippet.trim()}\n  input: ${regs.join(' ')} rflags=0x${m.input.flags.toString(16)}\n  ${m.what}`;
}

// ---------------------------------------------------------------- input generation

const EDGE = [0n, 1n, 2n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn,
  0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0xfffffffffffffffen];

/** A 64-bit value biased to edges, small numbers and sign boundaries of every width. */
export const u64 = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE) },
  { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 300n }) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(8n, 16n, 32n, 64n), fc.bigInt({ min: -3n, max: 3n }))
      .map(([w, d]) => BigInt.asUintN(64, (1n << (w - 1n)) + d)) },
);

export const flagsArb = fc.integer({ min: 0, max: 0x8d5 }).map((f) => BigInt((f & 0x8d5) | 2));

export interface GenOptions {
  /** Registers to make memory offsets (e.g. rsi/rdi for strings); value range 0..limit. */
  rel?: { reg: number; min: number; max: number }[];
  /** Allow DF=1 in the input flags. */
  df?: boolean;
  /** Post-process a state (e.g. keep a divisor non-zero). */
  fix?: (s: State) => void;
}

export function genStates(n: number, seed: number, opts: GenOptions = {}): State[] {
  const arb = fc.record({
    r: fc.array(u64, { minLength: 16, maxLength: 16 }),
    flags: flagsArb,
    df: fc.boolean(),
    mem: fc.uint8Array({ minLength: 256, maxLength: 256 }),
    rel: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
  });
  return fc.sample(arb, { seed, numRuns: n }).map((x) => {
    const s: State = { r: x.r, flags: x.flags | (opts.df && x.df ? DF : 0n), relmask: 0, mem: x.mem, fault: 0 };
    s.r[4] = 0n;
    s.r[MEM] = 0n;
    s.relmask = 1 << MEM;
    (opts.rel ?? []).forEach((q, i) => {
      s.relmask |= 1 << q.reg;
      s.r[q.reg] = BigInt(q.min + (x.rel[i % 4] % (q.max - q.min + 1)));
    });
    opts.fix?.(s);
    return s;
  });
}
