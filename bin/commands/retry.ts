// `ebb retry`: its yargs declaration (arguments, options, help) and the handler that calls
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
  STATE_ENV,
  EXIT_CODES,
} from './shared.js';

export const command: CliCommand = {
  command: 'retry <model>',
  describe: "send the rows the API rejected again (all of the model's, or --keys): the next run sends them",
  builder: (y: Argv) =>
    withJson(withProjectOptions(y), 'one JSON line: the model, how many rows and which keys')
      .positional('model', { type: 'string', describe: 'the tracked model whose rejected rows to retry' })
      .option('keys', {
        type: 'string',
        array: true,
        describe: 'only these keys: values of a one-column key, or keys as ebb status shows them ({"id":7})',
      })
      .epilogue(
        epilogue(
          'ebb retry sync.crm_contacts --keys 42 57',
          STATE_ENV,
          'A rejected row (outcome.rejected in an outcome function) is not sent again while its content stays the same; retry clears its entry in _ebb.failures. Failed rows need no retry: every run sends them. ' +
            EXIT_CODES,
        ),
      ),
  handler: async (argv: Parsed) => {
    const { retryCommand } = await import('../../lib/commands/retry.js');
    finish(
      await retryCommand(
        { ...globals(argv), model: argv.model as string, keys: argv.keys as string[] | undefined },
        await io(),
      ),
    );
  },
};
