#!/usr/bin/env node
// ebb's command line: yargs wiring only; each command's work lives in lib/commands.

import { existsSync, readFileSync } from 'node:fs';
import type { Argv } from 'yargs';

// From dist/bin/ebb.js the package root is two folders up; from bin/ebb.ts (tests), one.
const pkg = ['../../package.json', '../package.json']
  .map((p) => new URL(p, import.meta.url))
  .filter((u) => existsSync(u))
  .map((u) => JSON.parse(readFileSync(u, 'utf8')) as { name?: string; version: string })
  .find((p) => p.name === 'ebb')!;
const args = process.argv.slice(2);

// `ebb --version` answers before loading anything else: it must start fast.
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  process.stdout.write(pkg.version + '\n');
  process.exit(0);
}

const { default: yargs } = await import('yargs');

interface Globals {
  project?: string | undefined;
  state?: string | undefined;
  json?: boolean | undefined;
}

function globals(args: unknown) {
  const argv = args as Globals;
  return { cwd: process.cwd(), project: argv.project, state: argv.state, json: argv.json, env: process.env };
}

async function io() {
  return (await import('../lib/commands/io.js')).processIO;
}

function finish(code: number): void {
  process.exitCode = code;
}

const cli = yargs(args)
  .scriptName('ebb')
  .usage('ebb — a local-first data pipeline engine on DuckDB, where reverse ETL is one more model.\n\nUsage: $0 <command> [options]')
  .option('project', { type: 'string', describe: 'project folder (default: the nearest folder above the current one that holds models/)' })
  .option('state', { type: 'string', describe: 'state database (default: EBB_STATE, else <project>/state/ebb.duckdb)' })
  .option('json', { type: 'boolean', describe: 'machine-readable NDJSON on stdout; human text stays on stderr' })
  .command(
    'init [dir]',
    'create a new project: models/ with an example model, state/ ignored by git, .env.example',
    (y: Argv) => y.positional('dir', { type: 'string', describe: 'folder to create the project in', default: '.' }),
    async (argv) => {
      const { initCommand } = await import('../lib/commands/init.js');
      finish(await initCommand({ cwd: process.cwd(), dir: argv.dir as string }, await io()));
    },
  )
  .command(
    'run [models..]',
    'run models in dependency order (all, or those selected: name, +name, name+, schema.*)',
    (y: Argv) =>
      y
        .positional('models', { type: 'string', array: true, describe: 'selectors' })
        .option('full-refresh', {
          type: 'boolean',
          describe: 'drop the selected tracked, merge and append models\' state first (a tracked model sends every row again)',
        })
        .option('yes', { type: 'boolean', alias: 'y', describe: 'do not ask before --full-refresh' })
        .option('offline', { type: 'string', describe: 'record every request to this NDJSON file instead of sending it; the state is left unchanged' })
        .option('responses', { type: 'string', describe: 'with --offline: answers for matching requests (responses.json format)' })
        .implies('responses', 'offline'),
    async (argv) => {
      const { runCommand } = await import('../lib/commands/run.js');
      finish(
        await runCommand(
          {
            ...globals(argv),
            selectors: (argv.models as string[] | undefined) ?? [],
            fullRefresh: argv['full-refresh'] as boolean | undefined,
            yes: argv.yes as boolean | undefined,
            offline: argv.offline as string | undefined,
            responses: argv.responses as string | undefined,
          },
          await io(),
        ),
      );
    },
  )
  .command(
    'plan [models..]',
    'what a run would send: per tracked model, new/changed/deleted counts and sample rows; nothing is sent or saved',
    (y: Argv) => y.positional('models', { type: 'string', array: true, describe: 'selectors' }),
    async (argv) => {
      const { planCommand } = await import('../lib/commands/plan.js');
      finish(await planCommand({ ...globals(argv), selectors: (argv.models as string[] | undefined) ?? [] }, await io()));
    },
  )
  .command(
    'status [models..]',
    'per model: the last run, failed rows pending (grouped by status and error) and what the next run would send',
    (y: Argv) =>
      y
        .positional('models', { type: 'string', array: true, describe: 'selectors (default: every model)' })
        .option('failures', { type: 'string', describe: 'list the failed rows of this model' })
        .option('limit', { type: 'number', default: 100, describe: 'rows listed by --failures' }),
    async (argv) => {
      const { statusCommand } = await import('../lib/commands/status.js');
      finish(
        await statusCommand(
          {
            ...globals(argv),
            models: (argv.models as string[] | undefined) ?? [],
            failures: argv.failures as string | undefined,
            limit: argv.limit as number,
          },
          await io(),
        ),
      );
    },
  )
  .command(
    'validate',
    'check every model (directives, SQL, dependencies, binding) without writing anything',
    (y: Argv) => y,
    async (argv) => {
      const { validateCommand } = await import('../lib/commands/validate.js');
      finish(await validateCommand(globals(argv), await io()));
    },
  )
  .command(
    'sql <query>',
    'run SQL on the project state and print the result (a table; --json for NDJSON, --csv for CSV)',
    (y: Argv) =>
      y
        .positional('query', { type: 'string', describe: 'the SQL statement' })
        .option('csv', { type: 'boolean', describe: 'CSV with a header line on stdout' })
        .option('max-rows', { type: 'number', default: 1000, describe: 'rows shown in table output' })
        .conflicts('csv', 'json'),
    async (argv) => {
      const { sqlCommand } = await import('../lib/commands/sql.js');
      const format = argv.json ? 'json' : argv.csv ? 'csv' : 'table';
      finish(await sqlCommand({ ...globals(argv), sql: argv.query as string, format, maxRows: argv['max-rows'] as number }, await io()));
    },
  )
  .command(
    'history [model]',
    'past model runs, newest first',
    (y: Argv) =>
      y
        .positional('model', { type: 'string', describe: 'only runs of this model' })
        .option('limit', { type: 'number', default: 50, describe: 'how many runs to show' }),
    async (argv) => {
      const { historyCommand } = await import('../lib/commands/history.js');
      finish(await historyCommand({ ...globals(argv), model: argv.model as string | undefined, limit: argv.limit as number }, await io()));
    },
  )
  .command(
    'test [tests..]',
    'run the snapshot tests in tests/NAME/NN_step/ offline on a scratch state; compare requests with requests.ndjson',
    (y: Argv) =>
      y
        .positional('tests', { type: 'string', array: true, describe: 'test names (folders of tests/); all when none' })
        .option('update', { type: 'boolean', describe: 'write requests.ndjson and the expect.sql blocks from what ran' }),
    async (argv) => {
      const { testCommand } = await import('../lib/commands/test.js');
      finish(await testCommand({ ...globals(argv), names: (argv.tests as string[] | undefined) ?? [], update: argv.update as boolean | undefined }, await io()));
    },
  )
  .command(
    'star <file>',
    'run a standalone Starlark file (universe, json, struct); print() goes to stdout',
    (y: Argv) => y.positional('file', { type: 'string', describe: 'the .star file' }),
    async (argv) => {
      const { runScriptFile } = await import('../lib/starlark/index.js');
      finish(runScriptFile(argv.file as string));
    },
  )
  .demandCommand(1, 'Name a command (see ebb --help).')
  .recommendCommands()
  .strict()
  .version(pkg.version)
  .alias('h', 'help')
  .alias('v', 'version')
  .wrap(Math.min(100, process.stdout.columns || 100))
  .fail((msg, err) => {
    if (err) throw err;
    process.stderr.write(`error: ${msg}\nRun "ebb --help" for usage.\n`);
    process.exit(2);
  });

await cli.parseAsync();
