// Benchmark of the CPU core (issue #3 "Speed"): a 70-million-instruction integer loop
// (add/xor/rol/and/indexed load/dec/jnz) in the emulator, reported as guest MIPS, next to the same
// loop under `qemu-system-x86_64 -accel tcg` (multiboot image that enters long mode) in the same
// run, plus RSS of a machine with 64 MiB of guest memory. Prints figures; asserts nothing.
// Usage: node --expose-gc bench/cpu.mjs [--iterations N] [--runs N] [--no-qemu]

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ITER = arg('--iterations', 10_000_000);
const RUNS = arg('--runs', 3);
const NO_QEMU = process.argv.includes('--no-qemu');
const PER_ITER = 7;

const LOOP = `
  mov rsi, 0x200000
  mov ecx, ${ITER}
  mov rax, 0x12345678
  mov rbx, 0x9e3779b97f4a7c15
  xor edx, edx
.l:
  add rax, rbx
  xor rdx, rax
  rol rax, 7
  and rdx, 0x7f8
  mov rdx, [rsi + rdx]
  dec ecx
  jnz .l
`;

/** Multiboot (v1, a.out kludge) image: 32-bit entry builds identity 2 MiB paging, enters long mode, runs LOOP, exits via isa-debug-exit. */
const QEMU_IMAGE = `
bits 32
org 0x100000
mb:
  dd 0x1BADB002
  dd 0x00010000
  dd -(0x1BADB002 + 0x00010000)
  dd mb
  dd mb
  dd 0
  dd 0
  dd start32
start32:
  mov edi, 0x70000
  xor eax, eax
  mov ecx, 3*1024
  rep stosd
  mov dword [0x70000], 0x71003
  mov dword [0x71000], 0x72003
  mov edi, 0x72000
  mov eax, 0x83
  mov ecx, 512
.pd:
  mov [edi], eax
  add eax, 0x200000
  add edi, 8
  loop .pd
  mov eax, 0x70000
  mov cr3, eax
  mov eax, cr4
  or eax, 1 << 5
  mov cr4, eax
  mov ecx, 0xC0000080
  rdmsr
  or eax, 1 << 8
  wrmsr
  mov eax, cr0
  or eax, 0x80000001
  mov cr0, eax
  lgdt [gdtr]
  jmp 0x08:long64
align 8
gdt:
  dq 0
  dq 0x00af9a000000ffff
  dq 0x00cf92000000ffff
gdtr:
  dw gdtr - gdt - 1
  dd gdt
bits 64
long64:
${LOOP}
  mov al, 0
  out 0xf4, al
  hlt
`;

const EMU_IMAGE = `
bits 64
org 0x100000
${LOOP}
`;

function nasm(src, dir, name) {
  const asm = path.join(dir, `${name}.asm`), bin = path.join(dir, `${name}.bin`);
  writeFileSync(asm, src);
  execFileSync('nasm', ['-f', 'bin', '-o', bin, asm]);
  return { bin, bytes: new Uint8Array(readFileSync(bin)) };
}

async function loadCpu() {
  // iced-x86 stays external (it loads its .wasm from its own folder), so the bundle lives under node_modules/.cache.
  const outfile = path.join(ROOT, 'node_modules', '.cache', 'swapgs-lab', 'cpu-bench.cjs');
  const entry = path.join(ROOT, 'node_modules', '.cache', 'swapgs-lab', 'cpu-bench-entry.ts');
  writeFileSync(entry, `export * from '${path.join(ROOT, 'emulator/cpu/index')}';\nexport { Memory, Attr } from '${path.join(ROOT, 'emulator/machine/memory')}';\n`);
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['iced-x86'], logLevel: 'warning' });
  const require = createRequire(path.join(ROOT, 'package.json'));
  return require(outfile);
}

function mib(bytes) { return (bytes / 1048576).toFixed(1); }

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'swapgs-bench-cpu-'));
  const { mkdirSync } = await import('node:fs');
  mkdirSync(path.join(ROOT, 'node_modules', '.cache', 'swapgs-lab'), { recursive: true });
  const cpu = await loadCpu();
  const { Core, Memory, Attr } = cpu;
  const emu = nasm(EMU_IMAGE, dir, 'emu');
  const total = ITER * PER_ITER + 5;
  console.log(`cpu bench: ${total.toLocaleString()} guest instructions (${ITER.toLocaleString()} iterations x ${PER_ITER} + 5)`);

  const rssBefore = process.memoryUsage().rss;
  const memory = new Memory();
  memory.map(0, 64 * 1024 * 1024, Attr.Present | Attr.Writable | Attr.Executable);
  memory.writeBytes(0x100000, emu.bytes);
  const table = new Uint8Array(0x800);
  for (let i = 0; i < table.length; i++) table[i] = (i * 167 + 13) & 0xff;
  memory.writeBytes(0x200000, table);
  let best = Infinity, rax = 0n;
  for (let r = 0; r < RUNS; r++) {
    const core = new Core(memory, 0);
    core.rip = 0x100000;
    core.setAddr(4, 0x90000);
    // No breakpoint (that would select the interpreter): the exact budget ends the run at the loop exit.
    const t0 = process.hrtime.bigint();
    const why = core.run(total);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (why !== 'budget' || core.icount !== total || core.rip !== 0x100000 + emu.bytes.length) throw new Error(`emulator stopped: ${why} after ${core.icount} (${core.stopMessage})`);
    rax = core.getGpr(0);
    best = Math.min(best, dt);
    console.log(`  emulator run ${r + 1}: ${dt.toFixed(3)} s, ${(total / dt / 1e6).toFixed(1)} MIPS`);
    core.mmu.dispose();
  }
  const mips = total / best / 1e6;
  console.log(`emulator: best ${best.toFixed(3)} s = ${mips.toFixed(1)} guest MIPS (target >= 150), final rax=0x${rax.toString(16)}`);

  if (global.gc) global.gc();
  const rss = process.memoryUsage().rss;
  console.log(`RSS with a 64 MiB guest mapped (code + table touched): ${mib(rss)} MiB (process before mapping ${mib(rssBefore)} MiB; target < 150 MB)`);
  // Touch every page once (worst case: a guest that writes all of its memory).
  const page = new Uint8Array([1]);
  for (let a = 0; a < 64 * 1024 * 1024; a += 4096) memory.writeBytes(a, page);
  if (global.gc) global.gc();
  console.log(`RSS with all 64 MiB of guest memory written: ${mib(process.memoryUsage().rss)} MiB`);

  if (NO_QEMU) return;
  const q = spawnSync('qemu-system-x86_64', ['--version']);
  if (q.status !== 0) { console.log('qemu-system-x86_64 not installed: no comparison'); return; }
  const img = nasm(QEMU_IMAGE, dir, 'qemu');
  let qbest = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    const res = spawnSync('qemu-system-x86_64', ['-accel', 'tcg', '-m', '64', '-display', 'none', '-nodefaults', '-no-reboot',
      '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-kernel', img.bin], { timeout: 120_000 });
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (res.status !== 1) { console.log(`qemu exited with ${res.status}: ${res.stderr?.toString().trim()}`); return; }
    qbest = Math.min(qbest, dt);
    console.log(`  qemu tcg run ${r + 1}: ${dt.toFixed(3)} s (wall, boot included)`);
  }
  const t1 = process.hrtime.bigint();
  spawnSync('qemu-system-x86_64', ['-accel', 'tcg', '-m', '64', '-display', 'none', '-nodefaults', '-no-reboot',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-kernel', nasm(QEMU_IMAGE.replace(`mov ecx, ${ITER}`, 'mov ecx, 1'), dir, 'boot').bin]);
  const boot = Number(process.hrtime.bigint() - t1) / 1e9;
  console.log(`qemu tcg: best ${qbest.toFixed(3)} s wall (boot alone ${boot.toFixed(3)} s); emulator/qemu wall ratio ${(best / qbest).toFixed(2)}x (target <= 3x)`);
}

main().catch((e) => { console.error(e); process.exit(1); });
