// Run a Starlark file with ebb's interpreter, like `ebb star FILE` (used by the
// benchmark until the CLI has that command): node --import=tsx bench/starlark/run-ebb.ts FILE
import { runScriptFile } from '../../lib/starlark/index.ts';

const file = process.argv[2];
if (!file) {
  console.error('usage: run-ebb.ts FILE.star');
  process.exit(2);
}
process.exitCode = runScriptFile(file, {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
