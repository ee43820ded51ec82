// The assembler driver against `nasm -f bin`: every fixture must assemble to the same bytes,
// plus the program model (sections, symbols, line table, records) a user of the image relies on.

import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../emulator/asm/index';
import type { FileHost } from '../../emulator/asm/types';
import { diffSource, diffWithNasm } from './nasm-diff';

const FIXTURES = path.join(__dirname, '../fixtures/asm');
const noFiles: FileHost = { readText: () => undefined, readBytes: () => undefined, resolve: () => undefined };
const asm = (src: string) => assemble(src, 'test.asm', { host: noFiles });
const errors = (src: string) => asm(src).diagnostics.filter((d) => d.severity === 'error');

describe('differential against nasm -f bin (fixtures)', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.asm')).sort();
  it('has fixtures', () => expect(files.length).toBeGreaterThan(5));
  for (const f of files) {
    it(f, () => {
      const r = diffWithNasm(path.join(FIXTURES, f));
      expect(r.nasmError).toBeUndefined();
      expect(r.ours.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(r.mismatch).toBeUndefined();
    });
  }
});

describe('differential against nasm -f bin (examples/)', () => {
  const dir = path.join(__dirname, '../../examples');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.asm')).sort() : [];
  for (const f of files) {
    it(f, () => {
      const r = diffWithNasm(path.join(dir, f));
      expect(r.nasmError).toBeUndefined();
      expect(r.mismatch).toBeUndefined();
    });
  }
});

describe('differential against nasm -f bin (snippets)', () => {
  const cases: Record<string, string> = {
    'backward and forward short/near jumps': 'bits 64\nx: times 100 nop\njmp x\njmp y\ntimes 130 nop\ny: jmp x\n',
    'jump chain where each size depends on the next': Array.from({ length: 40 }, (_, i) => `l${i}: jmp l${i + 1}\n times ${i % 7} nop`).join('\n') + '\nl40: ret\n',
    'forward equ used as imm8': 'bits 64\nadd rax, K\npush K\nK equ 5\n',
    'label differences are constants': 'bits 64\na: nop\nb: mov eax, b - a\nadd eax, c - b\nc:\n',
    'times with $ in the body': 'bits 64\ntimes 4 dw $ - $$\n',
    'align in data pads with NOP like nasm': 'bits 64\nsection .data align=4096\ndb 1\nalign 16\ndb 2\n',
    'explicit start= on a section': 'bits 64\nsection .text align=4096\nnop\nsection .hi start=0x108000\ndq $\n',
    'sections declared before .text': 'bits 64\nsection .data align=4096\nd: dq t\nsection .text align=4096\nt: mov rax, [d]\n',
    'empty trailing section': 'bits 64\nsection .text align=4096\nnop\nsection .data align=4096\n',
    'follows= places a section after another': 'bits 64\nsection .text align=4096\nnop\nsection .a follows=.text align=16\ndb 1\nsection .b align=4096\ndq $\n',
    'vstart= moves label addresses only': 'bits 64\nsection .text align=4096\nnop\nsection .b vstart=0x300000 align=4096\nx: dq x\nsection .c align=4096\ndq $\n',
    'several nobits sections after all progbits': 'bits 64\nsection .text align=4096\nmov eax, [b]\nsection .bss nobits align=4096\nb: resb 8\nsection .ubss nobits align=4096\nc: resb 8\nsection .d align=4096\ndq c\n',
    'explicit small alignments win': 'bits 64\nsection .text align=16\nnop\nsection .data align=16\ndb 1\n',
    'istruc of a struc with a base offset': 'bits 64\nstruc hdr, 8\n.a: resd 1\n.b: resd 1\nendstruc\nx: istruc hdr\nat hdr.a, dd 1\nat hdr.b, dd 2\niend\ndd hdr_size, hdr.a, hdr\n',
    'kernel entry idioms': 'bits 64\ndefault rel\n%define PCPU(off) [gs:off]\nentry:\ntest byte [rsp + 8], 3\njz .n\nswapgs\nlfence\n.n:\nrdgsbase rax\nwrgsbase rbx\ncmp qword PCPU(8), 0\nmov qword PCPU(0x10), rax\nxchg rax, [gs:16]\nlock cmpxchg [rdi], rsi\nrep stosq\nmov cr3, rax\ninvlpg [rdi]\nrdtscp\niretq\no64 sysret\n',
    'char constants in immediates': "bits 64\nmov eax, 'abcd'\ncmp al, 'x'\nmov rax, 'abcdefgh'\n",
    'lone prefixes': 'bits 64\nrep\nlock\ngs\nrep movsb\nlock inc dword [rax]\n',
    // The assembler shares one evaluation among lines with the same text while the symbols they
    // read keep their values: here `k` grows between passes (the jump becomes near).
    'identical lines around a symbol that changes between passes':
      'bits 64\nmov eax, [gs:k]\nadd eax, k\na: jmp b\ntimes 130 nop\nb:\nk equ b - a\nmov eax, [gs:k]\nadd eax, k\nmov eax, [gs:k]\nadd eax, k\n',
    'mem forms': 'bits 64\nmov eax,[rbx+rax]\nmov eax,[rax+rbp]\nmov eax,[rbp+rax]\nmov eax,[rax+rsp]\nmov eax,[rbx*1+rax]\nmov eax,[rax*5]\nmov eax,[rcx+rcx]\nmov eax,[nosplit rax*2]\nmov eax,[rax*2]\nmov eax,[r13]\nmov eax,[byte rbx+0]\nmov eax,[dword rbx+1]\n',
  };
  for (const [name, src] of Object.entries(cases)) {
    it(name, () => {
      const r = diffSource(src.startsWith('bits') ? src : `bits 64\n${src}`);
      expect(r.nasmError).toBeUndefined();
      expect(r.mismatch).toBeUndefined();
    });
  }
});

describe('program model', () => {
  it('lays sections out on 4 KiB boundaries from 0x100000 with .bss after the progbits', () => {
    const p = asm('section .data\nd: db 1\nsection .bss\nb: resb 10\nsection .text\nt: nop\n');
    const by = Object.fromEntries(p.sections.map((s) => [s.name, s]));
    expect(by['.text']!.start).toBe(0x100000);
    expect(by['.data']!.start).toBe(0x101000);
    expect(by['.bss']!.start).toBe(0x102000);
    expect(by['.bss']!.nobits).toBe(true);
    expect(by['.bss']!.fileOffset).toBeUndefined();
    expect(p.image.length).toBe(0x1001); // the image ends with .data; .bss is not in it
    expect(p.symbols.get('b')!.value).toBe(0x102000n);
    expect(p.symbols.get('d')!.section).toBe('.data');
  });

  it('marks .user* sections user-accessible and text sections executable', () => {
    const p = asm('section .user_text\nnop\nsection .user_data\ndb 0\n');
    const by = Object.fromEntries(p.sections.map((s) => [s.name, s]));
    expect(by['.user_text']).toMatchObject({ user: true, exec: true });
    expect(by['.user_data']).toMatchObject({ user: true, exec: false });
  });

  it('maps every instruction to its line and records symbol references', () => {
    const p = asm('start:\n  mov rax, [gs:0x10]\n  jmp start ; loop\n');
    expect(p.instructions.map((i) => [i.mnemonic, i.address, i.site.line])).toEqual([
      ['mov', 0x100000, 1],
      ['jmp', 0x100009, 2],
    ]);
    expect(p.instructions[1]!.symbolRefs.map((r) => r.name)).toEqual(['start']);
    expect(p.lines.map((l) => [l.address, l.size, l.kind])).toEqual([
      [0x100000, 9, 'instruction'],
      [0x100009, 2, 'instruction'],
    ]);
    expect(p.comments.map((c) => c.text)).toEqual([' loop']);
  });

  it('resolves local labels against the previous non-local label', () => {
    const p = asm('a:\n.x: nop\nb:\n.x: jmp .x\njmp a.x\n');
    expect(p.symbols.get('a.x')!.value).toBe(0x100000n);
    expect(p.symbols.get('b.x')!.value).toBe(0x100001n);
    expect(p.diagnostics).toEqual([]);
  });

  it('gives struc fields their offsets and the size symbol', () => {
    const p = asm('struc s\n.a: resq 1\n.b: resd 1\nendstruc\n');
    expect(p.symbols.get('s.a')!.value).toBe(0n);
    expect(p.symbols.get('s.b')!.value).toBe(8n);
    expect(p.symbols.get('s_size')!.value).toBe(12n);
    expect(p.image.length).toBe(0);
  });

  it('reports undefined symbols at the reference', () => {
    const e = errors('mov rax, nowhere\n');
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ code: 'undefined-symbol', range: { line: 0, start: 9, end: 16 } });
  });

  it('reports impossible operands with invalid-operands', () => {
    const e = errors('nop\nmov al, rbx\nnop\n');
    expect(e).toHaveLength(1);
    expect(e[0]!.code).toBe('invalid-operands');
    expect(e[0]!.range.line).toBe(1);
  });

  it('rejects extern in a flat image but accepts it in lint mode', () => {
    expect(errors('extern foo\ncall foo\n')[0]).toMatchObject({ range: { line: 0 } });
    const lint = assemble('extern foo\ncall foo\n', 't.asm', { host: noFiles, lint: true });
    expect(lint.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const undeclared = assemble('call bar\n', 't.asm', { host: noFiles, lint: true });
    expect(undeclared.diagnostics[0]!.code).toBe('undefined-symbol');
  });

  it('reads incbin through the FileHost with offset and length', () => {
    const host: FileHost = {
      readText: () => undefined,
      readBytes: (p) => (p === '/x/blob' ? Uint8Array.of(1, 2, 3, 4, 5) : undefined),
      resolve: (_f, n) => (n === 'blob' ? '/x/blob' : undefined),
    };
    const p = assemble('incbin "blob", 1, 3\nincbin "missing"\n', '/x/t.asm', { host });
    expect(Array.from(p.image)).toEqual([2, 3, 4]);
    expect(p.diagnostics[0]).toMatchObject({ severity: 'error', range: { line: 1 } });
  });

  it('rejects bits 32 with a located error', () => {
    expect(errors('bits 32\n')[0]!.range.line).toBe(0);
  });
});

describe('NASM expression rules', () => {
  it('rejects shifts and masks of label addresses like nasm, but allows label differences', () => {
    const e = errors('x: mov eax, x >> 12\nmov eax, (x - $$) >> 12\nmov eax, x & 0xfff\n');
    expect(e.map((d) => [d.range.line, /scalar/.test(d.message)])).toEqual([
      [0, true],
      [2, true],
    ]);
  });
});

describe('floating-point data against nasm', () => {
  // Deterministic pseudo-random decimal literals: 1-20 significant digits, exponents per width.
  function literals(count: number, expRange: number, seed: number): string[] {
    let x = seed;
    const rnd = (): number => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x / 2147483648;
    };
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const digits = Math.floor(rnd() * 20) + 1;
      let m = '';
      for (let d = 0; d < digits; d++) m += Math.floor(rnd() * 10);
      const dot = Math.floor(rnd() * digits);
      const e = Math.floor(rnd() * 2 * expRange) - expRange;
      out.push(`${rnd() < 0.2 ? '-' : ''}${m.slice(0, dot) || '0'}.${m.slice(dot)}e${e}`);
    }
    return out;
  }
  const widths: [string, number, number][] = [
    ['dw', 2, 10],
    ['dd', 4, 45],
    ['dq', 8, 320],
    ['dt', 10, 4950],
    ['do', 16, 4950],
  ];
  for (const [dir, size, range] of widths) {
    it(`${dir}: 400 random literals (incl. subnormal and overflow) encode like nasm`, () => {
      const lits = literals(400, range, 1234 + size);
      const r = diffSource('bits 64\n' + lits.map((l) => `${dir} ${l}`).join('\n') + '\n');
      expect(r.nasmError).toBeUndefined();
      const bad: string[] = [];
      for (let i = 0; i < lits.length; i++) {
        const a = Buffer.from(r.ours.image.subarray(i * size, (i + 1) * size)).toString('hex');
        const b = r.nasm!.subarray(i * size, (i + 1) * size).toString('hex');
        if (a !== b) bad.push(`${lits[i]}: ours ${a} nasm ${b}`);
      }
      expect(bad).toEqual([]);
    });
  }
});

describe('jump relaxation against nasm (generated programs)', () => {
  // Random label soup: forward/backward jumps, calls, padding and aligns, so jump sizes depend
  // on each other across the 127-byte boundary; nasm's multi-pass result is the reference.
  function program(seed: number): string {
    let x = seed * 7919 + 1;
    const rnd = (n: number): number => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return Math.floor((x / 2147483648) * n);
    };
    const jumps = ['jmp', 'jz', 'jnz', 'jc', 'call', 'ja', 'jle'];
    const nl = 30 + rnd(40);
    const lines = ['bits 64', 'default rel'];
    for (let i = 0; i < nl; i++) {
      lines.push(`L${i}:`);
      for (let j = rnd(4); j > 0; j--) {
        const c = rnd(10);
        if (c < 5) lines.push(`  ${jumps[rnd(jumps.length)]} L${rnd(nl)}`);
        else if (c < 7) lines.push(`  times ${rnd(60)} nop`);
        else if (c < 8) lines.push(`  align ${1 << rnd(5)}`);
        else if (c < 9) lines.push(`  lea rax, [L${rnd(nl)}]`);
        else lines.push(`  mov eax, L${rnd(nl)} - L${rnd(nl)}`);
      }
    }
    return lines.join('\n') + '\n';
  }
  for (let seed = 0; seed < 16; seed++) {
    it(`program ${seed}`, () => {
      const r = diffSource(program(seed));
      expect(r.nasmError).toBeUndefined();
      expect(r.mismatch).toBeUndefined();
    });
  }
});

describe('indirect branches', () => {
  it('accepts `near` before a memory operand like nasm', () => {
    const r = diffSource('bits 64\njmp near [rax]\ncall near [rax + 8]\njmp qword [rbx]\n');
    expect(r.mismatch).toBeUndefined();
  });
  it('encodes far indirect branches like nasm', () => {
    const r = diffSource('bits 64\njmp far [rax]\ncall far [rbx + 8]\njmp far dword [rcx]\n');
    expect(r.nasmError).toBeUndefined();
    expect(r.mismatch).toBeUndefined();
  });
  it('rejects short before a memory operand with a located error', () => {
    expect(errors('nop\njmp short [rax]\n')[0]).toMatchObject({ code: 'syntax-error', range: { line: 1, start: 4 } });
  });
});

describe('equ chains', () => {
  it('resolves forward chains and reports circular ones at the use', () => {
    const ok = asm('mov eax, A\nA equ B + 1\nB equ 41\n');
    expect(ok.diagnostics).toEqual([]);
    expect(Array.from(ok.image)).toEqual([0xb8, 42, 0, 0, 0]);
    const e = errors('A equ B\nB equ A\ndd A\n');
    expect(e.length).toBeGreaterThan(0);
    expect(e.every((d) => d.code === 'value-error')).toBe(true);
  });
});

describe('effective addresses against nasm (generated forms)', () => {
  // Bracketed expressions in many shapes: registers in either order, scaled either side,
  // repeated registers, nosplit, byte/dword displacement sizes, labels, equ constants and
  // sums of constants (which change nasm's base/index choice).
  function forms(count: number, seed: number): string[] {
    let x = seed;
    const rnd = (n: number): number => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return Math.floor((x / 2147483648) * n);
    };
    const r64 = ['rax', 'rbx', 'rcx', 'rsp', 'rbp', 'r12', 'r13', 'rsi'];
    const r32 = ['eax', 'ebp', 'esp', 'r8d'];
    const disps = ['0', '1', '-1', '127', '128', '-128', '-129', '0x7fffffff', 'lbl', 'lbl+4', 'K', '-K', '(lbl - $$)', '4+4'];
    const out: string[] = [];
    for (let n = 0; n < count; n++) {
      const w = rnd(3) ? r64 : r32;
      const b = w[rnd(w.length)]!;
      const ix = w[rnd(w.length)]!;
      const sc = [1, 2, 4, 8, 3, 5, 9][rnd(7)];
      const d = disps[rnd(disps.length)]!;
      const pieces = [
        [b],
        [`${ix}*${sc}`],
        [b, `${ix}*${sc}`],
        [b, ix],
        [d],
        [`${sc}*${ix}`, d],
        [b, d],
        [b, ix, d],
      ][rnd(8)]!;
      if (rnd(2)) pieces.push(disps[rnd(disps.length)]!);
      for (let k = pieces.length - 1; k > 0; k--) {
        const j = rnd(k + 1);
        [pieces[k], pieces[j]] = [pieces[j]!, pieces[k]!];
      }
      const pre = ['', '', '', 'nosplit ', 'byte ', 'dword '][rnd(6)]!;
      out.push(`mov ecx, [${pre}${pieces.join('+')}]`);
    }
    return out;
  }
  const head = 'bits 64\nK equ 40\nlbl:\n';
  it('600 forms we accept assemble exactly like nasm', () => {
    const accepted = forms(900, 4242).filter((f) => errors(head + f + '\n').length === 0).slice(0, 600);
    expect(accepted.length).toBeGreaterThan(400);
    const r = diffSource(head + accepted.join('\n') + '\n');
    expect(r.nasmError).toBeUndefined();
    expect(r.mismatch).toBeUndefined();
  });
  it('forms we reject are rejected by nasm too', () => {
    const rejected = forms(400, 777).filter((f) => errors(head + f + '\n').length > 0).slice(0, 12);
    expect(rejected.length).toBeGreaterThan(3);
    for (const f of rejected) expect(diffSource(head + f + '\n').nasmError, f).toBeDefined();
  });
});
