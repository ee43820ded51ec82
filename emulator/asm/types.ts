// Shared data shapes of the NASM front end: tokens, preprocessed lines, statements,
// diagnostics and the assembled program. Every later stage (assembler, linter, machine,
// debugger) consumes these, so they are plain data with no behaviour.

/** A span on one line of one file. `line`, `start`, `end` are 0-based; `end` is exclusive (UTF-16 units). */
export interface SourceRange {
  file: string;
  line: number;
  start: number;
  end: number;
}

/** One macro expansion (or %include) between the user's line and the text being assembled. */
export interface ExpansionFrame {
  kind: 'macro' | 'rep' | 'include';
  /** Macro name, or the included file for `include`. */
  name: string;
  /** Where the user invoked it: the macro call, the %rep line, the %include line. */
  callSite: SourceRange;
}

export type TokenKind =
  | 'ident' // names, mnemonics, registers, keywords; may start with . or .. or ? or $ (escaped $name)
  | 'number' // integer or float literal, text kept verbatim (NASM radix forms are decoded by expr.ts)
  | 'string' // '...', "..." or `...`; `text` is the raw source including the quotes
  | 'op' // punctuation and operators: + - * / // % %% << >> <<< >>> & | ^ ~ ! == != <> < <= > >= <=> && || ^^ ? : , [ ] ( ) = $ $$
  | 'local' // %%name (macro-local label) before expansion
  | 'param' // %1, %{1}, %0, %+ etc. before expansion
  | 'directive' // %define, %macro, ... (preprocessor keyword, before expansion)
  | 'error'; // a character that starts no token; the parser reports it

export interface Token {
  kind: TokenKind;
  text: string;
  /** Where the user can see this token: its own text for plain lines, the macro body for expanded text. */
  range: SourceRange;
}

/**
 * A line after preprocessing: what the assembler parses. `site` is the line the user wrote
 * (the outermost macro call site for expanded lines); `tokens` carry their own ranges;
 * `stack` lists the expansions, outermost first.
 */
export interface PreprocessedLine {
  tokens: Token[];
  site: SourceRange;
  stack: ExpansionFrame[];
  /** The comment text of the source line (after `;`), for `; swapgs-lab: ...` annotations. */
  comment?: { text: string; range: SourceRange };
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** A finding from any stage. `code` is a stable rule/diagnostic id (kebab-case). */
export interface Diagnostic {
  range: SourceRange;
  severity: Severity;
  code: string;
  message: string;
  stack?: ExpansionFrame[];
  related?: { range: SourceRange; message: string }[];
}

/** Resolves `%include` and `incbin` file names; injected so the front end does no I/O itself. */
export interface FileHost {
  /** Returns the file's text, or undefined when it does not exist / cannot be read. */
  readText(path: string): string | undefined;
  readBytes(path: string): Uint8Array | undefined;
  resolve(fromFile: string, name: string, includePaths: readonly string[]): string | undefined;
}

// ---------------------------------------------------------------- expressions and operands

export type Expr =
  | { kind: 'num'; value: bigint; range: SourceRange }
  | { kind: 'float'; text: string; range: SourceRange }
  | { kind: 'str'; bytes: Uint8Array; range: SourceRange }
  | { kind: 'sym'; name: string; range: SourceRange }
  | { kind: 'reg'; name: string; range: SourceRange } // a register inside an effective address
  | { kind: 'here'; range: SourceRange } // $
  | { kind: 'sectionStart'; range: SourceRange } // $$
  | { kind: 'unary'; op: string; arg: Expr; range: SourceRange }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; range: SourceRange }
  | { kind: 'cond'; test: Expr; then: Expr; else: Expr; range: SourceRange };

export type SizeKeyword = 'byte' | 'word' | 'dword' | 'qword' | 'tword' | 'oword' | 'yword' | 'zword';

export type Operand =
  | { kind: 'reg'; name: string; range: SourceRange }
  | {
      kind: 'imm';
      expr: Expr;
      size?: SizeKeyword;
      strict: boolean;
      /** `short` / `near` / `far` before a branch target. */
      jump?: 'short' | 'near' | 'far';
      range: SourceRange;
    }
  | {
      kind: 'mem';
      size?: SizeKeyword;
      /** Segment override written inside or outside the brackets: `gs:[x]`, `[gs:x]`. */
      segment?: string;
      /** The bracketed expression; registers appear as `reg` leaves. The assembler splits it. */
      expr: Expr;
      /** Explicit `rel` / `abs` inside the brackets; undefined follows `default rel|abs`. */
      addressing?: 'rel' | 'abs';
      /** `[byte x]`, `[dword x]` displacement size, `nosplit`. */
      dispSize?: SizeKeyword;
      nosplit?: boolean;
      /** `far` before the operand of `jmp`/`call`: an indirect far branch through an m16:64 pointer. */
      far?: boolean;
      range: SourceRange;
    };

// ---------------------------------------------------------------- the assembled program

export interface SectionInfo {
  name: string;
  /** Virtual address of the first byte. */
  start: number;
  /** Size in memory (progbits: bytes emitted; nobits: reserved). */
  size: number;
  /** Offset of the section's bytes inside `image` (undefined for nobits). */
  fileOffset?: number;
  nobits: boolean;
  /** Name starts with `.user`: mapped user-accessible (design: machine model). */
  user: boolean;
  /** Declared or defaulted executable (`.text`, `exec`). */
  exec: boolean;
  /** Where the section was (first) declared. */
  range?: SourceRange;
}

export interface SymbolInfo {
  name: string;
  /** Labels are addresses; `equ` constants may be any 64-bit value. */
  value: bigint;
  kind: 'label' | 'equ' | 'extern';
  section?: string;
  global: boolean;
  range: SourceRange;
}

/** One emitted byte range mapped to the line the user wrote. The debugger's line table. */
export interface LineEntry {
  address: number;
  size: number;
  site: SourceRange;
  stack: ExpansionFrame[];
  kind: 'instruction' | 'data';
}

/** An assembled instruction with its statement, for the linter and the debugger. */
export interface InstructionRecord {
  address: number;
  bytes: Uint8Array;
  /** Lowercase mnemonic as written (after prefixes), e.g. `mov`, `swapgs`. */
  mnemonic: string;
  /** Prefixes as written: `lock`, `rep`, `o64`, `gs` (a lone segment prefix) ... */
  prefixes: string[];
  operands: Operand[];
  site: SourceRange;
  stack: ExpansionFrame[];
  /** Section the instruction was assembled into. */
  section: string;
  /** Symbols named in the operands (for constant propagation and references). */
  symbolRefs: { name: string; range: SourceRange }[];
}

export interface AssembledProgram {
  /** Progbits bytes, from `org` to the end of the last progbits section. */
  image: Uint8Array;
  org: number;
  sections: SectionInfo[];
  symbols: Map<string, SymbolInfo>;
  lines: LineEntry[];
  instructions: InstructionRecord[];
  diagnostics: Diagnostic[];
  /** Every `;` comment of the preprocessed lines, in order (for `; swapgs-lab:` annotations). */
  comments: { text: string; range: SourceRange }[];
}
