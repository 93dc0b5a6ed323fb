// A new user's first hour, through the CLI as a real process: closed pipes, bad option
// values, help, where output goes, the lock message, the package as installed.

import test from 'ava';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capture, ebb, makeProject, ndjson, REPO, TSX_IMPORT, EBB_ARGV } from './helpers/project.js';
import { startSink } from './helpers/sink.js';
import { withStore } from './helpers/store.js';

const EBB = [process.execPath, ...EBB_ARGV].map((a) => JSON.stringify(a)).join(' ');

/** shell runs a command line in bash, in `cwd`, and reports ebb's own exit code (PIPESTATUS). */
function shell(line: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `${line}; echo "ebb-exit=\${PIPESTATUS[0]}" >&2`], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const m = /ebb-exit=(\d+)/.exec(stderr);
      resolve({ code: m ? Number(m[1]) : null, stdout, stderr: stderr.replace(/ebb-exit=\d+\n/, '') });
    });
  });
}

test('a closed pipe does not stop a run: every model runs and is recorded (ebb run --json | head -1)', async (t) => {
  const files: Record<string, string> = {};
  // Each model takes a moment, so the reader is gone long before the run ends.
  for (let i = 0; i < 6; i++)
    files[`models/m/step${i}.sql`] = `SELECT count(*) AS n FROM range(${3_000_000 + i})`;
  const root = makeProject(files);
  const r = await shell(`${EBB} run --json | head -1`, root);
  t.is(r.code, 0, r.stderr);
  t.is(ndjson(r.stdout).length, 1);
  t.notRegex(r.stderr, /EPIPE|Error:|at /);
  t.regex(r.stderr, /Done in .*: 6 ok/);
  const runs = await withStore(root, (s) =>
    s.queryJson('SELECT count(*)::INT AS n, count(DISTINCT run_id)::INT AS runs FROM _ebb.runs'),
  );
  t.deepEqual(runs, [{ n: 6, runs: 1 }]);
});

test('a closed stderr does not stop a run: a model that prints, ebb run 2>&1 | head -2, delivers and acknowledges every row', async (t) => {
  const sink = await startSink();
  t.teardown(() => sink.close());
  const root = makeProject({
    'models/src/items.sql': `-- @kind: table\nSELECT range AS id FROM range(300)`,
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
base = env.get("SINK", secret=False)
for row in query("SELECT id FROM src.items ORDER BY id"):
    print("sending", row.id)
    http.post(base + "/items", json=row)
    save.row(row)
`,
  });
  const r = await shell(`SINK=${sink.url} ${EBB} run 2>&1 | head -2`, root);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.split('\n').filter((l) => l !== '').length, 2);
  t.is(sink.delivered.length, 300);
  const saved = await withStore(root, (s) =>
    s.queryJson(
      `SELECT (SELECT count(*)::INT FROM sync.items) AS saved, (SELECT status FROM _ebb.runs WHERE model = 'sync.items') AS status`,
    ),
  );
  t.deepEqual(saved, [{ saved: 300, status: 'ok' }]);
});

test('ebb sql --json | head -1 and --csv | head -1 stop quietly with exit 0', async (t) => {
  const root = makeProject({ 'models/a/x.sql': 'SELECT 1 AS v' });
  for (const format of ['--json', '--csv']) {
    const r = await shell(`${EBB} sql "SELECT * FROM range(1000000)" ${format} | head -1`, root);
    t.is(r.code, 0, `${format}: ${r.stderr}`);
    t.is(r.stderr, '', format);
    t.is(r.stdout, format === '--json' ? '{"range":0}\n' : 'range\n');
  }
});

test('ebb sql edges: a leading comment, empty SQL, bad --max-rows and --limit are usage errors naming the option', async (t) => {
  const root = makeProject({ 'models/a/x.sql': 'SELECT 1 AS v' });
  const comment = await ebb(['sql', '-- the answer\nSELECT 42 AS answer', '--json'], { cwd: root });
  t.is(comment.code, 0, comment.stderr);
  t.is(comment.stdout, '{"answer":42}\n');
  const empty = await ebb(['sql', ''], { cwd: root });
  t.is(empty.code, 2);
  t.regex(empty.stderr, /^error: ebb sql needs an SQL statement/);
  const onlyComment = await ebb(['sql', '-- nothing here'], { cwd: root });
  t.is(onlyComment.code, 2);
  const maxRows = await ebb(['sql', 'SELECT 1', '--max-rows', 'abc'], { cwd: root });
  t.is(maxRows.code, 2);
  t.regex(maxRows.stderr, /^error: --max-rows takes a whole number, not "abc"/);
  t.is(maxRows.stdout, '');
  const limit = await ebb(['history', '--limit', 'abc'], { cwd: root });
  t.is(limit.code, 2);
  t.regex(limit.stderr, /^error: --limit takes a whole number from 1, not "abc"/);
  t.notRegex(limit.stderr, /NaN/);
});

test('one JSON value mapping: ebb sql --json writes the table of docs/values.md (exact big ints, Z times, ISO intervals, base64 blobs)', async (t) => {
  const root = makeProject({ 'models/a/x.sql': 'SELECT 1 AS v' });
  const r = await ebb(
    [
      'sql',
      `SELECT 12345678901234567890::HUGEINT AS big, 7::BIGINT AS small, 12.50::DECIMAL(5,2) AS dec,
      TIMESTAMPTZ '2026-11-25 08:40:34.5+00' AS tz, INTERVAL '1 day 2 hours' AS iv, 'ab'::BLOB AS blob, DATE '2026-11-25' AS d,
      [1, 2] AS list, {'k': 1} AS st`,
      '--json',
    ],
    { cwd: root },
  );
  t.is(r.code, 0, r.stderr);
  t.is(
    r.stdout,
    '{"big":12345678901234567890,"small":7,"dec":"12.50","tz":"2026-11-25T08:40:34.5Z","iv":"P1DT2H","blob":"YWI=","d":"2026-11-25","list":[1,2],"st":{"k":1}}\n',
  );
});

test("ebb help run shows run's help; every command's --help has an example, exit codes and environment", async (t) => {
  const help = await ebb(['help', 'run'], { cwd: tmpdir() });
  t.is(help.code, 0, help.stderr);
  t.regex(help.stdout, /ebb run \[models\.\.\]/);
  t.notRegex(help.stderr + help.stdout, /Did you mean/);
  t.regex(help.stdout, /Example:\n {2}ebb run /);
  const shown: Record<string, string> = {};
  // Each command declares its help the same way (bin/commands); three of them, as processes.
  for (const cmd of ['init', 'sql', 'star']) {
    const h = await ebb([cmd, '--help'], { cwd: tmpdir() });
    shown[cmd] = h.stdout;
    t.regex(h.stdout, /Example:\n {2}ebb /, cmd);
    t.regex(h.stdout, /Exit codes: 0 /, cmd);
    t.regex(h.stdout, /Environment: /, cmd);
  }
  // Global options only where they do something.
  t.notRegex(shown['init']!, /--json|--state/);
  t.notRegex(shown['star']!, /--json|--project/);
  t.regex(shown['sql']!, /--state/);
});

test('ebb init into a place it cannot write fails at once with a clear error', async (t) => {
  const r = await ebb(['init', '/proc/ebb-cannot-be-here'], { cwd: tmpdir() });
  t.is(r.code, 1);
  t.regex(
    r.stderr,
    /^error: cannot create a project in \/proc\/ebb-cannot-be-here: .*; choose a folder you can write to/,
  );
});

test('the lock message names the holding command, since when and its model; read-only commands say why they wait', async (t) => {
  const root = makeProject({ 'models/a/x.sql': 'SELECT 1 AS v' });
  const statePath = join(root, 'state', 'ebb.duckdb');
  const script = `
    import { Store } from ${JSON.stringify(join(REPO, 'lib', 'store', 'index.ts'))};
    const s = await Store.open({ path: ${JSON.stringify(statePath)}, root: ${JSON.stringify(root)}, command: 'ebb run' });
    s.noteModel('sync.crm');
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000);
  `;
  const holder = spawn(process.execPath, [TSX_IMPORT, '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve) => holder.stdout.once('data', resolve));
  try {
    const r = await ebb(['sql', 'SELECT 1', '--wait', '400ms'], { cwd: root });
    t.is(r.code, 75, 'EX_TEMPFAIL: busy, try again later');
    t.regex(r.stderr, /^waiting up to 400ms for the state: ebb run, PID \d+/);
    t.regex(
      r.stderr,
      new RegExp(
        `in use by another ebb process \\(ebb run, PID ${holder.pid}, since \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z, on model sync\\.crm\\)`,
      ),
    );
    // DuckDB refuses even a read-only open while another process has the file: said, not hidden.
    t.regex(
      r.stderr,
      /DuckDB lets no other process open a state file, even read-only, while one has it open/,
    );
  } finally {
    await new Promise((resolve) => {
      holder.once('exit', resolve);
      holder.kill('SIGKILL');
    });
  }
});

test('the package installs as a CLI: a bin with a shebang, a files list with what it needs', (t) => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    files?: string[];
  };
  t.is(pkg.bin['ebb'], 'dist/bin/ebb.js');
  t.true(readFileSync(join(REPO, 'bin', 'ebb.ts'), 'utf8').startsWith('#!/usr/bin/env node\n'));
  t.truthy(pkg.files);
  for (const f of ['dist/bin/', 'dist/lib/']) t.true(pkg.files!.includes(f), f);
  t.false(pkg.files!.some((f) => f.startsWith('test') || f.startsWith('bench')));
});

test('ebb plan writes its report on stdout (ebb plan > plan.txt holds the plan)', async (t) => {
  const root = makeProject({
    'models/src/users.sql': 'SELECT range AS id FROM range(3)',
    'models/sync/users.star':
      '# @kind: tracked\n# @unique_key: id\nfor row in query("SELECT id FROM src.users"):\n    save.row(row)\n',
  });
  const c = capture();
  const { planCommand } = await import('../lib/commands/plan.js');
  t.is(await planCommand({ cwd: root, selectors: [] }, c.io), 0, c.err());
  t.regex(c.out(), /^PLAN {2}sync\.users {2}new 3, changed 0, deleted 0\n/);
  t.is(c.err(), '');
});
