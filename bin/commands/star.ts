// `ebb star`: its yargs declaration (arguments, options, help) and the handler that calls
// lib/commands with them.

import type { Argv } from 'yargs';
import { type CliCommand, type Parsed, io, finish, epilogue } from './shared.js';

export const command: CliCommand = {
  command: 'star <file>',
  describe: 'run a standalone Starlark file (universe, json, struct); print() goes to stdout',
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', describe: 'the .star file' })
      .epilogue(
        epilogue(
          'ebb star scratch.star',
          'Environment: none.',
          'Exit codes: 0 ok, 1 the script failed (file:line:col: message, then a backtrace), 2 bad invocation.',
        ),
      ),
  handler: async (argv: Parsed) => {
    const { starCommand } = await import('../../lib/commands/star.js');
    finish(await starCommand(argv.file as string, await io()));
  },
};
