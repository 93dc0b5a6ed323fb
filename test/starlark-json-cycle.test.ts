// A value that contains itself (l.append(l)) given to JSON: json.encode and json.encode_indent
// in `ebb star`, and json= of an http call in a model, each fail at once at the script's line
// with starlark-go's words ("cycle in JSON structure") instead of writing until V8 aborts.
// A value shared twice without a cycle still encodes.

import test from 'ava';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { runCommand } from '../lib/commands/run.js';
import { runScriptFile } from '../lib/starlark/index.js';
import { capture, makeProject, tempDir } from './helpers/project.js';
import { startSink } from './helpers/sink.js';

function star(src: string): { code: number; out: string; err: string } {
  const file = join(tempDir(), 'cycle.star');
  writeFileSync(file, src);
  let out = '';
  let err = '';
  const code = runScriptFile(file, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

test('json.encode of a list, dict or tuple that contains itself fails at its line with the path to the cycle', (t) => {
  const cases: Array<[string, string]> = [
    [
      'l = [1]\nl.append(l)\nprint(json.encode(l))\n',
      'json.encode: at list index 1: cycle in JSON structure',
    ],
    ['d = {}\nd["r"] = d\nprint(json.encode(d))\n', 'json.encode: in dict key "r": cycle in JSON structure'],
    [
      't = (1, 2, [])\nt[2].append(t)\nprint(json.encode(t))\n',
      'json.encode: at tuple index 2: at list index 0: cycle in JSON structure',
    ],
    [
      's = struct(x = [])\ns.x.append(s)\nprint(json.encode(s))\n',
      'json.encode: in field .x: at list index 0: cycle in JSON structure',
    ],
  ];
  for (const [src, want] of cases) {
    const r = star(src);
    t.is(r.code, 1, src);
    t.regex(r.err, /cycle\.star:3:\d+: /, src);
    t.true(r.err.includes(want), r.err);
    t.is(r.out, '');
  }
});

test('json.encode_indent encodes as json.indent(json.encode(x)) and fails on a cycle like json.encode', (t) => {
  const ok = star(
    'x = [1, 2]\nv = {"a": x, "b": x, "c": {}}\n' +
      'print(json.encode_indent(v, prefix = ">", indent = "  ") == json.indent(json.encode(v), prefix = ">", indent = "  "))\n' +
      'print(json.encode_indent(v) == json.indent(json.encode(v)))\nprint(json.encode_indent([1]))\n',
  );
  t.is(ok.code, 0, ok.err);
  t.is(ok.out, 'True\nTrue\n[\n\t1\n]\n');
  const bad = star('d = {"a": 1}\nd["self"] = [d]\nprint(json.encode_indent(d))\n');
  t.is(bad.code, 1);
  t.regex(
    bad.err,
    /cycle\.star:3:\d+: json\.encode_indent: in dict key "self": at list index 0: cycle in JSON structure/,
  );
  const args = star('json.encode_indent("foo", "bar")\n');
  t.regex(args.err, /json\.encode_indent: got 2 arguments, want 1/);
});

test('json= of a value that contains itself fails the model at once at its line, sending nothing', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/t/m.star': `# @kind: table\nl = [1]\nl.append(l)\nhttp.post("${sink.url}/x", json={"items": l})\nsave.row({"a": 1})\n`,
  });
  const c = capture();
  const code = await runCommand({ cwd: root, selectors: [], json: true, env: process.env }, c.io);
  t.is(code, 1);
  const error = String(c.json()[0]!['error']);
  t.regex(error, /m\.star:4:\d+: /);
  t.regex(
    error,
    /json= cannot be encoded as JSON \(a value of type dict\): in dict key "items": at list index 1: cycle in JSON structure/,
  );
  t.is(sink.requests.length, 0);
});
