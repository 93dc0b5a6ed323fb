// `ebb ls`: its yargs declaration (arguments, options, help) and the handler that calls
// lib/commands with them.

import type { Argv } from 'yargs';
import {
  type CliCommand,
  type Parsed,
  globals,
  io,
  finish,
  withProjectOptions,
  withJson,
  epilogue,
} from './shared.js';

export const command: CliCommand = {
  command: 'ls',
  describe: 'list the models: kind, file, the models each reads, its last run',
  builder: (y: Argv) =>
    withJson(withProjectOptions(y), 'one JSON line per model on stdout').epilogue(
      epilogue("ebb ls --json | jq -r 'select(.last_run == null) | .model'"),
    ),
  handler: async (argv: Parsed) => {
    const { lsCommand } = await import('../../lib/commands/ls.js');
    finish(await lsCommand(globals(argv), await io()));
  },
};
