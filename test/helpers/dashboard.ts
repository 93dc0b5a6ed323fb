// Test helpers for the dashboard: a project with real runs and failures (ebb run against a local
// sink that answers 500 for some rows), the dashboard started in-process on port 0, and headless
// Chromium (Debian's package) driven by puppeteer-core. No Chromium is a failure that says how to
// install it, never a silent skip.

import { existsSync } from 'node:fs';
import { runCommand } from '../../lib/commands/run.js';
import { uiCommand } from '../../lib/commands/ui.js';
import { capture, makeProject } from './project.js';
import { startSink, type Sink } from './sink.js';

/** The model's API token: `/ + = " \ %` each change one of its forms (percent, base64, JSON, HTML). */
export const SECRET = 'sk_live/do+not=show"\\%3e1f9a';

/** What the failing rows' requests are answered (markup, so escaping is checked too). */
export const FAILURE_BODY = '{"error":"quota <b>exceeded</b> & retry later"}';

export interface Fixture {
  readonly root: string;
  readonly statePath: string;
  readonly sink: Sink;
}

/**
 * makeFixture: raw.users (30 rows) → sync.users (tracked, posts each row with the token in its
 * body; ids 3, 13, 23 answered 500, the others with the request echoed), run twice.
 */
export async function makeFixture(): Promise<Fixture> {
  const sink = await startSink((r) =>
    (r.json as { id?: number } | undefined)?.id !== undefined && (r.json as { id: number }).id % 10 === 3
      ? { status: 500, body: FAILURE_BODY }
      : { body: `{"echo":${r.body}}` },
  );
  const root = makeProject({
    '.env': `API_TOKEN='${SECRET}'\n`,
    'models/raw/users.sql': "SELECT i AS id, 'user' || i || '@example.com' AS email FROM range(30) t(i)",
    'models/mart/active.sql': 'SELECT * FROM raw.users WHERE id % 2 = 0',
    'models/sync/users.star': [
      '# @kind: tracked',
      '# @unique_key: id',
      '# @retries: 0',
      'TOKEN = env.get("API_TOKEN")',
      'BASE = env.get("SINK", secret=False)',
      'for row in query("SELECT id, email FROM raw.users"):',
      '    http.post(BASE + "/users", json={"id": row.id, "email": row.email, "token": TOKEN}, headers={"Authorization": "Bearer " + TOKEN})',
      '    save.row(row)',
    ].join('\n'),
  });
  for (let i = 0; i < 2; i++) {
    const c = capture();
    await runCommand(
      { cwd: root, selectors: [], quiet: true, env: { ...process.env, SINK: sink.url } },
      c.io,
    );
  }
  return { root, statePath: `${root}/state/ebb.duckdb`, sink };
}

export interface Running {
  /** The URL printed at start, with its token. */
  readonly url: string;
  readonly base: string;
  readonly token: string;
  stop(): Promise<void>;
}

export async function startUi(root: string): Promise<Running> {
  const c = capture();
  const abort = new AbortController();
  const done = uiCommand({ cwd: root, port: 0, signal: abort.signal }, c.io);
  const deadline = Date.now() + 20_000;
  let m: RegExpExecArray | null = null;
  while (!(m = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/.exec(c.err()))) {
    if (Date.now() > deadline) throw new Error(`ebb ui did not start:\n${c.err()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url: m[0],
    base: m[1]!,
    token: m[2]!,
    stop: async () => {
      abort.abort();
      await done;
    },
  };
}

export const CHROMIUM = process.env['EBB_CHROMIUM'] ?? '/usr/bin/chromium';

/** launchBrowser starts headless Chromium, or fails saying how to install it. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the dashboard's browser tests need Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (.ci/run does), or set EBB_CHROMIUM to its path`,
    );
  }
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}
