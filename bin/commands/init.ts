// `ebb init`: its yargs declaration (arguments, options, help) and the handler that calls
// lib/commands with them.

import type { Argv } from 'yargs';
import { type CliCommand, type Parsed, io, finish, epilogue } from './shared.js';

export const command: CliCommand = {
  command: 'init [dir]',
  describe: 'create a new project: models/ with an example model, state/ ignored by git, .env.example',
  builder: (y: Argv) =>
    y
      .positional('dir', { type: 'string', describe: 'folder to create the project in', default: '.' })
      .epilogue(
        epilogue(
          'ebb init ~/my-pipeline && cd ~/my-pipeline && ebb run',
          'Environment: none.',
          'Exit codes: 0 created, 1 the folder cannot be written, 2 a project is already there.',
        ),
      ),
  handler: async (argv: Parsed) => {
    const { initCommand } = await import('../../lib/commands/init.js');
    finish(await initCommand({ cwd: process.cwd(), dir: argv.dir as string }, await io()));
  },
};
