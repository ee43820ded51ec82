// The compiled-block path must never diverge from the interpreter: random programs (straight-line
// code and loops over integer ops, loads, stores, conditional branches and handler-only
// instructions) run both ways from the same state, and every register, flag and byte must match.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Core } from '../../emulator/cpu';
import { Attr, Memory } from '../../emulator/machine/memory';
import { nasm } from './helpers';

const REGS64 = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11'];
const REGS32 = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d'];
const CCS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

const reg = (w: 4 | 8) => fc.constantFrom(...(w === 8 ? REGS64 : REGS32));
const width = fc.constantFrom<4 | 8>(4, 8);
const imm = fc.oneof(fc.integer({ min: -2, max: 3 }), fc.integer({ min: -128, max: 127 }), fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(0, 1, -1, 0x7fffffff));

/** One instruction; memory operands use r15 (buffer base, never written) with an in-range offset. */
const insn = fc.oneof(
  width.chain((w) => fc.tuple(fc.constantFrom('add', 'sub', 'and', 'or', 'xor', 'cmp', 'test', 'adc', 'sbb'), reg(w), reg(w)).map(([o, a, b]) => `${o} ${a}, ${b}`)),
  width.chain((w) => fc.tuple(fc.constantFrom('add', 'sub', 'and', 'or', 'xor', 'cmp'), reg(w), imm).map(([o, a, i]) => `${o} ${a}, ${i}`)),
  width.chain((w) => fc.tuple(fc.constantFrom('add', 'sub', 'xor', 'cmp', 'mov'), reg(w), fc.integer({ min: 0, max: 30 })).map(([o, a, off]) => `${o} ${a}, [r15+${off * 8}]`)),
  width.chain((w) => fc.tuple(reg(w), fc.integer({ min: 0, max: 30 })).map(([a, off]) => `mov [r15+${off * 8}], ${a}`)),
  width.chain((w) => fc.tuple(fc.constantFrom('inc', 'dec', 'neg', 'not'), reg(w)).map(([o, a]) => `${o} ${a}`)),
  width.chain((w) => fc.tuple(fc.constantFrom('shl', 'shr', 'sar', 'rol', 'ror'), reg(w), fc.integer({ min: 0, max: w * 8 - 1 })).map(([o, a, n]) => `${o} ${a}, ${n}`)),
  width.chain((w) => fc.tuple(reg(w), reg(w)).map(([a, b]) => `mov ${a}, ${b}`)),
  fc.tuple(reg(8), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(([a, v]) => `mov ${a}, ${v}`),
  fc.tuple(fc.constantFrom(...CCS), reg(4), reg(4)).map(([cc, a, b]) => `cmov${cc} ${a}, ${b}`),
  fc.tuple(fc.constantFrom(...CCS), fc.constantFrom('al', 'bl', 'cl', 'dl')).map(([cc, a]) => `set${cc} ${a}`),
  fc.tuple(reg(8), reg(8)).map(([a, b]) => `lea ${a}, [${b}+${a}*2+5]`),
  fc.tuple(reg(4), reg(8), reg(8), fc.integer({ min: -0x80000000, max: 0x7fffffff })).map(([a, b, x, disp]) => `lea ${a}, [${b}+${x}*8${disp < 0 ? '' : '+'}${disp}]`),
  fc.tuple(reg(8), reg(8)).map(([a, b]) => `push ${a}\npop ${b}`),
  fc.constantFrom('stc', 'clc', 'cmc', 'nop', 'push rax\npop rbx', 'bt eax, 3', 'imul ecx, edx', 'rdtsc'),
);

/** A program: a prologue, then a counted loop whose body may branch forward on random conditions. */
const program = fc.record({
  pre: fc.array(insn, { minLength: 0, maxLength: 6 }),
  body: fc.array(fc.oneof(
    { weight: 6, arbitrary: insn },
    { weight: 1, arbitrary: fc.constantFrom(...CCS).map((cc) => `j${cc} .skip%`) },
    // loop/loopcc/jrcxz carry condition codes or test rCX but are not plain jcc.
    { weight: 1, arbitrary: fc.constantFrom('loop', 'loope', 'loopne', 'jrcxz', 'jecxz').map((o) => `cmp eax, ebx\n${o} .skip%`) },
    // A flag writer directly followed by a jcc: the fused-compare path of the block compiler.
    { weight: 3, arbitrary: width.chain((w) => fc.tuple(fc.constantFrom('cmp', 'sub', 'test', 'and', 'add', 'xor'), reg(w), fc.oneof(reg(w), imm.map(String)), fc.constantFrom(...CCS), fc.boolean()))
      .map(([o, a, b, cc, same]) => `${o} ${a}, ${same ? a : b}\nj${cc} .skip%`) },
    { weight: 1, arbitrary: width.chain((w) => fc.tuple(fc.constantFrom('inc', 'dec'), reg(w), fc.constantFrom(...CCS))).map(([o, a, cc]) => `${o} ${a}\nj${cc} .skip%`) },
  ), { minLength: 1, maxLength: 14 }),
  iterations: fc.integer({ min: 1, max: 40 }),
  // Small values make equal operands (and so the boundary cases of fused compares) common.
  regs: fc.array(fc.oneof(fc.bigInt({ min: 0n, max: 3n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fc.constantFrom(0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 63n, (1n << 64n) - 1n)), { minLength: 16, maxLength: 16 }),
  flags: fc.integer({ min: 0, max: 0x8d5 }),
});

function source(p: { pre: string[]; body: string[]; iterations: number }): string {
  let skip = 0;
  const body = p.body.map((l) => {
    if (!l.includes('.skip%')) return l;
    // Jump over the next instruction of the body.
    const label = `.skip${skip++}`;
    return `${l.replace('.skip%', label)}\n  nop\n${label}:`;
  });
  return [...p.pre, 'mov r14d, ' + p.iterations, '.loop:', ...body, 'dec r14d', 'jnz .loop'].join('\n');
}

function run(bytes: Uint8Array, regs: bigint[], flags: number, jit: boolean) {
  const memory = new Memory();
  memory.map(0x100000, 0x2000, Attr.Present | Attr.Writable | Attr.Executable);
  memory.writeBytes(0x100000, bytes);
  memory.map(0x200000, 0x1000, Attr.Present | Attr.Writable);
  memory.map(0x80000, 0x10000, Attr.Present | Attr.Writable);
  const buf = new Uint8Array(256).map((_, i) => (i * 73 + 11) & 0xff);
  memory.writeBytes(0x200000, buf);
  const core = new Core(memory);
  regs.forEach((v, i) => core.setGpr(i, v));
  core.setAddr(4, 0x90000);
  core.setGpr(15, 0x200000n);
  core.setRflags(flags | 2);
  core.rip = 0x100000;
  core.jit = jit;
  core.jitThreshold = 1;
  const end = 0x100000 + bytes.length;
  // The interpreter stops at a breakpoint; the compiled path stops at a ud2 after the program.
  memory.writeBytes(end, new Uint8Array([0x0f, 0x0b]));
  if (!jit) core.breakpoints.add(end);
  let ended = false;
  core.deliverHook = (c, v) => { ended = v === 6 && c.rip === end; c.stop('end'); };
  const why = core.run(200_000);
  return {
    ok: jit ? ended : why === 'breakpoint',
    regs: Array.from({ length: 16 }, (_, i) => core.getGpr(i)),
    flags: core.rflags & 0x8d5,
    mem: memory.readBytes(0x200000, 256),
    icount: core.icount,
    jitErrors: core.jitErrors,
  };
}

describe('compiled blocks vs interpreter', () => {
  it('random loops leave identical registers, flags, memory and instruction counts', () => {
    fc.assert(fc.property(program, (p) => {
      const bytes = nasm(source(p));
      const a = run(bytes, p.regs, p.flags, false);
      const b = run(bytes, p.regs, p.flags, true);
      expect(a.ok).toBe(true);
      expect(b.ok).toBe(true);
      expect(b.regs).toEqual(a.regs);
      expect(b.flags).toBe(a.flags);
      expect(b.mem).toEqual(a.mem);
      expect(b.icount).toBe(a.icount);
      expect(b.jitErrors).toEqual([]);
    }), { seed: 20261125, numRuns: 250 });
  });

  it('stops a compiled loop exactly at the budget and resumes with the same result', () => {
    const bytes = nasm('mov ecx, 1000\nxor eax, eax\n.l: add eax, ecx\nrol eax, 3\ndec ecx\njnz .l');
    const memory = new Memory();
    memory.map(0x100000, 0x1000, Attr.Present | Attr.Executable);
    memory.writeBytes(0x100000, bytes);
    const core = new Core(memory);
    core.rip = 0x100000;
    core.jitThreshold = 1;
    // 2 + 1000 * 4 instructions in slices of 37: every slice ends exactly on its budget.
    let total = 0;
    while (total < 4002) {
      const n = Math.min(37, 4002 - total);
      expect(core.run(n)).toBe('budget');
      total += n;
      expect(core.icount).toBe(total);
    }
    expect(core.rip).toBe(0x100000 + bytes.length);
    const ref = new Core(memory);
    ref.rip = 0x100000;
    ref.jit = false;
    ref.run(2 + 4000);
    expect(core.getGpr(0)).toBe(ref.getGpr(0));
  });
});

describe('self-modifying code in compiled blocks', () => {
  function runBoth(src: string): [bigint, bigint] {
    const bytes = nasm(src + '\nud2');
    const out: bigint[] = [];
    for (const jit of [false, true]) {
      const memory = new Memory();
      memory.map(0x100000, 0x1000, Attr.Present | Attr.Writable | Attr.Executable);
      memory.writeBytes(0x100000, bytes);
      const core = new Core(memory);
      core.rip = 0x100000;
      core.jit = jit;
      core.jitThreshold = 1;
      core.deliverHook = (c) => c.stop('end');
      core.run(10_000);
      out.push(core.getGpr(3));
    }
    return [out[0], out[1]];
  }

  it('a byte store patching the next instruction of the same block takes effect at once', () => {
    const [interp, jit] = runBoth(`
      mov ecx, 3
      xor ebx, ebx
    l: mov byte [rel patch + 1], cl
    patch: mov eax, 0
      add ebx, eax
      dec ecx
      jnz l`);
    expect(interp).toBe(6n);
    expect(jit).toBe(6n);
  });

  it('an inline dword store into the running loop body is seen on the next iteration', () => {
    const [interp, jit] = runBoth(`
      mov ecx, 4
      xor ebx, ebx
    l: add ebx, 1
    patch: add ebx, strict dword 0
      lea edx, [rcx * 8]
      mov dword [rel patch + 2], edx
      dec ecx
      jnz l`);
    // patch's imm32 becomes 32, 24, 16, 8 after each iteration: 1*4 + (0 + 32 + 24 + 16) = 76.
    expect(interp).toBe(76n);
    expect(jit).toBe(76n);
  });
});

describe('data next to code', () => {
  it('stores to non-code bytes of a code page keep the decoded code and compiled blocks', () => {
    const bytes = nasm(`
      mov ecx, 1000
    l: add dword [rel counter], 3
      dec ecx
      jnz l
      ud2
    counter: dd 0`);
    const memory = new Memory();
    memory.map(0x100000, 0x1000, Attr.Present | Attr.Writable | Attr.Executable);
    memory.writeBytes(0x100000, bytes);
    const core = new Core(memory);
    core.rip = 0x100000;
    core.deliverHook = (c) => c.stop('end');
    core.run(100);
    const loopHead = core.fetch(0x100005);
    core.run(10_000);
    expect(memory.readBytes(0x100000 + bytes.length - 4, 4)).toEqual(new Uint8Array([0xb8, 0x0b, 0, 0])); // 3000
    expect(core.fetch(0x100005)).toBe(loopHead); // not re-decoded
    // Overwriting an instruction byte still drops it.
    memory.writeBytes(0x100005, new Uint8Array([0x90]));
    expect(core.fetch(0x100005)).not.toBe(loopHead);
  });
});

describe('breakpoints with compiled blocks', () => {
  it('stops at a breakpoint inside a hot loop body on every iteration', () => {
    const bytes = nasm('mov ecx, 5\nxor eax, eax\nl: add eax, 2\nmark: inc eax\ndec ecx\njnz l');
    const memory = new Memory();
    memory.map(0x100000, 0x1000, Attr.Present | Attr.Executable);
    memory.writeBytes(0x100000, bytes);
    const core = new Core(memory);
    core.rip = 0x100000;
    core.jitThreshold = 1;
    const mark = 0x100000 + 5 + 2 + 3; // mov ecx (5), xor (2), add eax, 2 (3)
    // Warm the loop up without breakpoints so its block is compiled, then break inside it.
    core.run(2 + 4 * 2);
    core.breakpoints.add(mark);
    const hits: number[] = [];
    while (core.run(1000) === 'breakpoint') hits.push(core.getLo(0));
    expect(hits).toEqual([8, 11, 14]);
    expect(core.getLo(0)).toBe(15);
  });

  it('stops at a breakpoint on the start of a self-looping block', () => {
    const bytes = nasm('mov ecx, 4\nl: dec ecx\njnz l\nnop');
    const memory = new Memory();
    memory.map(0x100000, 0x1000, Attr.Present | Attr.Executable);
    memory.writeBytes(0x100000, bytes);
    const core = new Core(memory);
    core.rip = 0x100000;
    core.jitThreshold = 1;
    core.run(3);
    core.breakpoints.add(0x100005);
    const seen: number[] = [];
    while (core.run(1000) === 'breakpoint') seen.push(core.getLo(1));
    expect(seen).toEqual([2, 1]); // the warm-up already ran one dec
  });
});
