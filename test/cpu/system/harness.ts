// Test harness for the system architecture: wraps a test body in a small kernel (GDT with a
// TSS, IDT whose vectors 0-31 report the exception frame and exit with 100 + vector), runs it
// on a Machine and returns the report read back from guest memory.
import { assemble } from '../../../emulator/asm/index';
import { createNodeFileHost } from '../../../emulator/asm/node-file-host';
import { Machine, type MachineOptions, type RunResult } from '../../../emulator/machine/machine';
import type { GsEvent } from '../../../emulator/machine/events';

/** Vectors that push an error code (SDM Vol 3A Table 6-1). */
const WITH_ERROR = new Set([8, 10, 11, 12, 13, 14, 17, 21, 29, 30]);

export interface Report {
  vector: bigint;
  /** -1n when the vector pushes no error code. */
  err: bigint;
  rip: bigint;
  cs: bigint;
  rflags: bigint;
  rsp: bigint;
  ss: bigint;
  cr2: bigint;
  /** RSP after the vector/error code (points at the saved RIP). */
  frame: bigint;
  /** SS and RFLAGS inside the handler. */
  ssIn: bigint;
  rflagsIn: bigint;
}

export interface Sandbox {
  result: RunResult;
  out: string;
  events: GsEvent[];
  m: Machine;
  /** The exception report, when a reporting handler ran (exit code 100 + vector). */
  report?: Report;
  sym(name: string): number;
  q(name: string, offset?: number): bigint;
}

export interface SandboxOptions extends MachineOptions {
  /** Kernel code run after the GDT/TSS/IDT set-up (default: none). */
  setup?: string;
  /** Ring-3 code placed in .user_text (reach it with `enter_user label`). */
  user?: string;
  /** Extra sections/data appended at the end. */
  data?: string;
  /** Do not install the reporting IDT (tests of the no-IDT stop). */
  noIdt?: boolean;
  /** Vectors whose gates are left not present. */
  absent?: number[];
}

function stubs(absent: Set<number>): { code: string; setup: string } {
  let code = '';
  let setup = '';
  for (let v = 0; v < 32; v++) {
    code += `exc_${v}:\n    push ${v}\n    jmp ${WITH_ERROR.has(v) ? 'report_err' : 'report_noerr'}\n`;
    if (!absent.has(v)) setup += `    mov esi, ${v}\n    lea rdx, [exc_${v}]\n    xor ecx, ecx\n    call set_gate\n`;
  }
  return { code, setup };
}

export function sandbox(body: string, o: SandboxOptions = {}): Sandbox {
  const s = stubs(new Set(o.absent ?? []));
  const source = `bits 64
default rel
section .text
%include "kernel.inc"
_start:
${o.noIdt ? '' : `    lea rax, [kstack_top]\n    call kernel_init\n${s.setup}`}
${o.setup ?? ''}
${body}
    mov al, 0
    out 0xf4, al

report_noerr:
    mov qword [report + 8], -1
    pop qword [report]
    jmp report_frame
report_err:
    pop qword [report]
    pop qword [report + 8]
report_frame:
    pushfq
    pop qword [report + 80]
    mov [report + 72], ss
    mov [report + 64], rsp
    pop qword [report + 16]
    pop qword [report + 24]
    pop qword [report + 32]
    pop qword [report + 40]
    pop qword [report + 48]
    mov rax, cr2
    mov [report + 56], rax
    mov rax, [report]
    add al, 100
    out 0xf4, al
${s.code}
section .user_text
user_code:
${o.user ?? '    jmp user_code'}
section .user_data
align 16
user_stack: times 2048 db 0
user_stack_top:
section .bss
alignb 16
report: resq 12
kstack: resb 8192
kstack_top:
ist_stack: resb 4096
ist_top:
${o.data ?? ''}
`;
  const p = assemble(source, 'sandbox.asm', { host: createNodeFileHost(), includePaths: ['test/programs/lib'] });
  const errors = p.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    const lines = source.split('\n');
    throw new Error(errors.map((d) => `${d.range.file}:${d.range.line + 1}: ${d.message} | ${d.range.file === 'sandbox.asm' ? lines[d.range.line] : ''}`).join('\n'));
  }
  const created = Machine.create(p, { maxInstructions: 200_000, ...o });
  if (!created.ok) throw new Error(created.error);
  const m = created.machine;
  let out = '';
  const events: GsEvent[] = [];
  m.console.on((b) => (out += String.fromCharCode(...b)));
  m.gsEvents.on((e) => events.push(e));
  const result = m.run();
  const sym = (name: string): number => {
    const v = p.symbols.get(name);
    if (!v) throw new Error(`no symbol ${name}`);
    return Number(v.value);
  };
  const q = (name: string, offset = 0): bigint => {
    const b = m.readMemory(sym(name) + offset, 8);
    if (!b) throw new Error(`unmapped ${name}`);
    return new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);
  };
  const sb: Sandbox = { result, out, events, m, sym, q };
  if (result.kind === 'exit' && result.exitCode >= 100 && result.exitCode < 132) {
    sb.report = {
      vector: q('report', 0),
      err: BigInt.asIntN(64, q('report', 8)),
      rip: q('report', 16),
      cs: q('report', 24),
      rflags: q('report', 32),
      rsp: q('report', 40),
      ss: q('report', 48),
      cr2: q('report', 56),
      frame: q('report', 64),
      ssIn: q('report', 72) & 0xffffn,
      rflagsIn: q('report', 80),
    };
  }
  return sb;
}

/** The address of a label as the report shows it. */
export function addr(sb: Sandbox, label: string): bigint {
  return BigInt(sb.sym(label));
}
