// The math module is predeclared where json and time are: in `ebb star` scripts and in
// models (run and statically checked). Its functions are tested by test/starlark/math.star.

import test from 'ava';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { runCommand } from '../lib/commands/run.js';
import { runScriptFile } from '../lib/starlark/index.js';
import { capture, makeProject, tempDir } from './helpers/project.js';

test('ebb star scripts find math predeclared', (t) => {
  const file = join(tempDir(), 'm.star');
  writeFileSync(file, 'print(math.floor(2.7), math.sqrt(16), math.round(-2.5), json.encode(math.pi))\n');
  let out = '';
  let err = '';
  const code = runScriptFile(file, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  t.is(code, 0, err);
  t.is(out, '2 4.0 -3.0 3.141592653589793\n');
});

test('a model finds math predeclared, and a misuse fails at its line', async (t) => {
  const root = makeProject({
    'models/t/m.star':
      '# @kind: table\nprint("ceil", math.ceil(1.2), math.log(8, 2))\nsave.row({"a": math.floor(9.9)})\n',
    'models/t/bad.star': '# @kind: table\nx = math.sqrt("4")\nsave.row({"a": 1})\n',
  });
  const c = capture();
  const code = await runCommand({ cwd: root, selectors: [], json: true, env: process.env }, c.io);
  t.is(code, 1);
  t.regex(c.err(), /t\.m: ceil 2 3\.0/);
  const bad = c.json().find((r) => String(r['model']).endsWith('bad'));
  t.regex(String(bad?.['error']), /bad\.star:2:\d+: .*sqrt: for parameter 1: got string, want float or int/);
  const ok = c.json().find((r) => String(r['model']).endsWith('.m'));
  t.is(ok?.['status'], 'ok', JSON.stringify(c.json()));
});
