// `ebb run`: its yargs declaration (arguments, options, help) and the handler that calls
// lib/commands with them.

import type { Argv } from 'yargs';
import {
  type CliCommand,
  type Parsed,
  globals,
  io,
  exitNow,
  withProjectOptions,
  withJson,
  epilogue,
  STATE_ENV,
} from './shared.js';

export const command: CliCommand = {
  command: 'run [models..]',
  describe: 'run models in dependency order (all, or those selected: name, +name, name+, schema.*)',
  builder: (y: Argv) =>
    withJson(
      withProjectOptions(y),
      'one JSON line per model run on stdout, then a summary line; human text stays on stderr',
    )
      .positional('models', { type: 'string', array: true, describe: 'selectors' })
      .option('full-refresh', {
        type: 'boolean',
        describe:
          "drop the selected tracked, merge and append models' state first (a tracked model sends every row again)",
      })
      .option('yes', { type: 'boolean', alias: 'y', describe: 'do not ask before --full-refresh' })
      .option('offline', {
        type: 'string',
        describe:
          'record every request to this NDJSON file instead of sending it; the state is left unchanged',
      })
      .option('responses', {
        type: 'string',
        describe: 'with --offline: answers for matching requests (responses.json format)',
      })
      .implies('responses', 'offline')
      .option('timeout', {
        type: 'string',
        describe:
          'stop the run like Ctrl-C after this long (90s, 10m, 2h): acks of what succeeded are committed, the run is recorded as timed out, exit 124',
      })
      .option('quiet', {
        type: 'boolean',
        alias: 'q',
        describe:
          'no progress line and no line per model that went well; errors and warnings are still printed (stderr)',
      })
      .option('shard', {
        type: 'string',
        describe:
          'run shard I of N (0 ≤ I < N; also EBB_SHARD): tracked models send only the keys whose shard is I, on the state file state/ebb.shard-I-of-N.duckdb; e.g. --shard $JOB_COMPLETION_INDEX/4 in a Kubernetes Indexed Job (docs/scale.md)',
      })
      .epilogue(
        epilogue(
          'ebb run +mart.customers --json | jq .status',
          STATE_ENV +
            " .star models read env.get() values from the environment and the project's .env. NO_COLOR: no colour in the progress line. EBB_SHARD=I/N: as --shard (the flag wins). EBB_COORDINATOR (or ebb.yaml's coordinator:, which the variable overrides): a PostgreSQL URL to share rate limits, breakers and locks through (docs/scale.md).",
          'Exit codes: 0 ok, 1 a model failed, 2 bad invocation, 3 every model ran but rows failed to deliver or were rejected by the API (stderr says how many of each; see ebb status), 124 stopped by --timeout, 130 interrupted (Ctrl-C).',
        ),
      ),
  handler: async (argv: Parsed) => {
    const { runCommand } = await import('../../lib/commands/run.js');
    const code = await runCommand(
      {
        ...globals(argv),
        // The process ends here: the state's instance is left to the exit (lib/commands/io.ts).
        exiting: true,
        selectors: (argv.models as string[] | undefined) ?? [],
        fullRefresh: argv['full-refresh'] as boolean | undefined,
        yes: argv.yes as boolean | undefined,
        offline: argv.offline as string | undefined,
        responses: argv.responses as string | undefined,
        timeout: argv.timeout as string | undefined,
        quiet: argv.quiet as boolean | undefined,
        shardSpec: argv.shard as string | undefined,
      },
      await io(),
    );
    exitNow(code);
  },
};
