#!/usr/bin/env node
// Entry point of `swapgs-lab-language-server`: the LSP over stdio (default), or --node-ipc /
// --socket=N / --pipe=NAME as vscode-languageserver reads them from the command line.

import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { SERVER_NAME, startServer } from './server';

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(`${SERVER_NAME} 0.1.0\n`);
  process.exit(0);
}
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`usage: ${SERVER_NAME} [--stdio | --node-ipc | --socket=PORT | --pipe=NAME]\nSpeaks the Language Server Protocol; stdio when no transport is given.\n`);
  process.exit(0);
}

// A bug in one request must not end the session: log it and keep serving.
process.on('uncaughtException', (e) => {
  try {
    process.stderr.write(`${SERVER_NAME}: uncaught ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  } catch {
    // stderr closed
  }
});
process.on('unhandledRejection', (e) => {
  try {
    process.stderr.write(`${SERVER_NAME}: unhandled rejection ${String(e)}\n`);
  } catch {
    // stderr closed
  }
});

const transport = args.some((a) => /^--(stdio|node-ipc|socket|pipe)/.test(a));
const connection = transport ? createConnection(ProposedFeatures.all) : createConnection(ProposedFeatures.all, process.stdin, process.stdout);
startServer(connection);
