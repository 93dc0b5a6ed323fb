// `ebb star` imports json and math only for a script that names them (run-script-lean.ts): what
// a script sees must not depend on it. Each case runs through starCommand, the command itself.

import test from 'ava';
import { join } from 'node:path';
import { starCommand } from '../lib/commands/star.js';
import { predeclaredFor } from '../lib/starlark/run-script-lean.js';
import { runScriptFile } from '../lib/starlark/run-script.js';
import { json } from '../lib/starlark/lib/json/json.js';
import { math } from '../lib/starlark/lib/math/math.js';
import { None } from '../lib/starlark/eval/value.js';
import { capture, makeProject } from './helpers/project.js';

async function star(files: Record<string, string>, main = 'main.star'): Promise<[number, string, string]> {
  const root = makeProject(files);
  const c = capture();
  const code = await starCommand(join(root, main), c.io);
  return [code, c.out(), c.err()];
}

test('a script that names json or math gets the module; one that names neither gets neither', async (t) => {
  t.like(await predeclaredFor('print(json.encode([1]))\n'), { json, math: None });
  t.like(await predeclaredFor('print(math.floor(2.5))\n'), { json: None, math });
  t.like(await predeclaredFor('x = 1\n'), { json: None, math: None });
  // A file with load() may reach either through the files it loads.
  t.like(await predeclaredFor('load("lib.star", "f")\n'), { json, math });
});

test('ebb star runs json and math in the main file and in a loaded file', async (t) => {
  const [code, out, err] = await star({
    'main.star': 'load("lib.star", "f")\nprint(f(), json.decode("[2]")[0], math.sqrt(16))\n',
    'lib.star': 'def f():\n    return json.encode({"a": math.floor(2.7)})\n',
  });
  t.is(code, 0, err);
  t.is(out, '{"a":2} 2 4.0\n');
});

test('a misspelt json or math is reported as with every module loaded (runScriptFile)', async (t) => {
  for (const source of ['print(jsn.encode(1))\n', 'x = maht.pi\n', 'json = 1\nmath = 2\n']) {
    const root = makeProject({ 'main.star': source });
    const c = capture();
    const code = await starCommand(join(root, 'main.star'), c.io);
    let err = '';
    t.is(runScriptFile(join(root, 'main.star'), { stdout: () => {}, stderr: (s) => (err += s) }), code);
    t.is(c.err(), err);
  }
});

test('a missing file is reported by ebb star with its path and exit 1', async (t) => {
  const [code, out, err] = await star({ 'other.star': '' }, 'main.star');
  t.is(code, 1);
  t.is(out, '');
  t.regex(err, /main\.star: ENOENT/);
});
