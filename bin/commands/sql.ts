// `ebb sql`: its yargs declaration (arguments, options, help) and the handler that calls
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
import { unheld } from './held-sql.js';

export const command: CliCommand = {
  command: 'sql <query>',
  describe: 'run SQL on the project state and print the result (a table; --json for NDJSON, --csv for CSV)',
  builder: (y: Argv) =>
    withJson(withProjectOptions(y), 'one JSON object per row on stdout')
      .positional('query', { type: 'string', describe: 'the SQL statement' })
      .option('csv', { type: 'boolean', describe: 'CSV with a header line on stdout' })
      .option('max-rows', {
        type: 'string',
        default: '1000',
        describe: 'rows shown in table output',
        coerce: wholeNumber('max-rows', 0),
      })
      .conflicts('csv', 'json')
      .epilogue(epilogue('ebb sql "SELECT * FROM mart.customers LIMIT 5" --csv > sample.csv')),
  handler: async (argv: Parsed) => {
    const { sqlCommand } = await import('../../lib/commands/sql.js');
    const format = argv.json ? 'json' : argv.csv ? 'csv' : 'table';
    finish(
      await sqlCommand(
        {
          ...globals(argv),
          sql: unheld(argv.query as string),
          format,
          maxRows: argv['max-rows'] as number,
        },
        await io(),
      ),
    );
  },
};
