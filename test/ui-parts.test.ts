/**
 * The dashboard's parts without a browser: escaping, the DAG's layout, the token's checks, the
 * live status file (a dead process or a finished run is not a running run), the state file's turn
 * that `ebb serve`'s scheduled run holds (which keeps the dashboard off the state while it
 * writes), and the dashboard mounted in `ebb serve` beside /metrics (which needs no token).
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { serveCommand } from '../lib/commands/serve.js';
import { cookieToken, sameToken } from '../lib/ui/auth.js';
import { dagSvg, depths } from '../lib/ui/dag-svg.js';
import { escapeHtml, html } from '../lib/ui/html.js';
import { readLiveStatus } from '../lib/ui/live.js';
import { liveBody } from '../lib/ui/page-live.js';
import { readState, statePathKey, writeState } from '../lib/ui/state-access.js';
import { holdTurn } from '../lib/ui/state-turns.js';
import { makeFixture } from './helpers/dashboard.js';
import { capture, EBB_ARGV, makeProject, tempDir } from './helpers/project.js';

test('html escapes every value put into it, arrays too, and keeps Html as it is', (t) => {
  t.is(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  const name = '<script>alert(1)</script>';
  t.is(
    html`<p title="${name}">${[name, html`<b>${1}</b>`]}${null}${undefined}</p>`.text,
    '<p title="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;script&gt;alert(1)&lt;/script&gt;<b>1</b></p>',
  );
});

test('the DAG puts each model in the column of its longest path from a source, and escapes captions', (t) => {
  const nodes = [
    { name: 'c', upstream: ['a', 'b'], status: 'ok', caption: '' },
    { name: 'b', upstream: ['a'], status: 'ok', caption: '' },
    { name: 'a', upstream: ['outside.table'], status: 'error', caption: '<i>x</i>' },
    { name: 'd', upstream: [], status: 'never', caption: 'never run' },
  ];
  t.deepEqual(Object.fromEntries(depths(nodes)), { c: 2, b: 1, a: 0, d: 0 });
  const svg = dagSvg(nodes).text;
  t.is(
    (svg.match(/class="edge"/g) ?? []).length,
    3,
    'a→b, a→c, b→c; a source outside the project is no node',
  );
  t.true(svg.includes('&lt;i&gt;x&lt;/i&gt;'));
  t.false(svg.includes('<i>'));
  t.regex(svg, /data-model="c"><g transform="translate\(541,1\)"/);
  // A cycle (refused by ebb run) is still drawn.
  t.deepEqual(
    Object.fromEntries(
      depths([
        { name: 'x', upstream: ['y'], status: 'ok', caption: '' },
        { name: 'y', upstream: ['x'], status: 'ok', caption: '' },
      ]),
    ),
    { x: 2, y: 1 },
  );
});

test('the token is compared whole and read from the cookie of its port only', (t) => {
  t.true(sameToken('abc', 'abc'));
  t.false(sameToken('abd', 'abc'));
  t.false(sameToken('ab', 'abc'));
  t.false(sameToken(undefined, 'abc'));
  const req = { headers: { cookie: 'ebb_ui_1=one; ebb_ui_2=two' } } as never;
  t.is(cookieToken(req, 'ebb_ui_2'), 'two');
  t.is(cookieToken(req, 'ebb_ui_3'), undefined);
});

test('a status file is a running run only while its process lives and it is not finished', (t) => {
  const dir = tempDir();
  const state = join(dir, 'ebb.duckdb');
  t.is(readLiveStatus(state), undefined);
  writeFileSync(`${state}.run.json`, '{not json');
  t.is(readLiveStatus(state), undefined);
  const now = Date.now();
  const write = (o: Record<string, unknown>) =>
    writeFileSync(
      `${state}.run.json`,
      JSON.stringify({
        pid: process.pid,
        run_id: 'r',
        command: 'ebb run',
        updated_at: new Date(now).toISOString(),
        finished: false,
        models: [],
        current: null,
        ...o,
      }),
    );
  write({});
  t.true(readLiveStatus(state)!.running);
  write({ finished: true });
  t.false(readLiveStatus(state)!.running);
  const gone = spawnSync(process.execPath, [
    '-e',
    'process.stdout.write(String(process.pid))',
  ]).stdout.toString();
  write({ pid: Number(gone) });
  const dead = readLiveStatus(state)!;
  t.false(dead.running);
  t.regex(liveBody(dead).text, /stopped without finishing/);
  write({ current: { model: '<m>', done: 5, total: null, in_flight: 'x' } });
  const body = liveBody(readLiveStatus(state)).text;
  t.true(body.includes('&lt;m&gt;'));
  t.regex(body, /<dd id="done">5<\/dd>/);
  t.regex(body, /<dd id="in-flight">0<\/dd>/, 'a value of the wrong type counts as 0');
});

test('while this process holds the state file (a scheduled run), reads and the write are busy; a hold waits for reads in progress', async (t) => {
  const { statePath, root, sink } = await makeFixture();
  await sink.close();
  const place = { statePath, root };
  let release: (() => void) | undefined;
  let held = false;
  t.regex(
    String(
      await readState(place, (s) => s.exec('CREATE TABLE main.x (a INT)')).catch((e: Error) => e.message),
    ),
    /read-only/,
    'the state is opened read-only: DuckDB refuses a write',
  );
  const first = readState(place, async (s) => {
    // The path as serve names it, relative here: the turn is the file's, however it is spelt.
    const hold = holdTurn(statePathKey(relative(process.cwd(), statePath))).then((r) => {
      held = true;
      release = r;
    });
    await new Promise((r) => setTimeout(r, 50));
    t.false(held, 'the hold waits for the read in progress');
    // Asked for, not yet held: a new read is refused at once rather than queued behind the run.
    t.like(await readState(place, async () => 1), { ok: false, reason: 'busy' });
    const n = await s.queryJson('SELECT count(*)::INT AS n FROM _ebb.runs');
    void hold;
    return n[0]!['n'];
  });
  t.deepEqual(await first, { ok: true, value: 6 });
  await new Promise((r) => setTimeout(r, 10));
  t.true(held);
  t.like(await readState(place, async () => 1), { ok: false, reason: 'busy' });
  let wrote = false;
  t.like(
    await writeState(place, async () => {
      wrote = true;
    }),
    { ok: false, reason: 'busy', message: 'a scheduled run of this process holds the state' },
  );
  t.false(wrote);
  t.false(existsSync(`${statePath}.owner.json`), 'a read-only open leaves no owner file');
  release!();
  release!(); // a second release changes nothing
  t.deepEqual(await readState(place, async () => 1), { ok: true, value: 1 });
  t.deepEqual(await writeState(place, async () => 2), { ok: true, value: 2 });
  t.like(await readState({ ...place, statePath: join(tempDir(), 'none.duckdb') }, async () => 1), {
    ok: false,
    reason: 'missing',
  });
});

test('ebb serve mounts the dashboard behind its token, beside /metrics and /healthz which need none', async (t) => {
  const root = makeProject({ 'models/raw/x.sql': 'SELECT 1 AS a' });
  const c = capture();
  const stop = new AbortController();
  const done = serveCommand({ cwd: root, port: 0, signal: stop.signal }, c.io);
  const deadline = Date.now() + 20_000;
  let m: RegExpExecArray | null = null;
  while (!(m = /the dashboard: (http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/.exec(c.err()))) {
    if (Date.now() > deadline) throw new Error(c.err());
    await new Promise((r) => setTimeout(r, 20));
  }
  const [, base, token] = m;
  t.is((await fetch(`${base}/metrics`)).status, 200);
  t.is((await fetch(`${base}/healthz`)).status, 200);
  t.is((await fetch(`${base}/`)).status, 401);
  const page = await fetch(`${base}/`, { headers: { authorization: `Bearer ${token}` } });
  t.is(page.status, 200);
  const text = await page.text();
  t.regex(text, /data-model="raw\.x"/);
  t.regex(text, /no state yet at .*: nothing has run/);
  stop.abort();
  t.is(await done, 0);
});

test('ebb ui as a process: prints its URL with the token, answers, and exits 0 on SIGTERM', async (t) => {
  const root = makeProject({ 'models/raw/x.sql': 'SELECT 1 AS a' });
  const child = spawn(process.execPath, [...EBB_ARGV, 'ui', '--port', '0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 30_000;
  let m: RegExpExecArray | null = null;
  while (!(m = /^ebb ui: ((http:\/\/127\.0\.0\.1:\d+)\/\?token=[\w-]{32})$/m.exec(stderr))) {
    if (Date.now() > deadline) throw new Error(stderr);
    await new Promise((r) => setTimeout(r, 50));
  }
  const [, url, base] = m;
  t.is((await fetch(`${base}/api/models`)).status, 401);
  const first = await fetch(url!, { redirect: 'manual' });
  t.is(first.status, 303);
  const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
  const models = (await (await fetch(`${base}/api/models`, { headers: { cookie } })).json()) as {
    models: Array<{ name: string }>;
  };
  t.deepEqual(
    models.models.map((x) => x.name),
    ['raw.x'],
  );
  child.kill('SIGTERM');
  t.is(await exited, 0, stderr);
  const help = spawnSync(process.execPath, [...EBB_ARGV, 'ui', '--help'], { encoding: 'utf8' });
  t.regex(help.stdout, /ebb ui[\s\S]*--host[\s\S]*--port/);
});
