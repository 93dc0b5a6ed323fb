// `ebb history`: its yargs declaration (arguments, options, help) and the handler that calls
// lib/commands with them.

import type { Argv } from 'yargs';
import {
  type CliCommand,
  type Parsed,
  globals,
  io,
  finish,
  wholeNumber,
  withProjectOptions,
  withJson,
  epilogue,
} from './shared.js';

export const command: CliCommand = {
  command: 'history [model]',
  describe: 'past model runs, newest first',
  builder: (y: Argv) =>
    withJson(withProjectOptions(y), 'one JSON line per model run on stdout')
      .positional('model', { type: 'string', describe: 'only runs of this model' })
      .option('limit', {
        type: 'string',
        default: '50',
        describe: 'how many runs to show',
        coerce: wholeNumber('limit', 1),
      })
      .epilogue(epilogue('ebb history mart.customers --limit 5')),
  handler: async (argv: Parsed) => {
    const { historyCommand } = await import('../../lib/commands/history.js');
    finish(
      await historyCommand(
        { ...globals(argv), model: argv.model as string | undefined, limit: argv.limit as number },
        await io(),
      ),
    );
  },
};
