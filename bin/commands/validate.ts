// `ebb validate`: its yargs declaration (arguments, options, help) and the handler that calls
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
  command: 'validate',
  describe: 'check every model (directives, SQL, dependencies, binding) without writing anything',
  builder: (y: Argv) =>
    withJson(
      withProjectOptions(y),
      'one JSON line on stdout: {models, problems: [{file, line, col, code, message}], unbound}',
    ).epilogue(epilogue('ebb validate --json | jq -r \'.problems[] | "\\(.file):\\(.line) \\(.code)"\'')),
  handler: async (argv: Parsed) => {
    const { validateCommand } = await import('../../lib/commands/validate.js');
    finish(await validateCommand(globals(argv), await io()));
  },
};
