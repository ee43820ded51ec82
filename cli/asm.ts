// `swapgs-lab asm FILE [-o OUT] [-I DIR]...`: assembles FILE into the flat image the design's
// machine model loads (byte-identical to `nasm -f bin` under that layout).

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { assemble } from '../emulator/asm/index';
import { createNodeFileHost } from '../emulator/asm/node-file-host';
import { EXIT_USAGE, formatDiagnostic, parseArgs, UsageError, type Command, type CommandIo } from './args';

const USAGE = `usage: swapgs-lab asm FILE [-o OUT] [-I DIR]...

Assembles a NASM x86-64 source into a flat binary image (org 0x100000, sections on
4 KiB boundaries, as \`nasm -f bin\` lays it out when every section is align=4096).

options:
  -o, --output OUT    write the image to OUT (default: FILE with the extension .bin)
  -I, --include DIR   add DIR to the %include / incbin search path (repeatable)
  -h, --help          this text

Errors are printed as file:line:col: error: message; the exit code is 2 when there is one.
`;

export const asmCommand: Command = {
  name: 'asm',
  summary: 'assemble FILE into a flat binary image',
  usage: USAGE,
  run(argv: string[], io: CommandIo): number {
    let args;
    try {
      args = parseArgs(argv, [
        { names: ['-o', '--output'], key: 'out', kind: 'value' },
        { names: ['-I', '--include'], key: 'include', kind: 'list' },
      ]);
      if (args.positional.length !== 1) throw new UsageError(args.positional.length === 0 ? 'missing FILE' : 'exactly one FILE expected');
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.stderr(`swapgs-lab asm: ${e.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    const file = args.positional[0]!;
    const host = createNodeFileHost();
    const source = host.readText(file);
    if (source === undefined) {
      io.stderr(`swapgs-lab asm: cannot read '${file}'\n`);
      return EXIT_USAGE;
    }
    const parsed = path.parse(file);
    const out = args.values.get('out') ?? path.join(parsed.dir, `${parsed.name}.bin`);
    const prog = assemble(source, file, { host, includePaths: args.lists.get('include') ?? [] });
    let errors = 0;
    for (const d of prog.diagnostics) {
      if (d.severity === 'error') errors++;
      if (d.severity === 'error' || d.severity === 'warning') io.stderr(`${formatDiagnostic(d)}\n`);
    }
    if (errors > 0) return EXIT_USAGE;
    try {
      writeFileSync(out, prog.image);
    } catch (e) {
      io.stderr(`swapgs-lab asm: cannot write '${out}': ${e instanceof Error ? e.message : String(e)}\n`);
      return EXIT_USAGE;
    }
    return 0;
  },
};
