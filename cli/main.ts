#!/usr/bin/env node
// Entry point of the `swapgs-lab` command: picks a command from the table and runs it.
// Each command lives in its own module (cli/asm.ts, cli/run.ts, cli/lint.ts) and only
// needs a line in COMMANDS below.

import pkg from '../package.json';
import { EXIT_USAGE, type Command, type CommandIo } from './args';
import { asmCommand } from './asm';
import { lintCommand } from './lint';
import { runCommand } from './run';

/** The command table: one module per command. */
const COMMANDS: Command[] = [asmCommand, runCommand, lintCommand];

function topUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: swapgs-lab <command> [options] FILE...',
    '',
    'commands:',
    ...lines,
    '',
    'options:',
    '  --help       this text; `swapgs-lab <command> --help` for a command',
    '  --version    print the version',
    '',
  ].join('\n');
}

/** Runs the CLI with `argv` (without `node` and the script) and resolves to the exit code. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(topUsage());
    return EXIT_USAGE;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const cmd = COMMANDS.find((c) => c.name === rest[0]);
    io.stdout(cmd ? cmd.usage : topUsage());
    return 0;
  }
  if (first === '--version' || first === '-v') {
    io.stdout(`swapgs-lab ${pkg.version}\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === first);
  if (!cmd) {
    io.stderr(`swapgs-lab: unknown command '${first}'\n\n${topUsage()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(cmd.usage);
    return 0;
  }
  return cmd.run(rest, io);
}

const processIo: CommandIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

// Run only as the program (the bundle dist/cli.js), not when a test imports main().
// Set the exit code instead of calling process.exit() so buffered stdout is flushed.
if (typeof require !== 'undefined' && require.main === module) {
main(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`swapgs-lab: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  },
);
}
