// `ebb reshard`: its yargs declaration (arguments, options, help) and the handler that calls
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
  wholeNumber,
  STATE_ENV,
} from './shared.js';

export const command: CliCommand = {
  command: 'reshard',
  describe:
    'change the number of key shards (ebb run --shard I/N): redistribute delivered rows and failures of the shard files into new ones',
  builder: (y: Argv) =>
    withJson(
      withProjectOptions(y),
      'one JSON line: the counts, rows per model and new shard, failures, backups',
    )
      .option('to', {
        type: 'string',
        demandOption: true,
        describe: 'the new number of shards (1: one unsharded state)',
        coerce: wholeNumber('to', 1),
      })
      .epilogue(
        epilogue(
          'ebb reshard --to 3',
          STATE_ENV,
          'The old files stay locked while it runs and are kept as …before-reshard; a crash never loses either set (run it again to finish). Exit codes: 0 done, 1 a check failed (nothing changed), 2 bad invocation or a state that cannot be resharded, 75 a shard file is in use by a run.',
        ),
      ),
  handler: async (argv: Parsed) => {
    const { reshardCommand } = await import('../../lib/commands/reshard.js');
    finish(await reshardCommand({ ...globals(argv), to: argv.to as number }, await io()));
  },
};
