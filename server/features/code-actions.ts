// Quick fixes for the linter's findings, computed here from the finding's range, rule and related
// locations and the document's instructions: insert the missing swapgs before the exit (or at the
// start of a syscall entry that never swaps), insert lfence after the CPL branch, move a push
// after the stack switch, restore the user RSP before sysret, `o64 sysret`, and a suppression
// comment for any rule.

import { CodeActionKind, type CodeAction, type Diagnostic as LspDiagnostic, type TextEdit } from 'vscode-languageserver/node';
import type { InstructionRecord } from '../../emulator/asm/types';
import { pathToUri } from '../file-host';
import type { DocumentModel } from '../model';
import { SOURCE, type DiagnosticData } from './convert';

/** Front-end findings are fixed by editing the code, not by silencing them. */
const NOT_SUPPRESSIBLE = new Set(['syntax-error', 'invalid-operands', 'undefined-symbol', 'macro-error']);

const CONDITIONAL_JUMP = /^j(?!mp$)[a-z]+$/;

function indentOf(text: string): string {
  return /^\s*/.exec(text)?.[0] ?? '';
}

/** Indentation for a new instruction line near `line`: the statement's own, or a label line's next statement. */
function instructionIndent(model: DocumentModel, line: number): string {
  const own = model.lines[line] ?? '';
  const ind = indentOf(own);
  if (ind.length > 0) return ind;
  for (let l = line + 1; l < Math.min(model.lines.length, line + 5); l++) {
    const i = indentOf(model.lines[l]!);
    if (i.length > 0 && model.lines[l]!.trim()) return i;
  }
  return '    ';
}

function insertLineBefore(model: DocumentModel, line: number, text: string): TextEdit {
  return { range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${instructionIndent(model, line)}${text}\n` };
}

function insertLineAfter(model: DocumentModel, line: number, text: string): TextEdit {
  const at = { line, character: (model.lines[line] ?? '').length };
  return { range: { start: at, end: at }, newText: `\n${instructionIndent(model, line)}${text}` };
}

function action(model: DocumentModel, title: string, diag: LspDiagnostic, edits: TextEdit[], preferred = false): CodeAction {
  return { title, kind: CodeActionKind.QuickFix, diagnostics: [diag], isPreferred: preferred, edit: { changes: { [pathToUri(model.file)]: edits } } };
}

function suppression(model: DocumentModel, diag: LspDiagnostic, rule: string): CodeAction {
  const line = diag.range.start.line;
  const text = model.lines[line] ?? '';
  const commentAt = model.index.comments[line]?.range.start;
  if (commentAt === undefined) {
    const end = { line, character: text.length };
    return action(model, `Suppress ${rule} on this line`, diag, [{ range: { start: end, end }, newText: `  ; swapgs-lab-disable-line ${rule}` }]);
  }
  // The line already has a comment: say it on its own line above.
  return action(model, `Suppress ${rule} on this line`, diag, [
    { range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indentOf(text)}; swapgs-lab-disable-next-line ${rule}\n` },
  ]);
}

function ownInstructions(model: DocumentModel, line: number): InstructionRecord[] {
  return model.instructionsOnLine(line).filter((i) => i.stack.length === 0 && i.site.file === model.file);
}

/** The line of the label a jump goes to, when it is a plain label of this file. */
function targetLine(model: DocumentModel, ins: InstructionRecord): number | undefined {
  const ref = ins.symbolRefs[0];
  if (!ref) return undefined;
  const parent = model.index.parentAt[ins.site.line];
  const name = ref.name.startsWith('.') && parent ? parent + ref.name : ref.name;
  const sym = model.program.symbols.get(name) ?? model.program.symbols.get(ref.name);
  return sym && sym.range.file === model.file ? sym.range.line : undefined;
}

/** Column just after `label:` at the start of `line`, when the line starts with one. */
function labelOnLine(model: DocumentModel, line: number): number | undefined {
  const t = model.index.tokens[line];
  if (t?.[0]?.kind === 'ident' && t[1]?.kind === 'op' && t[1].text === ':') return t[1].range.end;
  return undefined;
}

function cplBranchLine(model: DocumentModel, diag: LspDiagnostic): number | undefined {
  const candidates = [
    ...(diag.relatedInformation ?? []).filter((r) => /branch|test|cpl/i.test(r.message)).map((r) => r.location.range.start.line),
    diag.range.start.line,
  ];
  for (const l of candidates) if (ownInstructions(model, l).some((i) => CONDITIONAL_JUMP.test(i.mnemonic.toLowerCase()))) return l;
  return undefined;
}

function lfenceFix(model: DocumentModel, diag: LspDiagnostic): CodeAction | undefined {
  const line = cplBranchLine(model, diag);
  if (line === undefined) return undefined;
  const branch = ownInstructions(model, line).find((i) => CONDITIONAL_JUMP.test(i.mnemonic.toLowerCase()))!;
  const edits = [insertLineAfter(model, line, 'lfence')];
  const target = targetLine(model, branch);
  // Both paths out of the branch need the fence (Linux FENCE_SWAPGS_USER_ENTRY / _KERNEL_ENTRY).
  if (target !== undefined && target !== line) {
    const sym = labelOnLine(model, target);
    if (ownInstructions(model, target).length === 0 || !sym) edits.push(insertLineAfter(model, target, 'lfence'));
    else {
      // `.x: insn` on one line: the fence goes between the label and its instruction.
      const at = { line: target, character: sym };
      edits.push({ range: { start: at, end: at }, newText: `\n${instructionIndent(model, target)}lfence\n${instructionIndent(model, target)}` });
    }
  }
  return action(model, 'Insert lfence after the CPL branch', diag, edits, true);
}

function moveAfterStackSwitch(model: DocumentModel, diag: LspDiagnostic): CodeAction | undefined {
  const line = diag.range.start.line;
  const own = ownInstructions(model, line);
  if (own.length !== 1) return undefined;
  const ins = own[0]!;
  const all = model.program.instructions;
  const at = all.indexOf(ins);
  for (let k = at + 1; k < all.length && k < at + 64; k++) {
    const next = all[k]!;
    if (next.section !== ins.section) break;
    const dst = next.operands[0];
    if (next.mnemonic.toLowerCase() === 'mov' && dst?.kind === 'reg' && dst.name.toLowerCase() === 'rsp') {
      const switchLine = userSite(next);
      if (switchLine === undefined || switchLine <= line) return undefined;
      const text = (model.lines[line] ?? '').trim();
      return action(model, `Move '${text}' after the stack switch (line ${switchLine + 1})`, diag, [
        { range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, newText: '' },
        insertLineAfter(model, switchLine, text),
      ]);
    }
  }
  return undefined;

  function userSite(i: InstructionRecord): number | undefined {
    return i.site.file === model.file && i.stack.length === 0 ? i.site.line : undefined;
  }
}

/** `mov rsp, <where the user RSP was saved>`, read from the instruction that saved it. */
function restoreRspFix(model: DocumentModel, diag: LspDiagnostic): CodeAction | undefined {
  const saved = (diag.relatedInformation ?? []).find((r) => /user RSP saved/i.test(r.message));
  if (!saved) return undefined;
  const ins = model
    .instructionsOnLine(saved.location.range.start.line)
    .find((i) => i.mnemonic.toLowerCase() === 'mov' && i.operands[1]?.kind === 'reg' && i.operands[1].name.toLowerCase() === 'rsp');
  const dst = ins?.operands[0];
  if (!dst || dst.range.file !== model.file) return undefined;
  const text = (model.lines[dst.range.line] ?? '').slice(dst.range.start, dst.range.end).trim();
  if (!text) return undefined;
  // A gs: slot must be read before the swapgs back to the user base, not after it.
  let line = diag.range.start.line;
  const exit = ownInstructions(model, line)[0];
  const all = model.program.instructions;
  const prev = exit ? all[all.indexOf(exit) - 1] : undefined;
  if (prev && prev.mnemonic.toLowerCase() === 'swapgs' && prev.stack.length === 0 && prev.site.file === model.file && /\bgs\s*:/i.test(text)) line = prev.site.line;
  return action(model, `Restore the user RSP: insert 'mov rsp, ${text}'`, diag, [insertLineBefore(model, line, `mov rsp, ${text}`)], true);
}

/** A syscall entry that never swaps: swapgs as its first instruction. */
function swapgsAtEntryFix(model: DocumentModel, diag: LspDiagnostic): CodeAction | undefined {
  for (const r of diag.relatedInformation ?? []) {
    const entry = model.entries.find((e) => {
      const sym = model.program.symbols.get(e.label);
      return e.kind === 'syscall' && sym?.range.file === model.file && sym.range.line === r.location.range.start.line;
    });
    if (!entry) continue;
    const line = r.location.range.start.line;
    if (ownInstructions(model, line).length > 0) return undefined;
    return action(model, `Insert swapgs at the start of syscall entry '${entry.label}'`, diag, [insertLineAfter(model, line, 'swapgs')], true);
  }
  return undefined;
}

export function codeActions(model: DocumentModel, diagnostics: readonly LspDiagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const diag of diagnostics) {
    if (diag.source !== SOURCE) continue;
    const rule = typeof diag.code === 'string' ? diag.code : (diag.data as DiagnosticData | undefined)?.rule;
    if (!rule) continue;
    const line = diag.range.start.line;
    if (line >= model.lines.length) continue;
    switch (rule) {
      case 'gs-kernel-base-on-exit':
        out.push(action(model, 'Insert swapgs before this return to user mode', diag, [insertLineBefore(model, line, 'swapgs')], true));
        break;
      case 'swapgs-speculation': {
        const fix = lfenceFix(model, diag);
        if (fix) out.push(fix);
        break;
      }
      case 'stack-before-kernel-rsp': {
        const fix = moveAfterStackSwitch(model, diag);
        if (fix) out.push(fix);
        break;
      }
      case 'user-rsp-not-restored': {
        const fix = restoreRspFix(model, diag);
        if (fix) out.push(fix);
        break;
      }
      case 'gs-user-base-in-kernel': {
        const fix = swapgsAtEntryFix(model, diag);
        if (fix) out.push(fix);
        break;
      }
      case 'sysret-32bit':
        if (/\bsysret\b/i.test(model.lines[line] ?? '')) {
          const col = (model.lines[line] ?? '').search(/\bsysret\b/i);
          out.push(action(model, "Use 'o64 sysret' (return to 64-bit mode)", diag, [{ range: { start: { line, character: col }, end: { line, character: col } }, newText: 'o64 ' }], true));
        }
        break;
    }
    if (!NOT_SUPPRESSIBLE.has(rule)) out.push(suppression(model, diag, rule));
  }
  return out;
}
