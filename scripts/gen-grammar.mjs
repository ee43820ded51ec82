// Generates syntaxes/nasm.tmLanguage.json, the TextMate grammar for NASM x86-64.
// The mnemonic list comes from iced-x86's Mnemonic enum (the same table the assembler uses), plus
// the spellings NASM accepts that iced does not list (condition-code aliases such as jz/cmovnc/setpe).
// Run at dev time: node scripts/gen-grammar.mjs   (the output is committed; a test checks it is current)
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** NASM identifier characters (NASM manual 3.1): letters, digits, _ $ # @ ~ . ? */
const ID_CHAR = '[A-Za-z0-9_$#@~.?]';
const BEFORE = `(?<![A-Za-z0-9_$#@~.?%])`; // a word must not continue an identifier or follow %
const AFTER = `(?!${ID_CHAR})`;
const word = (alternatives) => `(?i)${BEFORE}(?:${alternatives})${AFTER}`;

/** Mnemonics from iced-x86, lower-cased, minus the pseudo-ops that NASM spells as directives. */
export function mnemonics() {
  const { Mnemonic } = require('iced-x86');
  const notMnemonics = new Set(['invalid', 'db', 'dw', 'dd', 'dq', 'zero_bytes']);
  const names = new Set(
    Object.keys(Mnemonic)
      .filter((k) => Number.isNaN(Number(k)))
      .map((k) => k.toLowerCase())
      .filter((k) => !notMnemonics.has(k)),
  );
  // NASM's alternative condition-code spellings (NASM manual appendix B.1, "Jcc/SETcc/CMOVcc").
  const ccAliases = ['c', 'nc', 'z', 'nz', 'nae', 'nb', 'na', 'nbe', 'pe', 'po', 'nge', 'nl', 'ng', 'nle'];
  for (const prefix of ['j', 'cmov', 'set']) for (const cc of ccAliases) names.add(prefix + cc);
  // Other NASM spellings of instructions iced names differently.
  for (const extra of ['loopz', 'loopnz', 'icebp', 'int01', 'int03', 'retn', 'retq', 'retnq', 'retfq',
    'retfd', 'retfw', 'iretw', 'pushfw', 'popfw', 'pushaw', 'popaw', 'xlat', 'fwait', 'ud2a', 'ud2b']) {
    names.add(extra);
  }
  return [...names].sort();
}

const seq = (prefix, from, to, suffix = '') => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}${suffix}`);

/** Register names NASM knows in 64-bit mode, by kind (NASM regs.dat; Intel SDM vol. 1 §3.4, §3.7.2). */
export const registers = {
  general: [
    'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', ...seq('r', 8, 15),
    'eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp', 'esp', ...seq('r', 8, 15, 'd'),
    'ax', 'bx', 'cx', 'dx', 'si', 'di', 'bp', 'sp', ...seq('r', 8, 15, 'w'),
    'al', 'bl', 'cl', 'dl', 'ah', 'bh', 'ch', 'dh', 'spl', 'bpl', 'sil', 'dil',
    ...seq('r', 8, 15, 'b'), ...seq('r', 8, 15, 'l'),
  ],
  ip: ['rip', 'eip', 'ip'],
  segment: ['cs', 'ds', 'es', 'fs', 'gs', 'ss'],
  control: seq('cr', 0, 15),
  debug: seq('dr', 0, 15),
  test: seq('tr', 0, 7),
  vector: [...seq('xmm', 0, 31), ...seq('ymm', 0, 31), ...seq('zmm', 0, 31)],
  mask: seq('k', 0, 7),
  mmx: seq('mm', 0, 7),
  fpu: ['st', ...seq('st', 0, 7)],
  bound: seq('bnd', 0, 3),
  tile: seq('tmm', 0, 7),
};

const sizes = ['byte', 'word', 'dword', 'qword', 'tword', 'oword', 'yword', 'zword'];
const modifiers = ['strict', 'short', 'near', 'far', 'rel', 'abs', 'nosplit'];
const wordOperators = ['seg', 'wrt'];
const prefixes = ['lock', 'rep', 'repe', 'repz', 'repne', 'repnz', 'xacquire', 'xrelease', 'bnd', 'nobnd',
  'o16', 'o32', 'o64', 'a16', 'a32', 'a64'];
const directives = ['bits', 'use16', 'use32', 'use64', 'default', 'section', 'segment', 'org', 'global',
  'extern', 'common', 'static', 'required', 'equ', 'times', 'align', 'alignb', 'sectalign', 'struc',
  'endstruc', 'istruc', 'at', 'iend', 'incbin', 'cpu', 'absolute', 'float', 'warning'];
const dataDirectives = ['db', 'dw', 'dd', 'dq', 'dt', 'do', 'dy', 'dz'];
const reserveDirectives = ['resb', 'resw', 'resd', 'resq', 'rest', 'reso', 'resy', 'resz'];
const sectionAttributes = ['progbits', 'nobits', 'alloc', 'noalloc', 'exec', 'noexec', 'write', 'nowrite',
  'private', 'public', 'common', 'stack', 'tls', 'notls'];
const sectionKeyAttributes = ['align', 'start', 'vstart', 'follows', 'vfollows'];
/** Preprocessor directives (NASM manual chapter 4), as regex alternatives after the %. */
const preprocessor = [
  '(?:el)?ifn?(?:def|idni?|macro|ctx|num|id|str|token|empty|env|usable|using)?', 'else', 'endif',
  'i?x?define', 'i?defstr', 'i?deftok', 'i?defalias', 'undef', 'undefalias', 'i?assign', 'strlen', 'substr',
  'strcat', 'i?r?macro', 'endm(?:acro)?', 'unmacro', 'unimacro', 'rotate', 'rep', 'endrep', 'exitrep',
  'exitmacro', 'include', 'pathsearch', 'depend', 'use', 'push', 'pop', 'repl', 'error', 'warning',
  'fatal', 'note', 'line', 'local', 'arg', 'stacksize', 'clear', 'pragma', 'aliases',
];
/** Directives whose first argument is a name being defined. */
const definingPreprocessor = ['i?x?define', 'i?defstr', 'i?deftok', 'i?defalias', 'undef', 'i?assign',
  'strlen', 'substr', 'strcat', 'i?r?macro', 'unmacro', 'unimacro'];

/** The annotation comment words of the linter (see docs/rules/ and the README). */
const annotationKinds = ['syscall-entry', 'interrupt-entry', 'not-entry'];

const alt = (list) => list.join('|');

/**
 * One regex for a long word list, factored as a trie ("a(?:a[adms]|dc|...)"), so the regex engine
 * never tries two thousand alternatives at each position: editors tokenize large files line by
 * line with this. Words are plain [a-z0-9_].
 */
export function trieRegex(words) {
  const root = new Map();
  for (const w of words) {
    let node = root;
    for (const ch of w) {
      if (!node.has(ch)) node.set(ch, new Map());
      node = node.get(ch);
    }
    node.set('', null);
  }
  const emit = (node) => {
    const ends = node.has('');
    const keys = [...node.keys()].filter((k) => k !== '').sort();
    if (keys.length === 0) return '';
    const alts = keys.map((k) => k + emit(node.get(k)));
    const single = alts.length === 1 ? alts[0] : undefined;
    if (!ends) return single ?? `(?:${alts.join('|')})`;
    return single !== undefined && single.length === 1 ? `${single}?` : `(?:${alts.join('|')})?`;
  };
  return emit(root);
}

export function buildGrammar() {
  const mnemonicList = mnemonics();
  const registerPatterns = Object.entries(registers).map(([kind, names]) => ({
    name: `variable.language.register.${kind}.nasm`,
    match: word(trieRegex(names)),
  }));
  const labelName = `(?:\\.\\.@|\\.|%%|%\\$+)?[A-Za-z_?][A-Za-z0-9_$#@~.?]*`;
  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    name: 'NASM x86-64',
    scopeName: 'source.nasm',
    comment: 'Generated by scripts/gen-grammar.mjs from iced-x86 mnemonics; do not edit by hand.',
    patterns: [
      { include: '#comment' },
      { include: '#preprocessor' },
      { include: '#label-definition' },
      { include: '#section' },
      { include: '#statement' },
    ],
    repository: {
      comment: {
        begin: ';',
        beginCaptures: { 0: { name: 'punctuation.definition.comment.nasm' } },
        end: '$',
        name: 'comment.line.semicolon.nasm',
        patterns: [{ include: '#annotation' }],
      },
      annotation: {
        patterns: [
          {
            comment: 'An entry declaration for the linter: ; swapgs-lab: syscall-entry',
            name: 'meta.annotation.swapgs-lab.nasm',
            match: `(?<![\\w-])(swapgs-lab)(:)\\s*(${alt(annotationKinds)})(?![\\w-])`,
            captures: {
              1: { name: 'keyword.other.annotation.swapgs-lab.nasm' },
              2: { name: 'punctuation.separator.annotation.swapgs-lab.nasm' },
              3: { name: 'constant.language.entry-kind.swapgs-lab.nasm' },
            },
          },
          {
            comment: 'A suppression: ; swapgs-lab-disable-line RULE[, RULE]',
            name: 'meta.annotation.suppression.swapgs-lab.nasm',
            begin: '(?<![\\w-])(swapgs-lab-disable-(?:next-)?line)(?![\\w-])',
            beginCaptures: { 1: { name: 'keyword.other.annotation.swapgs-lab.nasm' } },
            end: '(?=[^\\s,a-z0-9-])|$',
            patterns: [
              { name: 'constant.other.rule-id.swapgs-lab.nasm', match: '[a-z0-9]+(?:-[a-z0-9]+)*' },
              { name: 'punctuation.separator.comma.nasm', match: ',' },
            ],
          },
        ],
      },
      preprocessor: {
        patterns: [
          {
            match: `(?i)(?<![A-Za-z0-9_$#@~.?%])(%(?:${alt(definingPreprocessor)}))\\s+(${labelName})`,
            captures: {
              1: { name: 'keyword.control.directive.preprocessor.nasm' },
              2: { name: 'entity.name.function.preprocessor.nasm' },
            },
          },
          {
            name: 'keyword.control.directive.preprocessor.nasm',
            match: `(?i)(?<![A-Za-z0-9_$#@~.?%])%(?:${alt(preprocessor)})${AFTER}`,
          },
        ],
      },
      'macro-tokens': {
        patterns: [
          { comment: '%1, %-1, %+1, %0, %00', name: 'variable.parameter.macro.nasm', match: '%[+-]?[0-9]+' },
          { comment: '%{1}, %{-1}, %{1:3}', name: 'variable.parameter.macro.nasm', match: '%\\{\\s*[+-]?[0-9]+(?:\\s*:\\s*[+-]?[0-9]+)?\\s*\\}' },
          { comment: '%+ pastes tokens together', name: 'keyword.operator.concat.nasm', match: '%\\+' },
          { comment: '%%label: local to one macro call', name: 'variable.other.label.macro-local.nasm', match: `%%[A-Za-z_?.$@#~][A-Za-z0-9_$#@~.?]*` },
          { comment: '%$name: local to a context', name: 'variable.other.context-local.nasm', match: `%\\$+[A-Za-z_?.$@#~][A-Za-z0-9_$#@~.?]*` },
          { comment: '%{name}, %[expr], %!env, %?, %??', name: 'variable.other.preprocessor.nasm', match: '%(?:\\{[^}]*\\}|\\[[^\\]]*\\]|![A-Za-z_][A-Za-z0-9_]*|\\?\\??)' },
        ],
      },
      'label-definition': {
        patterns: [
          {
            comment: 'name: (local .x, special ..@x, macro-local %%x, context-local %$x)',
            match: `^\\s*(?:(\\.\\.@[A-Za-z0-9_$#@~.?]+)|(\\.[A-Za-z_?$@#~.][A-Za-z0-9_$#@~.?]*)|(%%[A-Za-z_?.$@#~][A-Za-z0-9_$#@~.?]*)|(%\\$+[A-Za-z_?.$@#~][A-Za-z0-9_$#@~.?]*)|([A-Za-z_?][A-Za-z0-9_$#@~.?]*))\\s*(:)`,
            captures: {
              1: { name: 'entity.name.function.label.special.nasm' },
              2: { name: 'entity.name.function.label.local.nasm' },
              3: { name: 'entity.name.function.label.macro-local.nasm' },
              4: { name: 'entity.name.function.label.context-local.nasm' },
              5: { name: 'entity.name.function.label.nasm' },
              6: { name: 'punctuation.separator.label.nasm' },
            },
          },
          {
            comment: 'NAME equ value',
            match: `(?i)^\\s*(${labelName})(?=\\s+equ${AFTER})`,
            captures: { 1: { name: 'entity.name.constant.nasm' } },
          },
          {
            comment: 'a label without colon before data: msg db "hi"',
            match: `(?i)^\\s*(${labelName})(?=\\s+(?:${alt([...dataDirectives, ...reserveDirectives, 'times'])})${AFTER})`,
            captures: { 1: { name: 'entity.name.function.label.nasm' } },
          },
        ],
      },
      section: {
        comment: 'section .text align=4096 (the name, then attributes)',
        begin: `(?i)${BEFORE}(section|segment)\\s+([A-Za-z0-9_$#@~.?]+)`,
        beginCaptures: {
          1: { name: 'keyword.other.directive.nasm' },
          2: { name: 'entity.name.section.nasm' },
        },
        end: '(?=;)|$',
        patterns: [
          {
            match: word(alt(sectionKeyAttributes)) + '\\s*(=)',
            name: 'storage.modifier.section.nasm',
          },
          { name: 'storage.modifier.section.nasm', match: word(alt(sectionAttributes)) },
          { include: '#statement' },
        ],
      },
      statement: {
        patterns: [
          { include: '#comment' },
          { include: '#string' },
          { include: '#number' },
          { include: '#macro-tokens' },
          { include: '#preprocessor' },
          { include: '#memory' },
          { include: '#decorator' },
          { include: '#keywords' },
          { include: '#registers' },
          { include: '#label-reference' },
          { include: '#builtin' },
          { include: '#operator' },
        ],
      },
      memory: {
        begin: '\\[',
        beginCaptures: { 0: { name: 'punctuation.definition.memory.begin.nasm' } },
        end: '(\\])|(?=;)|$',
        endCaptures: { 1: { name: 'punctuation.definition.memory.end.nasm' } },
        name: 'meta.memory.nasm',
        patterns: [{ include: '#statement' }],
      },
      decorator: {
        comment: 'AVX-512 and encoding decorators: {z} {1to8} {sae} {rn-sae} {k1} {vex} {evex}',
        begin: '\\{(?=\\s*(?:z|1to(?:2|4|8|16|32)|sae|r[nduz]-sae|k[0-7]|vex[23]?|evex|rex|disp(?:8|32))\\s*\\})',
        end: '\\}',
        name: 'meta.decorator.nasm',
        patterns: [
          { include: '#registers' },
          { name: 'storage.modifier.decorator.nasm', match: 'z|1to(?:2|4|8|16|32)|sae|r[nduz]-sae|vex[23]?|evex|rex|disp(?:8|32)' },
        ],
      },
      keywords: {
        patterns: [
          { name: 'storage.type.size.nasm', match: word(alt(sizes)) },
          { name: 'storage.modifier.nasm', match: word(alt(modifiers)) },
          { name: 'keyword.operator.word.nasm', match: word(alt(wordOperators)) },
          { name: 'storage.type.data.nasm', match: word(alt(dataDirectives)) },
          { name: 'storage.type.reserve.nasm', match: word(alt(reserveDirectives)) },
          { name: 'keyword.other.directive.nasm', match: word(alt(directives)) },
          { name: 'keyword.other.prefix.nasm', match: word(alt(prefixes)) },
          { name: 'keyword.other.mnemonic.nasm', match: word(trieRegex(mnemonicList)) },
        ],
      },
      registers: { patterns: registerPatterns },
      'label-reference': {
        patterns: [
          { name: 'variable.other.label.special.nasm', match: `${BEFORE}\\.\\.@[A-Za-z0-9_$#@~.?]+` },
          { name: 'variable.other.label.local.nasm', match: `${BEFORE}\\.[A-Za-z_?$@#~][A-Za-z0-9_$#@~.?]*` },
        ],
      },
      builtin: {
        patterns: [
          { comment: '__?SECT?__, __?BITS?__, __SECT__ ...', name: 'support.constant.builtin.nasm', match: `${BEFORE}__(?:\\?[A-Za-z0-9_]+\\?|[A-Za-z0-9_]+?)__${AFTER}` },
          { comment: '$ (here) and $$ (section start)', name: 'variable.language.location.nasm', match: `${BEFORE}\\$\\$?(?![A-Za-z0-9_$#@~.?])` },
        ],
      },
      number: {
        // NASM manual 3.4.1 (numeric constants) and 3.4.6 (floating-point constants). Underscores
        // separate digits anywhere after the first. A word boundary on both sides keeps 1fh, 0b101
        // and 101b whole.
        patterns: [
          { name: 'constant.numeric.float.hex.nasm', match: `(?i)${BEFORE}0[xh][0-9a-f_]*\\.[0-9a-f_]*(?:p[+-]?[0-9_]+)?${AFTER}` },
          { name: 'constant.numeric.float.nasm', match: `(?i)${BEFORE}(?:[0-9][0-9_]*\\.[0-9_]*(?:e[+-]?[0-9_]+)?|[0-9][0-9_]*e[+-]?[0-9_]+)${AFTER}` },
          { name: 'constant.numeric.float.nasm', match: `${BEFORE}__\\??(?:Infinity|NaN|QNaN|SNaN)\\??__${AFTER}` },
          { name: 'constant.numeric.hex.nasm', match: `(?i)${BEFORE}(?:0[xh][0-9a-f_]+|\\$[0-9][0-9a-f_]*|[0-9][0-9a-f_]*[hx])${AFTER}` },
          { name: 'constant.numeric.binary.nasm', match: `(?i)${BEFORE}(?:0[by][01_]+|[01][01_]*[by])${AFTER}` },
          { name: 'constant.numeric.octal.nasm', match: `(?i)${BEFORE}(?:0[oq][0-7_]+|[0-7][0-7_]*[oq])${AFTER}` },
          { name: 'constant.numeric.decimal.nasm', match: `(?i)${BEFORE}(?:0[dt][0-9_]+|[0-9][0-9_]*[dt]?)${AFTER}` },
        ],
      },
      string: {
        // NASM manual 3.4.2: only backquoted strings process C-style escapes.
        patterns: [
          {
            name: 'string.quoted.single.nasm',
            begin: "'",
            beginCaptures: { 0: { name: 'punctuation.definition.string.begin.nasm' } },
            end: "(')|$",
            endCaptures: { 1: { name: 'punctuation.definition.string.end.nasm' } },
          },
          {
            name: 'string.quoted.double.nasm',
            begin: '"',
            beginCaptures: { 0: { name: 'punctuation.definition.string.begin.nasm' } },
            end: '(")|$',
            endCaptures: { 1: { name: 'punctuation.definition.string.end.nasm' } },
          },
          {
            name: 'string.quoted.other.backtick.nasm',
            begin: '`',
            beginCaptures: { 0: { name: 'punctuation.definition.string.begin.nasm' } },
            end: '(`)|$',
            endCaptures: { 1: { name: 'punctuation.definition.string.end.nasm' } },
            patterns: [
              {
                name: 'constant.character.escape.nasm',
                match: "\\\\(?:[\\\\'\"`?abtnvfre]|[0-7]{1,3}|x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})",
              },
              { name: 'invalid.illegal.escape.nasm', match: '\\\\.' },
            ],
          },
        ],
      },
      operator: {
        patterns: [
          { name: 'keyword.operator.nasm', match: '<<<|>>>|<<|>>|//|%%|<=>|==|!=|<>|<=|>=|&&|\\|\\||\\^\\^|[-+*/%&|^~!<>=?]' },
          { name: 'punctuation.separator.nasm', match: '[,:]' },
        ],
      },
    },
  };
}

export function grammarText() {
  return JSON.stringify(buildGrammar(), null, 2) + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = new URL('../syntaxes/nasm.tmLanguage.json', import.meta.url);
  writeFileSync(out, grammarText());
  console.log(`syntaxes/nasm.tmLanguage.json: ${mnemonics().length} mnemonics`);
}
