#!/usr/bin/env node
// ebb's command line: yargs wiring only. Each command is declared in its own file of
// bin/commands (arguments, options, help, a handler calling lib/commands, where its work lives).
// A command's options are the ones it uses (--project, --state, --json are declared on the
// commands that read them), and its --help ends with an example, its exit codes and the
// environment variables it reads.

import { existsSync, readFileSync } from 'node:fs';

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

// SQL that starts with a comment (`-- …`) or a minus would be taken for an option (held-sql.ts).
if (args[0] === 'sql') args = (await import('./commands/held-sql.js')).holdSql(args);

// `ebb star FILE` runs a script and nothing else: it starts without yargs (a fifth of a second
// of module loading, which a short script would wait for); with any option it takes the
// ordinary path below, so `ebb star --help` and bad invocations are answered by yargs.
const starFile = args.length === 2 && args[0] === 'star' && !args[1]!.startsWith('-') ? args[1] : undefined;
if (starFile !== undefined) {
  const [{ starCommand }, { processIO }] = await Promise.all([
    import('../lib/commands/star.js'),
    import('../lib/commands/process-io.js'),
  ]);
  process.exitCode = await starCommand(starFile, processIO);
}

if (starFile === undefined) await parse(args);

/** parse hands the arguments to yargs, with every command of bin/commands (index.ts). */
async function parse(args: string[]): Promise<void> {
  const yargs = (await import('yargs')).default;
  const [{ BadOption, EXIT_CODES }, { COMMANDS }] = await Promise.all([
    import('./commands/shared.js'),
    import('./commands/index.js'),
  ]);
  const cli = yargs(args)
    .scriptName('ebb')
    .usage(
      'ebb — a local-first data pipeline engine on DuckDB, where reverse ETL is one more model.\n\nUsage: $0 <command> [options]',
    );
  // yargs lists the commands in the order they are declared (bin/commands/index.ts).
  for (const c of COMMANDS) cli.command(c.command, c.describe, c.builder, c.handler);

  cli
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

  await cli.parseAsync();
}
