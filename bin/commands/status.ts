// `ebb status`: its yargs declaration (arguments, options, help) and the handler that calls
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
  command: 'status [models..]',
  describe:
    'per model: the last run, failed rows pending (grouped by status and error) and what the next run would send',
  builder: (y: Argv) =>
    withJson(
      withProjectOptions(y),
      'JSON lines on stdout: one per model, or one per failed row with --failures',
    )
      .positional('models', { type: 'string', array: true, describe: 'selectors (default: every model)' })
      .option('failures', { type: 'string', describe: 'list the failed rows of this model' })
      .option('check', {
        type: 'boolean',
        describe:
          'for monitors: exit 1 when failures are pending, a last run failed or a scheduled model is overdue',
      })
      .option('limit', {
        type: 'string',
        default: '100',
        describe: 'rows listed by --failures',
        coerce: wholeNumber('limit', 1),
      })
      .option('shard', {
        type: 'string',
        describe:
          'the state of shard I/N only (also EBB_SHARD); without it, a sharded state (state/ebb.shard-I-of-N.duckdb files) shows every shard and the totals',
      })
      .epilogue(epilogue('ebb status --failures sync.users')),
  handler: async (argv: Parsed) => {
    const { statusCommand } = await import('../../lib/commands/status.js');
    finish(
      await statusCommand(
        {
          ...globals(argv),
          models: (argv.models as string[] | undefined) ?? [],
          failures: argv.failures as string | undefined,
          limit: argv.limit as number,
          check: argv.check as boolean | undefined,
          shardSpec: argv.shard as string | undefined,
        },
        await io(),
      ),
    );
  },
};
