// The commands of the CLI in the order `ebb --help` lists them. Adding a command is one file in
// this folder (its yargs declaration and handler, a CliCommand) plus one line here.

import type { CliCommand } from './shared.js';
import { command as init } from './init.js';
import { command as run } from './run.js';
import { command as plan } from './plan.js';
import { command as status } from './status.js';
import { command as validate } from './validate.js';
import { command as ls } from './ls.js';
import { command as sql } from './sql.js';
import { command as retry } from './retry.js';
import { command as reshard } from './reshard.js';
import { command as history } from './history.js';
import { command as demoServer } from './demo-server.js';
import { command as test } from './test.js';
import { command as serve } from './serve.js';
import { command as ui } from './ui.js';
import { command as star } from './star.js';

export const COMMANDS: readonly CliCommand[] = [
  init,
  run,
  plan,
  status,
  validate,
  ls,
  sql,
  reshard,
  retry,
  history,
  demoServer,
  test,
  serve,
  ui,
  star,
];
