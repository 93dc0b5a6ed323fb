/**
 * The dashboard in a real browser (headless Chromium from Debian, driven by puppeteer-core) on a
 * project with real runs and failures: what a user sees — the DAG's nodes, a failure's message
 * and key (escaped), the search by key, the run history and its charts, the live counter moving
 * while a status file is rewritten, the notice when a run holds the state — and what nobody may
 * see: the secret the model reads, in any page or JSON; nothing without the token.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import {
  FAILURE_BODY,
  launchBrowser,
  makeFixture,
  SECRET,
  startUi,
  type Fixture,
  type Running,
} from './helpers/dashboard.js';
import { runCommand } from '../lib/commands/run.js';
import { capture, EBB_ARGV, makeProject, REPO } from './helpers/project.js';
import { startSink } from './helpers/sink.js';

let fixture: Fixture;
let ui: Running;
let browser: Browser;
let page: Page;

test.before(async () => {
  fixture = await makeFixture();
  ui = await startUi(fixture.root);
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(ui.url);
});

test.after.always(async () => {
  await browser?.close();
  await ui?.stop();
  await fixture?.sink.close();
});

/** The secret as a page or a JSON text could hold it: raw, JSON-escaped, HTML-escaped, percent-encoded. */
const SECRET_FORMS = [
  SECRET,
  JSON.stringify(SECRET).slice(1, -1),
  SECRET.replace(/&/g, '&amp;').replace(/"/g, '&quot;'),
  encodeURIComponent(SECRET),
];

const texts = (selector: string) =>
  page.$$eval(selector, (els) => els.map((e) => (e as HTMLElement).textContent ?? ''));

test.serial(
  'the first page draws every model of the DAG with its last status, and the edges between them',
  async (t) => {
    t.is(new URL(page.url()).search, '', 'the token is traded for a cookie and leaves the URL');
    await page.goto(`${ui.base}/`);
    t.deepEqual(await page.$$eval('svg.dag a.node', (els) => els.map((e) => e.getAttribute('data-model'))), [
      'mart.active',
      'raw.users',
      'sync.users',
    ]);
    t.is(await page.$$eval('svg.dag path.edge', (els) => els.length), 2);
    t.deepEqual(await texts('svg.dag text.caption'), [
      'ok · 15 rows',
      'ok · 30 rows',
      'ok · 0 rows · 3 failed',
    ]);
    t.is(
      await page.$eval('svg.dag a.node[data-model="sync.users"]', (e) => e.getAttribute('class')),
      // The model ran (its failed rows come back next run): marked by its failures, not as an error.
      'node failures',
    );
  },
);

test.serial(
  "a model's page shows its runs' counts, its failures grouped by message with their keys, and finds a key",
  async (t) => {
    await page.goto(`${ui.base}/`);
    await Promise.all([page.waitForNavigation(), page.click('svg.dag a.node[data-model="sync.users"]')]);
    t.is(await page.$eval('h1', (e) => e.textContent), 'sync.users');
    const firstRun = await page.$$eval('#model-runs tbody tr:last-child td', (tds) =>
      tds.map((td) => td.textContent),
    );
    // The first run: 30 new rows, 27 saved, 3 failed (ids 3, 13, 23 answered 500).
    t.deepEqual(firstRun.slice(2, 9), ['27', '30', '0', '0', '27', '3', '0']);
    const [group] = await page.$$eval('#failure-groups tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    t.is(group![0], '3');
    t.is(group![1], '500');
    t.true(group![2]!.endsWith(FAILURE_BODY), group![2]!);
    t.is(await page.$$eval('#failure-groups b', (els) => els.length), 0, "the API's markup is shown as text");
    t.deepEqual(await texts('#failures td.key'), ['{"id":13}', '{"id":23}', '{"id":3}']);
    await page.type('input[name=key]', '23');
    await Promise.all([page.waitForNavigation(), page.click('form.search button')]);
    t.deepEqual(await texts('#failures td.key'), ['{"id":23}']);
    if (process.env['EBB_SCREENSHOT'] === '1') {
      await page.goto(`${ui.base}/model/sync.users`);
      await page.waitForSelector('#plan[data-loaded]');
      mkdirSync(join(REPO, 'docs'), { recursive: true });
      await page.screenshot({ path: join(REPO, 'docs', 'dashboard.png'), fullPage: true });
    }
  },
);

test.serial(
  "the request inspector lists a model's requests newest first, shows what the API answered, redacted, and filters the failed ones",
  async (t) => {
    await page.goto(`${ui.base}/model/sync.users`);
    await Promise.all([page.waitForNavigation(), page.click('#requests-link')]);
    t.is(await page.$eval('h1', (e) => e.textContent), 'sync.users: requests');
    // Two runs: 30 requests, then the 3 failed rows again.
    t.is(await page.$$eval('#requests tbody tr', (trs) => trs.length), 33);
    t.deepEqual(
      (await texts('#requests tbody tr td:nth-child(3)')).slice(0, 4),
      ['500', '500', '500', '200'],
      'newest first: the second run sent only the failed rows',
    );
    const ok = await page.$('#requests tbody tr.ok');
    await ok!.$eval('summary', (e) => (e as HTMLElement).click());
    const answer = await ok!.$eval('pre.response-body', (e) => e.textContent ?? '');
    t.regex(answer, /^\{"echo":\{"email":"user\d+@example\.com","id":\d+,"token":"\*\*\*"\}\}$/);
    t.regex(await ok!.$eval('pre.request-body', (e) => e.textContent ?? ''), /"token":"\*\*\*"/);
    t.true(await ok!.$eval('pre.response-body', (e) => (e as HTMLElement).offsetHeight > 0), 'shown');
    await Promise.all([page.waitForNavigation(), page.click('a[href$="/requests?failed=1"]')]);
    t.deepEqual(await texts('#requests tbody tr td:nth-child(3)'), [
      '500',
      '500',
      '500',
      '500',
      '500',
      '500',
    ]);
    t.deepEqual([...new Set(await texts('#requests pre.response-body'))], [FAILURE_BODY]);
    t.is(await page.$$eval('#requests pre b', (els) => els.length), 0, "the API's markup is shown as text");
    const api = (await (
      await fetch(`${ui.base}/api/model/SYNC.USERS/requests?failed=1`, {
        headers: { authorization: `Bearer ${ui.token}` },
      })
    ).json()) as { model: { name: string }; requests: Array<{ status: number; failed: boolean }> };
    t.is(api.model.name, 'sync.users');
    t.deepEqual(
      api.requests.map((r) => [r.status, r.failed]),
      Array.from({ length: 6 }, () => [500, true]),
    );
  },
);

/** holdState opens a state file from another process (as a run does) until the returned stop. */
async function holdState(statePath: string): Promise<() => Promise<void>> {
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `const {DuckDBInstance}=require('@duckdb/node-api');DuckDBInstance.create(process.argv[1]).then(i=>i.connect()).then(()=>{console.log('held');setInterval(()=>{},1000)})`,
      statePath,
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
  return async () => {
    holder.kill();
    await new Promise((r) => holder.once('exit', r));
  };
}

test.serial(
  '"send rejected rows again": refused without the form value, 409 while a run holds the state, then a click and the next run sends them',
  async (t) => {
    let refuse = true;
    const sink = await startSink((r) =>
      refuse && [2, 4].includes((r.json as { id: number }).id) ? { status: 422, body: 'invalid email' } : {},
    );
    const root = makeProject({
      'models/sync/items.star': [
        '# @kind: tracked',
        '# @unique_key: id',
        'BASE = env.get("SINK", secret=False)',
        'def per_row(response, rows):',
        '    if response.status_code == 422:',
        '        return [outcome.rejected(response.text) for r in rows]',
        '    return None',
        'for row in query("SELECT i AS id FROM range(6) t(i)"):',
        '    http.post(BASE + "/items", json={"id": row.id})',
        '    save.row(row, outcome=per_row)',
      ].join('\n'),
    });
    const run = async () => {
      const c = capture();
      return runCommand(
        { cwd: root, selectors: [], quiet: true, env: { ...process.env, SINK: sink.url } },
        c.io,
      );
    };
    const own = await startUi(root);
    try {
      t.is(await run(), 3, 'two rows rejected');
      refuse = false;
      t.is(await run(), 0);
      t.is(sink.requests.length, 6, 'rejected rows are held back while they do not change');
      await page.goto(own.url);
      await page.goto(`${own.base}/model/sync.items`);
      t.regex((await page.$eval('#retry-form', (e) => e.textContent)) ?? '', /2 rows the API rejected/);
      const csrf = await page.$eval('#retry-form input[name=csrf]', (e) => (e as HTMLInputElement).value);
      t.false(csrf.includes(own.token), 'the form carries no access token');
      const cookie = (await browser.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
      const post = (body: string, headers: Record<string, string> = { cookie }) =>
        fetch(`${own.base}/model/sync.items/retry`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body,
        });
      t.is((await post('')).status, 403, 'the cookie alone is not enough');
      t.is((await post(`csrf=${csrf}`, {})).status, 401, 'nor the form value alone');
      t.is((await fetch(`${own.base}/model/sync.items/retry`, { headers: { cookie } })).status, 405);
      const release = await holdState(join(root, 'state', 'ebb.duckdb'));
      try {
        const busy = await post(`csrf=${encodeURIComponent(csrf)}`);
        t.is(busy.status, 409);
        t.regex(await busy.text(), /nothing was changed: the state is held by a run \(PID \d+/);
        const api = await fetch(`${own.base}/api/model/sync.items/retry`, {
          method: 'POST',
          headers: { authorization: `Bearer ${own.token}` },
        });
        t.is(api.status, 409);
        t.regex(((await api.json()) as { message: string }).message, /held by a run/);
      } finally {
        await release();
      }
      await Promise.all([page.waitForNavigation(), page.click('#retry-form button')]);
      t.is(
        await page.$eval('#action-result', (e) => e.textContent),
        'sync.items: 2 rejected rows are sent again by the next run',
      );
      t.is(await run(), 0);
      t.deepEqual(
        sink.requests.slice(6).map((r) => (r.json as { id: number }).id),
        [2, 4],
        'the next run sends exactly the rows that were rejected',
      );
      await page.goto(`${own.base}/model/sync.items`);
      t.is(await page.$('#retry-form'), null, 'none left to send again');
    } finally {
      await own.stop();
      await sink.close();
    }
  },
);

test.serial('the run history lists every model run and charts them with uPlot', async (t) => {
  await page.goto(`${ui.base}/runs`);
  t.is(await page.$$eval('#runs tbody tr', (trs) => trs.length), 6);
  t.deepEqual((await texts('#runs tbody tr td:nth-child(2)')).slice(0, 3), [
    'sync.users',
    'mart.active',
    'raw.users',
  ]);
  await page.waitForSelector('.charts[data-drawn]');
  t.is(await page.$eval('.charts', (e) => (e as HTMLElement).dataset['drawn']), '3');
  t.is(await page.$$eval('.charts canvas', (els) => els.length), 2);
  t.deepEqual(
    (await texts('#chart-duration .u-legend .u-series th')).slice(1).map((s) => s.trim()),
    ['raw.users', 'mart.active', 'sync.users'],
  );
});

/** writeStatus rewrites the status file the way a run does: a new file renamed over the old one. */
function writeStatus(done: number, finished = false): void {
  const now = new Date().toISOString();
  const status = {
    pid: process.pid,
    run_id: '20261205-120000-beef',
    command: 'ebb run',
    started_at: '2026-12-05T12:00:00.000Z',
    updated_at: now,
    finished,
    models: [{ model: 'raw.users', status: 'ok', rows: 30, duration_ms: 12 }],
    current: {
      model: 'sync.users',
      done,
      total: 1000,
      in_flight: 16,
      requests: done,
      failed: 2,
      rows_per_s: 250,
      elapsed_ms: done * 4,
      attempts: done + 7,
      too_many: 7,
      waited_ms: 3500,
      latency_ms: 42,
    },
    series: [1, 2, 3].map((i) => ({
      at: Date.parse('2026-12-05T12:00:00.000Z') + i * 1000,
      model: 'sync.users',
      attempts: 10 * i,
      too_many: i,
      waited_ms: 500 * i,
      latency_ms: 40 + i,
    })),
  };
  writeFileSync(`${fixture.statePath}.run.json.tmp`, JSON.stringify(status));
  renameSync(`${fixture.statePath}.run.json.tmp`, `${fixture.statePath}.run.json`);
}

test.serial(
  'the live page follows a running sync: its counter moves as the status file is rewritten',
  async (t) => {
    writeStatus(100);
    await page.goto(`${ui.base}/live`);
    t.is(await page.$eval('#done', (e) => e.textContent), '100 / 1,000');
    t.is(await page.$eval('#in-flight', (e) => e.textContent), '16');
    t.regex((await page.$eval('#live-state', (e) => e.textContent)) ?? '', /running/);
    t.is(await page.$eval('#too-many', (e) => e.textContent), '7');
    t.is(await page.$eval('#waited', (e) => e.textContent), '3.50 s');
    t.is(await page.$eval('#latency', (e) => e.textContent), '42 ms');
    await page.waitForSelector('#live-charts[data-points="3"]', { timeout: 10_000 });
    t.is(
      await page.$$eval('#live-charts canvas', (els) => els.length),
      3,
      '429s, waits and latency over time',
    );
    writeStatus(640);
    await page.waitForFunction(() => document.querySelector('#done')?.textContent === '640 / 1,000', {
      timeout: 10_000,
    });
    writeStatus(1000, true);
    await page.waitForFunction(
      () => /finished/.test(document.querySelector('#live-state')?.textContent ?? ''),
      {
        timeout: 10_000,
      },
    );
    t.is(await page.$eval('#done', (e) => e.textContent), '1,000 / 1,000');
  },
);

test.serial(
  'while a run holds the state the pages say so and point to the live page, and come back after',
  async (t) => {
    writeStatus(10);
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const {DuckDBInstance}=require('@duckdb/node-api');DuckDBInstance.create(process.argv[1]).then(i=>i.connect()).then(()=>{console.log('held');setInterval(()=>{},1000)})`,
        fixture.statePath,
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      await page.goto(`${ui.base}/`);
      t.regex(
        (await page.$eval('#notice', (e) => e.textContent)) ?? '',
        /The state is busy: the state is held by a run \(PID \d+/,
      );
      t.regex((await page.$eval('.running', (e) => e.textContent)) ?? '', /A run is in progress/);
      t.is(
        await page.$$eval('svg.dag a.node', (els) => els.length),
        3,
        'the DAG is drawn from the models without the state',
      );
    } finally {
      holder.kill();
      await new Promise((r) => holder.once('exit', r));
    }
    writeStatus(1000, true);
    await page.goto(`${ui.base}/`);
    t.is(await page.$('#notice'), null);
  },
);

test.serial('no page and no JSON holds the secret the model read; everything wants the token', async (t) => {
  const cookies = await browser.cookies();
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const paths = [
    '/',
    '/runs',
    '/live',
    '/live/body',
    '/model/sync.users',
    '/model/raw.users',
    '/api/models',
    '/api/runs',
    '/api/live',
    '/api/model/sync.users',
    '/model/sync.users/requests',
    '/model/sync.users/requests?failed=1',
    '/api/model/sync.users/requests',
    '/api/model/sync.users/requests?failed=1',
  ];
  for (const path of paths) {
    const withToken = await fetch(`${ui.base}${path}`, { headers: { cookie } });
    t.is(withToken.status, 200, path);
    const body = await withToken.text();
    for (const form of SECRET_FORMS) t.false(body.includes(form), `${path} holds ${form}`);
    for (const headers of [
      {},
      { cookie: cookie.replace(/=.*/, '=wrong') },
      { authorization: 'Bearer nope' },
    ]) {
      const denied = await fetch(`${ui.base}${path}`, { headers, redirect: 'manual' });
      t.is(denied.status, 401, `${path} ${JSON.stringify(headers)}`);
      t.false((await denied.text()).includes(ui.token));
    }
  }
  const bearer = { authorization: `Bearer ${ui.token}` };
  t.is((await fetch(`${ui.base}/api/models`, { headers: bearer })).status, 200);
  for (const path of ['/model/no.such', '/model/%E0%A4%A', '/api/model/no.such/plan', '/nowhere']) {
    t.is((await fetch(`${ui.base}${path}`, { headers: bearer })).status, 404, path);
  }
  t.is((await fetch(`${ui.base}/`, { method: 'POST', headers: bearer })).status, 405, 'read-only');
  t.true(
    fixture.sink.requests.some((r) => r.headers['authorization'] === `Bearer ${SECRET}`),
    'the model did send it',
  );
  for (const path of ['/', '/model/sync.users', '/model/sync.users/requests']) {
    await page.goto(`${ui.base}${path}`);
    const content = await page.content();
    for (const form of SECRET_FORMS) t.false(content.includes(form), `${path} holds ${form}`);
  }
  const cookieFlags = cookies.find((c) => c.name.startsWith('ebb_ui_'))!;
  t.true(cookieFlags.httpOnly);
  t.is(cookieFlags.sameSite, 'Strict');
});

test.serial(
  "a tracked model's page shows what the next run would send, with the fields that changed",
  async (t) => {
    await page.goto(`${ui.base}/model/sync.users`);
    await page.waitForSelector('#plan[data-loaded]');
    t.deepEqual(await texts('#plan-counts dd'), ['3', '0', '0'], 'the 3 failed rows are sent again');
    // raw.users rebuilt with two emails changed: the plan reads the upstream tables as they are.
    writeFileSync(
      join(fixture.root, 'models/raw/users.sql'),
      "SELECT i AS id, 'user' || i || CASE WHEN i < 2 THEN '@example.org' ELSE '@example.com' END AS email FROM range(30) t(i)",
    );
    const c = capture();
    t.is(await runCommand({ cwd: fixture.root, selectors: ['raw.users'], quiet: true }, c.io), 0, c.err());
    await page.goto(`${ui.base}/model/sync.users`);
    await page.waitForSelector('#plan[data-loaded]');
    t.deepEqual(await texts('#plan-counts dd'), ['3', '2', '0']);
    const rows = await page.$$eval('#plan-samples tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    t.deepEqual(rows[0], ['changed', '{"id":0}', 'email: "user0@example.com" → "user0@example.org"']);
    t.deepEqual(rows[2], ['new', '{"id":3}', '{"id":3,"email":"user3@example.com"}']);
    const api = await fetch(`${ui.base}/api/model/raw.users/plan`, {
      headers: { authorization: `Bearer ${ui.token}` },
    });
    t.deepEqual(await api.json(), { plan: null, unavailable: null });
  },
);

test.serial(
  'a real ebb run in progress: the live page shows its counter moving, the other pages say the state is busy',
  async (t) => {
    const limited = new Set<number>();
    // Every 20th row is answered 429 once (Retry-After: 0), then accepted.
    const sink = await startSink((r) => {
      const id = (r.json as { id: number }).id;
      if (id % 20 !== 7 || limited.has(id)) return { delayMs: 25 };
      limited.add(id);
      return { status: 429, headers: { 'retry-after': '0' } };
    });
    const root = makeProject({
      'models/sync/slow.star': [
        '# @kind: tracked',
        '# @unique_key: id',
        '# @concurrency: 2',
        'BASE = env.get("SINK", secret=False)',
        'for row in query("SELECT i AS id FROM range(800) t(i)"):',
        '    http.post(BASE + "/slow", json={"id": row.id})',
        '    save.row(row)',
      ].join('\n'),
    });
    const own = await startUi(root);
    const run = spawn(process.execPath, [...EBB_ARGV, 'run'], {
      cwd: root,
      env: { ...process.env, SINK: sink.url },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => run.on('exit', (code) => r(code)));
    try {
      await page.goto(own.url);
      await page.goto(`${own.base}/live`);
      await page.waitForFunction(
        () => /running/.test(document.querySelector('#live-state')?.textContent ?? ''),
        {
          timeout: 30_000,
        },
      );
      await page.waitForSelector('#done', { timeout: 30_000 });
      const first = Number(
        (await page.$eval('#done', (e) => e.textContent))!.split(' / ')[0]!.replace(/,/g, ''),
      );
      await page.waitForFunction(
        (n: number) =>
          Number(document.querySelector('#done')?.textContent?.split(' / ')[0]?.replace(/,/g, '')) > n,
        { timeout: 30_000 },
        first,
      );
      t.is(await page.$eval('#current h2', (e) => e.textContent), 'sync.slow');
      await page.waitForFunction(() => Number(document.querySelector('#too-many')?.textContent) > 0, {
        timeout: 30_000,
      });
      await page.waitForFunction(
        () => Number((document.querySelector('#live-charts') as HTMLElement | null)?.dataset['points']) > 0,
        { timeout: 30_000 },
      );
      await page.goto(`${own.base}/`);
      t.regex((await page.$eval('#notice', (e) => e.textContent)) ?? '', /The state is busy/);
      t.is(await exited, 0);
      await page.goto(`${own.base}/live`);
      t.regex((await page.$eval('#live-state', (e) => e.textContent)) ?? '', /finished/);
      t.deepEqual(await texts('#live-models td:first-child'), ['sync.slow']);
    } finally {
      run.kill();
      await own.stop();
      await sink.close();
    }
  },
);
