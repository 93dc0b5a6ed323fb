// `ebb ui`: its yargs declaration (arguments, options, help) and the handler that calls
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
  epilogue,
  STATE_ENV,
} from './shared.js';

export const command: CliCommand = {
  command: 'ui',
  describe:
    "the local dashboard: the models' DAG, run history, a model's runs and failed rows, a run in progress live (read-only)",
  builder: (y: Argv) =>
    withProjectOptions(y)
      .option('host', {
        type: 'string',
        describe:
          'address to listen on (another than 127.0.0.1 exposes the dashboard: the token still guards it)',
        default: '127.0.0.1',
      })
      .option('port', {
        type: 'string',
        default: '8421',
        describe: 'port (0: any free port)',
        coerce: wholeNumber('port', 0),
      })
      .epilogue(
        epilogue(
          'ebb ui --port 8421   # then open the URL it prints (it carries the access token)',
          STATE_ENV,
          'Exit codes: 0 stopped by Ctrl-C or SIGTERM, 1 could not start (the port is taken, no project), 2 bad invocation.',
        ),
      ),
  handler: async (argv: Parsed) => {
    const { uiCommand } = await import('../../lib/commands/ui.js');
    finish(
      await uiCommand({ ...globals(argv), host: argv.host as string, port: argv.port as number }, await io()),
    );
  },
};
