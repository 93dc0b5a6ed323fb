// `ebb test`: its yargs declaration (arguments, options, help) and the handler that calls
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
  command: 'test [tests..]',
  describe:
    'run the snapshot tests in tests/NAME/NN_step/ offline on a scratch state; compare requests with requests.ndjson',
  builder: (y: Argv) =>
    withJson(withProjectOptions(y), 'one JSON line per step and per test on stdout')
      .positional('tests', {
        type: 'string',
        array: true,
        describe: 'test names (folders of tests/); all when none',
      })
      .option('update', {
        type: 'boolean',
        describe: 'write requests.ndjson and the expect.sql blocks from what ran',
      })
      .epilogue(
        epilogue(
          'ebb test users_sync --update',
          "Environment: the project's .env and the environment, as for ebb run; no request leaves the process.",
          'Exit codes: 0 every test passed, 1 a test failed, 2 bad invocation or unknown test, 130 interrupted.',
        ),
      ),
  handler: async (argv: Parsed) => {
    const { testCommand } = await import('../../lib/commands/test.js');
    finish(
      await testCommand(
        {
          ...globals(argv),
          names: (argv.tests as string[] | undefined) ?? [],
          update: argv.update as boolean | undefined,
        },
        await io(),
      ),
    );
  },
};
