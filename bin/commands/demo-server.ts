// `ebb demo-server`: its yargs declaration (arguments, options, help) and the handler that calls
// lib/commands with them.

import type { Argv } from 'yargs';
import { type CliCommand, type Parsed, io, finish, wholeNumber, epilogue, START } from './shared.js';

export const command: CliCommand = {
  command: 'demo-server',
  describe: "start the demo CRM API (the endpoint of the README's tutorial and of npm start) until Ctrl-C",
  builder: (y: Argv) =>
    y
      .option('port', {
        type: 'string',
        default: '4010',
        describe: 'port on 127.0.0.1 (0: any free port)',
        coerce: wholeNumber('port', 0),
      })
      .option('data', {
        type: 'string',
        describe: 'JSON file to keep the data in between starts (default: in memory)',
      })
      .option('rate', {
        type: 'string',
        describe: 'requests per second before it answers 429 (default 500)',
        coerce: wholeNumber('rate', 1),
      })
      .epilogue(
        epilogue(
          'ebb demo-server --port 4010 --data state/crm.json',
          'Environment: none.',
          'Exit codes: 0 stopped by Ctrl-C, 2 bad option.',
        ),
      ),
  handler: async (argv: Parsed) => {
    const { demoServerCommand } = await import('../../lib/commands/demo-server.js');
    const stop = new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    finish(
      await demoServerCommand(
        {
          cwd: START,
          port: argv.port as number,
          data: argv.data as string | undefined,
          ratePerSecond: argv.rate as number | undefined,
        },
        await io(),
        stop,
      ),
    );
  },
};
