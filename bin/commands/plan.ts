// `ebb plan`: its yargs declaration (arguments, options, help) and the handler that calls
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
  command: 'plan [models..]',
  describe:
    'what a run would send: per tracked model, new/changed/deleted counts and sample rows; nothing is sent or saved',
  builder: (y: Argv) =>
    withJson(withProjectOptions(y), 'one JSON line per tracked model on stdout instead of the report')
      .positional('models', { type: 'string', array: true, describe: 'selectors' })
      .option('shard', {
        type: 'string',
        describe:
          "shard I/N's plan only (also EBB_SHARD); without it, a sharded state plans every shard, then each model's totals",
      })
      .epilogue(epilogue('ebb plan sync.* > plan.txt')),
  handler: async (argv: Parsed) => {
    const { planCommand } = await import('../../lib/commands/plan.js');
    finish(
      await planCommand(
        {
          ...globals(argv),
          selectors: (argv.models as string[] | undefined) ?? [],
          shardSpec: argv.shard as string | undefined,
        },
        await io(),
      ),
    );
  },
};
