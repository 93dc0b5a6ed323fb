// `ebb serve`: its yargs declaration (arguments, options, help) and the handler that calls
// lib/commands with them.

import type { Argv } from 'yargs';
import {
  type CliCommand,
  type Parsed,
  globals,
  io,
  finish,
  withProjectOptions,
  epilogue,
  STATE_ENV,
} from './shared.js';

export const command: CliCommand = {
  command: 'serve',
  describe:
    "run the project file's schedules and serve the dashboard, /metrics and /healthz until SIGTERM (for a container or a VM)",
  builder: (y: Argv) =>
    withProjectOptions(y)
      .option('host', { type: 'string', describe: 'address to listen on', default: '127.0.0.1' })
      .option('port', {
        type: 'number',
        describe:
          'port for the dashboard (its URL with the token is printed at start), /metrics and /healthz',
        default: 8420,
      })
      .option('shard', {
        type: 'string',
        describe:
          'run the schedules as shard I of N (0 ≤ I < N; also EBB_SHARD), on the state file state/ebb.shard-I-of-N.duckdb, as ebb run --shard does; the dashboard shows every shard of the state folder',
      })
      .epilogue(
        epilogue(
          'ebb serve --host 0.0.0.0 --port 8420',
          `${STATE_ENV} Schedules and alerts come from ebb.yaml (schedules:, alerts:). EBB_SHARD=I/N: as --shard (the flag wins). EBB_COORDINATOR (or ebb.yaml's coordinator:, which the variable overrides): scheduled runs share rate limits, breakers and locks through it, as ebb run does.`,
          'Exit codes: 0 stopped by SIGTERM or Ctrl-C (the run in progress finished its requests), 1 could not start, 2 bad invocation.',
        ),
      ),
  handler: async (argv: Parsed) => {
    const { serveCommand } = await import('../../lib/commands/serve.js');
    finish(
      await serveCommand(
        {
          ...globals(argv),
          host: argv.host as string,
          port: argv.port as number,
          shardSpec: argv.shard as string | undefined,
        },
        await io(),
      ),
    );
  },
};
