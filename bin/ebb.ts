#!/usr/bin/env node
// ebb's command line: yargs wiring only, one block per command; each command's work lives in
// lib/commands. A command's options are the ones it uses (--project, --state, --json are
// declared on the commands that read them), and its --help ends with an example, its exit
// codes and the environment variables it reads.

import { existsSync, readFileSync } from 'node:fs';
import type { Argv } from 'yargs';

// From dist/bin/ebb.js the package root is two folders up; from bin/ebb.ts (tests), one.
const pkg = ['../../package.json', '../package.json']
  .map((p) => new URL(p, import.meta.url))
  .filter((u) => existsSync(u))
  .map((u) => JSON.parse(readFileSync(u, 'utf8')) as { name?: string; version: string })
  .find((p) => p.name === 'ebb')!;
let args = process.argv.slice(2);

// `ebb --version` answers before loading anything else: it must start fast.
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  process.stdout.write(pkg.version + '\n');
  process.exit(0);
}

// `ebb help [command]` is `ebb [command] --help`.
if (args[0] === 'help') args = args.length > 1 ? [args[1]!, '--help'] : ['--help'];

// SQL that starts with a comment (`-- …`) or a minus would be taken for an option: an
// argument with a space or a line break in it is never an option, so it is held apart
// from yargs and given back as the statement.
const held: string[] = [];
if (args[0] === 'sql') {
  args = args.map((a, i) =>
    i > 0 && a.startsWith('-') && /\s/.test(a) ? `\u0000sql${held.push(a) - 1}` : a,
  );
}
const unheld = (text: string): string =>
  text.replace(/^\u0000sql(\d+)$/, (_m, i: string) => held[Number(i)]!);

// `ebb star FILE` runs a script and nothing else: it starts without yargs (a fifth of a second
// of module loading, which a short script would wait for); with any option it takes the
// ordinary path below, so `ebb star --help` and bad invocations are answered by yargs.
const starFile = args.length === 2 && args[0] === 'star' && !args[1]!.startsWith('-') ? args[1] : undefined;
if (starFile !== undefined) {
  const [{ starCommand }, { processIO }] = await Promise.all([
    import('../lib/commands/star.js'),
    import('../lib/commands/io.js'),
  ]);
  process.exitCode = starCommand(starFile, processIO);
}

const yargs = starFile === undefined ? (await import('yargs')).default : undefined;

interface Globals {
  project?: string | undefined;
  state?: string | undefined;
  json?: boolean | undefined;
  wait?: string | undefined;
}

const { findRoot } = await import('../lib/project/root.js');
/** The folder ebb was started in: relative paths given on the command line resolve from it. */
const START = process.cwd();

/**
 * globals also moves the process into the project root: DuckDB resolves a relative path in a
 * model (read_parquet('extracts/x.parquet')) against the working folder before its
 * file_search_path, so a same-named file in the folder ebb was started from would win.
 */
function globals(args: unknown) {
  const argv = args as Globals;
  try {
    process.chdir(findRoot(START, argv.project));
  } catch {
    // No project here: the command says so when it opens it.
  }
  return {
    cwd: START,
    project: argv.project,
    state: argv.state,
    json: argv.json,
    wait: argv.wait,
    env: process.env,
  };
}

async function io() {
  return (await import('../lib/commands/io.js')).processIO;
}

function finish(code: number): void {
  process.exitCode = code;
}

/** A usage error found while parsing: yargs prints it and exits 2. */
class BadOption extends Error {}

/** wholeNumber reads an option that must be a whole number of at least `min`. */
function wholeNumber(name: string, min: number): (value: unknown) => number {
  return (value) => {
    const text = String(Array.isArray(value) ? value[value.length - 1] : value);
    if (!/^\d+$/.test(text) || Number(text) < min) {
      throw new BadOption(`--${name} takes a whole number${min > 0 ? ` from ${min}` : ''}, not "${text}"`);
    }
    return Number(text);
  };
}

/** withProjectOptions declares --project and --state, for commands that open a project. */
function withProjectOptions(y: Argv): Argv {
  return y
    .option('project', {
      type: 'string',
      describe: 'project folder (default: the nearest folder above the current one that holds models/)',
    })
    .option('state', {
      type: 'string',
      describe: 'state database (default: EBB_STATE, else <project>/state/ebb.duckdb)',
    })
    .option('wait', {
      type: 'string',
      describe: `how long to wait for a state another ebb process holds (read-only commands: 5s; run: 0s)`,
    });
}

function withJson(y: Argv, what: string): Argv {
  return y.option('json', { type: 'boolean', describe: what });
}

const EXIT_CODES =
  'Exit codes: 0 ok, 1 a model or check failed, 2 bad invocation, 75 the state is busy (held by another ebb).';
const STATE_ENV =
  "Environment: EBB_STATE (state path), EBB_MEMORY_LIMIT (DuckDB memory limit, default 400MB), EBB_DEBUG=sql,star (trace every statement, and the .star runner's decisions, to stderr).";

function epilogue(example: string, env: string = STATE_ENV, exits: string = EXIT_CODES): string {
  return `Example:\n  ${example}\n\n${exits}\n${env}`;
}

const cli = yargs?.(args)
  .scriptName('ebb')
  .usage(
    'ebb — a local-first data pipeline engine on DuckDB, where reverse ETL is one more model.\n\nUsage: $0 <command> [options]',
  )
  .command(
    'init [dir]',
    'create a new project: models/ with an example model, state/ ignored by git, .env.example',
    (y: Argv) =>
      y
        .positional('dir', { type: 'string', describe: 'folder to create the project in', default: '.' })
        .epilogue(
          epilogue(
            'ebb init ~/my-pipeline && cd ~/my-pipeline && ebb run',
            'Environment: none.',
            'Exit codes: 0 created, 1 the folder cannot be written, 2 a project is already there.',
          ),
        ),
    async (argv) => {
      const { initCommand } = await import('../lib/commands/init.js');
      finish(await initCommand({ cwd: process.cwd(), dir: argv.dir as string }, await io()));
    },
  )
  .command(
    'run [models..]',
    'run models in dependency order (all, or those selected: name, +name, name+, schema.*)',
    (y: Argv) =>
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
              " .star models read env.get() values from the environment and the project's .env. NO_COLOR: no colour in the progress line. EBB_SHARD=I/N: as --shard (the flag wins).",
            'Exit codes: 0 ok, 1 a model failed, 2 bad invocation, 3 every model ran but rows failed to deliver or were rejected by the API (stderr says how many of each; see ebb status), 124 stopped by --timeout, 130 interrupted (Ctrl-C).',
          ),
        ),
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
            timeout: argv.timeout as string | undefined,
            quiet: argv.quiet as boolean | undefined,
            shardSpec: argv.shard as string | undefined,
          },
          await io(),
        ),
      );
    },
  )
  .command(
    'plan [models..]',
    'what a run would send: per tracked model, new/changed/deleted counts and sample rows; nothing is sent or saved',
    (y: Argv) =>
      withJson(withProjectOptions(y), 'one JSON line per tracked model on stdout instead of the report')
        .positional('models', { type: 'string', array: true, describe: 'selectors' })
        .option('shard', {
          type: 'string',
          describe:
            "shard I/N's plan only (also EBB_SHARD); without it, a sharded state plans every shard, then each model's totals",
        })
        .epilogue(epilogue('ebb plan sync.* > plan.txt')),
    async (argv) => {
      const { planCommand } = await import('../lib/commands/plan.js');
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
  )
  .command(
    'status [models..]',
    'per model: the last run, failed rows pending (grouped by status and error) and what the next run would send',
    (y: Argv) =>
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
    async (argv) => {
      const { statusCommand } = await import('../lib/commands/status.js');
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
  )
  .command(
    'validate',
    'check every model (directives, SQL, dependencies, binding) without writing anything',
    (y: Argv) =>
      withJson(
        withProjectOptions(y),
        'one JSON line on stdout: {models, problems: [{file, line, col, code, message}], unbound}',
      ).epilogue(epilogue('ebb validate --json | jq -r \'.problems[] | "\\(.file):\\(.line) \\(.code)"\'')),
    async (argv) => {
      const { validateCommand } = await import('../lib/commands/validate.js');
      finish(await validateCommand(globals(argv), await io()));
    },
  )
  .command(
    'ls',
    'list the models: kind, file, the models each reads, its last run',
    (y: Argv) =>
      withJson(withProjectOptions(y), 'one JSON line per model on stdout').epilogue(
        epilogue("ebb ls --json | jq -r 'select(.last_run == null) | .model'"),
      ),
    async (argv) => {
      const { lsCommand } = await import('../lib/commands/ls.js');
      finish(await lsCommand(globals(argv), await io()));
    },
  )
  .command(
    'sql <query>',
    'run SQL on the project state and print the result (a table; --json for NDJSON, --csv for CSV)',
    (y: Argv) =>
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
    async (argv) => {
      const { sqlCommand } = await import('../lib/commands/sql.js');
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
  )
  .command(
    'reshard',
    'change the number of key shards (ebb run --shard I/N): redistribute delivered rows and failures of the shard files into new ones',
    (y: Argv) =>
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
    async (argv) => {
      const { reshardCommand } = await import('../lib/commands/reshard.js');
      finish(await reshardCommand({ ...globals(argv), to: argv.to as number }, await io()));
    },
  )
  .command(
    'retry <model>',
    "send the rows the API rejected again (all of the model's, or --keys): the next run sends them",
    (y: Argv) =>
      withJson(withProjectOptions(y), 'one JSON line: the model, how many rows and which keys')
        .positional('model', { type: 'string', describe: 'the tracked model whose rejected rows to retry' })
        .option('keys', {
          type: 'string',
          array: true,
          describe:
            'only these keys: values of a one-column key, or keys as ebb status shows them ({"id":7})',
        })
        .epilogue(
          epilogue(
            'ebb retry sync.crm_contacts --keys 42 57',
            STATE_ENV,
            'A rejected row (outcome.rejected in an outcome function) is not sent again while its content stays the same; retry clears its entry in _ebb.failures. Failed rows need no retry: every run sends them. ' +
              EXIT_CODES,
          ),
        ),
    async (argv) => {
      const { retryCommand } = await import('../lib/commands/retry.js');
      finish(
        await retryCommand(
          { ...globals(argv), model: argv.model as string, keys: argv.keys as string[] | undefined },
          await io(),
        ),
      );
    },
  )
  .command(
    'history [model]',
    'past model runs, newest first',
    (y: Argv) =>
      withJson(withProjectOptions(y), 'one JSON line per model run on stdout')
        .positional('model', { type: 'string', describe: 'only runs of this model' })
        .option('limit', {
          type: 'string',
          default: '50',
          describe: 'how many runs to show',
          coerce: wholeNumber('limit', 1),
        })
        .epilogue(epilogue('ebb history mart.customers --limit 5')),
    async (argv) => {
      const { historyCommand } = await import('../lib/commands/history.js');
      finish(
        await historyCommand(
          { ...globals(argv), model: argv.model as string | undefined, limit: argv.limit as number },
          await io(),
        ),
      );
    },
  )
  .command(
    'demo-server',
    "start the demo CRM API (the endpoint of the README's tutorial and of npm start) until Ctrl-C",
    (y: Argv) =>
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
    async (argv) => {
      const { demoServerCommand } = await import('../lib/commands/demo-server.js');
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
  )
  .command(
    'test [tests..]',
    'run the snapshot tests in tests/NAME/NN_step/ offline on a scratch state; compare requests with requests.ndjson',
    (y: Argv) =>
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
    async (argv) => {
      const { testCommand } = await import('../lib/commands/test.js');
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
  )
  .command(
    'serve',
    "run the project file's schedules and serve the dashboard, /metrics and /healthz until SIGTERM (for a container or a VM)",
    (y: Argv) =>
      withProjectOptions(y)
        .option('host', { type: 'string', describe: 'address to listen on', default: '127.0.0.1' })
        .option('port', {
          type: 'number',
          describe:
            'port for the dashboard (its URL with the token is printed at start), /metrics and /healthz',
          default: 8420,
        })
        .epilogue(
          epilogue(
            'ebb serve --host 0.0.0.0 --port 8420',
            `${STATE_ENV} Schedules and alerts come from ebb.yaml (schedules:, alerts:).`,
            'Exit codes: 0 stopped by SIGTERM or Ctrl-C (the run in progress finished its requests), 1 could not start, 2 bad invocation.',
          ),
        ),
    async (argv) => {
      const { serveCommand } = await import('../lib/commands/serve.js');
      finish(
        await serveCommand(
          { ...globals(argv), host: argv.host as string, port: argv.port as number },
          await io(),
        ),
      );
    },
  )
  .command(
    'ui',
    "the local dashboard: the models' DAG, run history, a model's runs and failed rows, a run in progress live (read-only)",
    (y: Argv) =>
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
    async (argv) => {
      const { uiCommand } = await import('../lib/commands/ui.js');
      finish(
        await uiCommand(
          { ...globals(argv), host: argv.host as string, port: argv.port as number },
          await io(),
        ),
      );
    },
  )
  .command(
    'star <file>',
    'run a standalone Starlark file (universe, json, struct); print() goes to stdout',
    (y: Argv) =>
      y
        .positional('file', { type: 'string', describe: 'the .star file' })
        .epilogue(
          epilogue(
            'ebb star scratch.star',
            'Environment: none.',
            'Exit codes: 0 ok, 1 the script failed (file:line:col: message, then a backtrace), 2 bad invocation.',
          ),
        ),
    async (argv) => {
      const { starCommand } = await import('../lib/commands/star.js');
      finish(starCommand(argv.file as string, await io()));
    },
  )
  .demandCommand(1, 'Name a command (see ebb --help).')
  .recommendCommands()
  .strict()
  .version(pkg.version)
  .alias('h', 'help')
  .alias('v', 'version')
  .epilogue(
    `Run "ebb help <command>" for a command's options, an example, exit codes and environment.\n${EXIT_CODES}`,
  )
  .wrap(Math.min(100, process.stdout.columns || 100))
  .fail((msg, err) => {
    // A bad option value (see wholeNumber) reaches here wrapped in yargs' own YError.
    if (err && !(err instanceof BadOption) && err.name !== 'YError') throw err;
    process.stderr.write(`error: ${err ? err.message : msg}\nRun "ebb --help" for usage.\n`);
    process.exit(2);
  });

// yargs renders a command's whole help text as its handler starts, to show it if the handler
// fails; ours print their own errors (see fail above), and the rendering costs a no-change run
// about a tenth of its time. --help renders it when asked.
const usage = (
  cli as unknown as
    | { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }
    | undefined
)
  ?.getInternalMethods?.()
  .getUsageInstance?.();
if (usage?.cacheHelpMessage) usage.cacheHelpMessage = () => undefined;

await cli?.parseAsync();
