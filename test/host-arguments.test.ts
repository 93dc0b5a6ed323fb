// The host builtins of a model's script (query, deleted, save.*, env.get, http.*) unpack their
// arguments with the interpreter's typed `unpack`, as starlark-go's builtins use UnpackArgs: a
// wrong argument fails at the script's line with the builtin's name and the parameter, and the
// model's other calls are unaffected.

import test from 'ava';
import { runCommand } from '../lib/commands/run.js';
import { capture, makeProject } from './helpers/project.js';

const CASES: ReadonlyArray<readonly [call: string, error: string]> = [
  ['env.get(1)', 'env.get: for parameter name: got int, want string'],
  ['env.get()', 'env.get: missing argument for name'],
  ['query(1)', 'query: for parameter sql: got int, want string'],
  ['query()', 'query: missing argument for sql'],
  [
    'query("SELECT 1", sql="x")',
    'query: unexpected keyword argument "sql" (parameters are positional: query(sql, p1, p2, delta=False))',
  ],
  ['query("SELECT ?", [1])', 'query: parameter 1 has type list; pass int, float, string, bool or None'],
  ['save.row()', 'save.row: missing argument for row'],
  ['save.row({"a": 1}, {"b": 2})', 'save.row: got 2 arguments, want at most 1'],
  ['deleted(1)', 'deleted: got 1 arguments, want at most 0'],
  ['http.get(1)', 'http.get: for parameter url: got int, want string'],
  ['http.post(1, json={})', 'http.post: for parameter url: got int, want string'],
  ['http.request(1, "http://127.0.0.1:1/")', 'http.request: for parameter method: got int, want string'],
  ['http.request("GE T", "http://127.0.0.1:1/")', 'http.request: for parameter method: bad method "GE T"'],
  ['http.get("http://127.0.0.1:1/", params=[1])', 'http.get: for parameter params: got list, want dict'],
  [
    'http.get("http://127.0.0.1:1/", headers={1: "x"})',
    'http.get: for parameter headers: has a key of type int; keys must be strings',
  ],
  [
    'http.post("http://127.0.0.1:1/", body=1)',
    'http.post: for parameter body: got int, want string or bytes (use json= for a dict or list)',
  ],
  [
    'http.get("http://127.0.0.1:1/", auth="me")',
    'http.get: for parameter auth: want a pair of strings ("user", "password") or an oauth grant (the oauth module), got string',
  ],
  [
    'http.get("http://127.0.0.1:1/", timeout=-1)',
    'http.get: for parameter timeout: in seconds, a positive number, not -1',
  ],
  ['http.get("http://127.0.0.1:1/", retries=2)', 'http.get: unexpected keyword argument "retries"'],
];

test('a wrong argument to a host builtin fails at its line, naming the builtin and the parameter', async (t) => {
  const files: Record<string, string> = {};
  CASES.forEach(([call], i) => (files[`models/x/m${i}.star`] = `# @kind: table\n${call}\n`));
  const root = makeProject(files);
  const c = capture();
  t.is(await runCommand({ cwd: root, selectors: [], json: true }, c.io), 1);
  const results = c.json();
  CASES.forEach(([call, error], i) => {
    const r = results.find((x) => x['model'] === `x.m${i}`);
    t.is(String(r?.['status']), 'error', call);
    t.regex(String(r?.['error']), new RegExp(`^models/x/m${i}\\.star:2:\\d+: `), call);
    t.true(String(r?.['error']).includes(error), `${call}: ${String(r?.['error'])}`);
  });
});

test('None is "not given" for http keyword arguments, and env.get keeps a None default', async (t) => {
  const root = makeProject({
    'models/x/ok.star':
      '# @kind: table\n# @retries: 0\n' +
      'call = http.get("http://127.0.0.1:1/", params=None, headers=None, json=None, data=None, body=None, auth=None, timeout=None)\n' +
      'print(env.get("EBB_TEST_NOT_SET", None) == None, call.method, call.ok)\n',
  });
  const c = capture();
  await runCommand({ cwd: root, selectors: [], json: true }, c.io);
  // The request was built and sent (nothing listens on port 1, so it failed, and was read).
  t.regex(c.err(), /x\.ok: True GET False\n/);
});
