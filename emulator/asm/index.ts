// Public entry points of the NASM front end: assemble a file (preprocess + parse + passes),
// or parse lines one at a time for editors. Everything here is pure; file access comes in
// through a FileHost (createNodeFileHost in node-file-host.ts for Node).

export { assemble, assembleLines, MAX_IMAGE_BYTES, type AssembleOptions } from './assembler';
export { LineParser, type Statement, type ParsedLine, type DataItem, type Name } from './parser';
export { lexLines } from './lex-lines';
export { preprocess, type PreprocessOptions, type PreprocessResult } from './preprocessor';
export { DEFAULT_ORG } from './layout';
export type * from './types';
