// Hover: for an instruction, its NASM text, what it does to the hidden state (with the manual
// section), the GS state around it and what it reads and writes; for a memory operand, the
// effective address decomposed with the GS base named; for MSR numbers their names; for
// labels their address and whether they were taken as an entry.

import path from 'node:path';
import type { Hover, MarkupContent } from 'vscode-languageserver/node';
import { MarkupKind } from 'vscode-languageserver/node';
import { parseNumber } from '../../emulator/asm/expr';
import type { InstructionRecord, Operand, SourceRange } from '../../emulator/asm/types';
import { msrDef } from '../../emulator/machine/msr';
import { CONTROL_REGISTER_WRITES, EXTRA_MSR_NAMES, GS_SELECTOR_LOAD, HIDDEN_EFFECTS, RSP_LOAD, type HiddenEffect } from '../instruction-docs';
import { instructionUse, type InstructionUse, type MemoryUse } from '../instruction-info';
import type { DocumentModel } from '../model';
import { occurrenceAt, tokenAt } from '../source-index';
import { toRange } from './convert';

const hex = (n: bigint | number): string => '0x' + (typeof n === 'number' ? n >>> 0 : n).toString(16);

/** `IA32_LSTAR` for an MSR number, or undefined when the number is no MSR this tool knows. */
export function msrNameOf(value: bigint): { name: string; doc?: string } | undefined {
  if (value < 0n || value > 0xffffffffn) return undefined;
  const n = Number(value);
  const def = msrDef(n);
  if (def) return { name: def.name, doc: def.doc };
  const extra = EXTRA_MSR_NAMES[n];
  return extra ? { name: extra } : undefined;
}

function md(value: string): MarkupContent {
  return { kind: MarkupKind.Markdown, value };
}

function within(r: SourceRange, line: number, col: number): boolean {
  return r.line === line && r.start <= col && col <= r.end;
}

/** What a `; swapgs-lab...` comment tells the linter. */
function annotationHover(model: DocumentModel, line: number, col: number): Hover | null {
  const c = model.index.comments[line];
  if (!c || col < c.range.start) return null;
  const m = /swapgs-lab(-disable-line|-disable-next-line)?\s*:?\s*([a-z-]+)?/.exec(c.text);
  if (!m) return null;
  let text: string | undefined;
  if (m[1]) text = `Silences \`${m[2] ?? 'the named rule'}\` on ${m[1] === '-disable-line' ? 'this line' : 'the next line'}.`;
  else if (m[2] === 'syscall-entry') text = 'Declares the label on (or below) this line a **syscall entry** (entered from user mode by SYSCALL, user GS base and user RSP active).';
  else if (m[2] === 'interrupt-entry') text = 'Declares the label on (or below) this line an **interrupt entry** (entered from user or kernel mode; swapgs only after testing the saved CS).';
  else if (m[2] === 'not-entry') text = 'Tells the linter that the label on (or below) this line is **not** an entry, whatever its name or use suggests.';
  return text ? { contents: md(text), range: toRange(c.range) } : null;
}

export function hover(model: DocumentModel, line: number, col: number): Hover | null {
  const tok = tokenAt(model.index, line, col);
  if (!tok) return annotationHover(model, line, col);
  const range = toRange(tok.range);

  const occ = occurrenceAt(model.index, line, col);
  if (occ?.kind === 'label') {
    const text = labelHover(model, occ.name);
    if (text) return { contents: md(text), range };
  } else if (occ?.kind === 'macro') {
    const m = model.index.macros.get(occ.name);
    if (m) {
      // At a call site, also what the expansion does (its instructions, with the GS state).
      const expanded = occ.definition ? [] : model.instructionsOnLine(line);
      const parts = [`\`\`\`nasm\n%macro ${occ.name} ${m.params}\n\`\`\`\nmacro defined at ${where(model, m.range)}`];
      for (const ins of expanded.slice(0, 6)) parts.push(instructionHover(model, ins));
      if (expanded.length > 6) parts.push(`… and ${expanded.length - 6} more instructions from this expansion`);
      return { contents: md(parts.join('\n\n---\n\n')), range };
    }
  } else if (occ?.kind === 'define') {
    const d = model.index.defines.get(occ.name);
    if (d) {
      const value = parseNumber(d.value);
      const msr = value !== undefined ? msrNameOf(value) : undefined;
      const msrLine = msr ? `\n\nMSR ${hex(value!)}: **${msr.name}**${msr.doc ? ` — ${msr.doc}` : ''}` : '';
      return { contents: md(`\`\`\`nasm\n%define ${occ.name} ${d.value}\n\`\`\`\ndefined at ${where(model, d.range)}${msrLine}`), range };
    }
  }

  if (tok.kind === 'number') {
    const value = parseNumber(tok.text);
    const msr = value !== undefined ? msrNameOf(value) : undefined;
    if (msr) return { contents: md(`MSR ${hex(value!)}: **${msr.name}**${msr.doc ? `\n\n${msr.doc}` : ''}`), range };
  }

  const instrs = model.instructionsOnLine(line);
  if (instrs.length === 0) return null;
  // A memory operand written on this line: decompose its effective address.
  for (const ins of instrs) {
    const op = ins.operands.find((o) => o.kind === 'mem' && within(o.range, line, col));
    if (op && op.kind === 'mem') {
      const text = memoryHover(model, ins, op);
      if (text) return { contents: md(text), range: toRange(op.range) };
    }
  }
  const parts = instrs.slice(0, 6).map((ins) => instructionHover(model, ins));
  if (instrs.length > 6) parts.push(`… and ${instrs.length - 6} more instructions from this line`);
  return { contents: md(parts.join('\n\n---\n\n')), range };
}

function where(model: DocumentModel, r: SourceRange): string {
  return r.file === model.file ? `line ${r.line + 1}` : `${path.basename(r.file)}:${r.line + 1}`;
}

function labelHover(model: DocumentModel, name: string): string | undefined {
  const sym = model.program.symbols.get(name);
  if (!sym) return undefined;
  const lines: string[] = [];
  if (sym.kind === 'label') {
    lines.push(`**${name}** — label at ${hex(sym.value)}${sym.section ? ` in \`${sym.section}\`` : ''}${sym.global ? ' (global)' : ''}`);
    const entry = model.entries.find((e) => e.label === name);
    const excluded = model.notEntries.find((n) => n.label === name);
    if (entry) lines.push(`Taken as a **${entry.kind} entry**: ${entry.how}`);
    else if (excluded) lines.push(`Not an entry: \`; swapgs-lab: not-entry\` at line ${excluded.at.line + 1} overrides the guess.`);
    else lines.push('Not taken as an entry point.');
  } else if (sym.kind === 'equ') {
    lines.push(`**${name}** equ ${hex(sym.value)} (${sym.value.toString()})`);
    const msr = msrNameOf(sym.value);
    if (msr) lines.push(`MSR ${hex(sym.value)}: **${msr.name}**${msr.doc ? ` — ${msr.doc}` : ''}`);
  } else {
    lines.push(`**${name}** — extern (defined in another file; treated as GS-neutral by the linter)`);
  }
  return lines.join('\n\n');
}

function hiddenEffect(ins: InstructionRecord): HiddenEffect | undefined {
  const m = ins.mnemonic.toLowerCase();
  if (m === 'sysret' && ins.prefixes.includes('o64')) return HIDDEN_EFFECTS['sysretq'];
  const first = ins.operands[0];
  const dst = first?.kind === 'reg' ? first.name.toLowerCase() : undefined;
  if ((m === 'mov' || m === 'pop') && dst === 'gs') return GS_SELECTOR_LOAD;
  if (m === 'mov' && dst && CONTROL_REGISTER_WRITES[dst]) return CONTROL_REGISTER_WRITES[dst];
  if (m === 'mov' && dst === 'rsp') return RSP_LOAD;
  return HIDDEN_EFFECTS[m];
}

function gsLine(model: DocumentModel, ins: InstructionRecord): string | undefined {
  const before = model.gsAt(ins.address);
  if (!before) return undefined;
  const from = before.entries.length ? ` (on paths from ${before.entries.slice(0, 4).map((e) => `\`${e}\``).join(', ')}${before.entries.length > 4 ? ', ...' : ''})` : '';
  if (ins.mnemonic.toLowerCase() === 'swapgs') {
    const after = model.gsAfter(ins.address);
    return `**GS base** before: ${before.short} → after: ${after?.short ?? 'unknown'}${from}  \n${after?.text ?? before.text}`;
  }
  return `**GS base** here: ${before.short}${from}  \n${before.text}`;
}

function list(xs: string[]): string {
  return xs.length ? xs.map((x) => `\`${x}\``).join(', ') : '—';
}

function instructionHover(model: DocumentModel, ins: InstructionRecord): string {
  const use = instructionUse(ins.bytes, ins.address);
  const out: string[] = [];
  const macro = ins.stack.length ? ` (from macro \`${ins.stack[ins.stack.length - 1]!.name}\`)` : '';
  out.push('```nasm\n' + (use?.nasm ?? ins.mnemonic) + '\n```' + macro);
  const effect = hiddenEffect(ins);
  if (effect) out.push(`${effect.text}\n\n*${effect.cite}*`);
  const gs = gsLine(model, ins);
  if (gs) out.push(gs);
  if (use) out.push(accessLines(model, ins, use));
  out.push(`at ${hex(ins.address)}, ${ins.bytes.length} byte${ins.bytes.length === 1 ? '' : 's'}: \`${[...ins.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')}\``);
  return out.join('\n\n');
}

function accessLines(model: DocumentModel, ins: InstructionRecord, use: InstructionUse): string {
  const rows = [`reads ${list(use.regsRead)} · writes ${list(use.regsWritten)}`];
  for (const m of use.memory) rows.push(`memory (${m.access}): \`[${effectiveAddress(model, ins, m)}]\``);
  if (use.flagsRead.length || use.flagsWritten.length) rows.push(`flags read ${list(use.flagsRead)} · written ${list(use.flagsWritten)}`);
  return rows.join('  \n');
}

/** `gs.base (kernel: swapped at line 30) + rbx*8 + 0x10`. */
export function effectiveAddress(model: DocumentModel, ins: InstructionRecord, m: MemoryUse): string {
  const terms: string[] = [];
  if (m.segment === 'gs') terms.push(`gs.base (${model.gsAt(ins.address)?.short ?? 'not reached from an entry'})`);
  else if (m.segment === 'fs') terms.push('fs.base');
  if (m.base === 'rip' || m.base === 'eip') {
    // iced reports the RIP-relative target as the displacement.
    const target = m.displacement;
    const name = symbolAt(model, target, ins);
    terms.push(`${hex(target)}${name ? ` (${name})` : ''} (rip-relative)`);
    return terms.join(' + ');
  }
  if (m.base) terms.push(m.base);
  if (m.index) terms.push(m.scale > 1 ? `${m.index}*${m.scale}` : m.index);
  if (m.displacement !== 0n || (!m.base && !m.index)) {
    const name = !m.base && !m.index ? symbolAt(model, m.displacement, ins) : undefined;
    const d = m.displacement < 0n && terms.length ? `- ${hex(-m.displacement)}` : hex(BigInt.asUintN(64, m.displacement));
    const text = `${d}${name ? ` (${name})` : ''}`;
    if (terms.length && d.startsWith('-')) return `${terms.join(' + ')} ${text}`;
    terms.push(text);
  }
  return terms.join(' + ');
}

/** The name the instruction itself used for this value (`percpu.user_rsp`), else a label there. */
function symbolAt(model: DocumentModel, address: bigint, ins?: InstructionRecord): string | undefined {
  const parent = ins ? model.index.parentAt[ins.site.line] : undefined;
  for (const ref of ins?.symbolRefs ?? []) {
    const s = model.program.symbols.get(ref.name) ?? (parent && ref.name.startsWith('.') ? model.program.symbols.get(parent + ref.name) : undefined);
    if (s && BigInt.asUintN(64, s.value) === BigInt.asUintN(64, address)) return s.name;
  }
  for (const s of model.program.symbols.values()) if (s.kind === 'label' && s.value === address) return s.name;
  return undefined;
}

function memoryHover(model: DocumentModel, ins: InstructionRecord, op: Extract<Operand, { kind: 'mem' }>): string | undefined {
  const use = instructionUse(ins.bytes, ins.address);
  const m = use?.memory.find((x) => x.access !== 'address only') ?? use?.memory[0];
  if (!use || !m) return undefined;
  const size = op.size ? `${op.size} ` : '';
  const lines = [`effective address: \`${size}[${effectiveAddress(model, ins, m)}]\` (${m.access})`];
  if (m.segment === 'gs') lines.push('A `gs:` access adds the hidden gs.base; which base is active depends on the swapgs executed on the way here. *Intel SDM Vol. 3A 3.4.4*');
  return lines.join('\n\n');
}
