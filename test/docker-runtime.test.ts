// The Dockerfile's runtime stage, laid out by hand (this machine has no Docker daemon and no
// registry for node:20-slim, so the image is never built here): the folders its COPY lines name,
// the build's dist/, and only the production dependencies — the lockfile's packages that are not
// `dev`, what `npm ci --omit=dev` installs, hard-linked from this checkout's node_modules. Then the
// commands the image runs: a model that loads a catalog library and sends through the worker, and
// `ebb serve` answering /healthz and its dashboard. It fails when the bundled CLI or worker needs a
// devDependency (esbuild, tsx, typescript…), or a file the stage does not copy.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { REPO, ndjson, node, started, tempDir, writeFiles } from './helpers/project.js';
import { startSink } from './helpers/sink.js';

const runtimeStage = readFileSync(join(REPO, 'Dockerfile'), 'utf8')
  .split(/^FROM /m)
  .at(-1)!;

/** The sources of the stage's plain COPY lines, globs resolved against the repository. */
function copiedSources(): string[] {
  const sources = [...runtimeStage.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
    m[1]!.split(/\s+/),
  );
  return sources.flatMap((s) =>
    s.endsWith('*') ? [s.slice(0, -1)].filter((p) => existsSync(join(REPO, p))) : [s],
  );
}

/** The lockfile's installed packages that `npm ci --omit=dev` keeps, present on this platform. */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([path, p]) => path.startsWith('node_modules/') && p.dev !== true)
    .map(([path]) => path)
    .filter((path) => existsSync(join(REPO, path)))
    .sort((a, b) => a.length - b.length);
}

/** hardLink copies a folder as hard links (same file system as the temp folder here). */
function hardLink(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  const r = spawnSync('cp', ['-al', from, to], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp -al ${from} ${to}: ${r.stderr}`);
}

/** The image's /app: what the runtime stage copies, the build's dist/, production packages only. */
function imageApp(): string {
  const app = tempDir('ebb-image-');
  for (const src of copiedSources()) hardLink(join(REPO, src), join(app, src));
  mustHave(runtimeStage.includes('COPY --from=build /src/dist ./dist'), 'the stage copies the build dist/');
  hardLink(join(REPO, 'dist'), join(app, 'dist'));
  const copied: string[] = [];
  for (const path of productionPackages()) {
    // A nested package came with the folder of the package it sits in.
    if (copied.some((c) => path.startsWith(`${c}/`))) continue;
    hardLink(join(REPO, path), join(app, path));
    copied.push(path);
  }
  return app;
}

/** mustHave stops the lay-out when the Dockerfile no longer says what this test assumes. */
function mustHave(ok: boolean, what: string): void {
  if (!ok) throw new Error(`Dockerfile: ${what}`);
}

test('the image runs a sending model with only the production dependencies', async (t) => {
  t.true(existsSync(join(REPO, 'dist', 'bin', 'ebb.js')), 'dist/bin/ebb.js is missing: run npm run build');
  const app = imageApp();
  for (const dev of ['esbuild', 'tsx', 'typescript', 'ava'])
    t.false(existsSync(join(app, 'node_modules', dev)), `${dev} is a devDependency: not in the image`);
  const sink = await startSink();
  t.teardown(() => sink.close());
  writeFiles(app, {
    'models/image_check/hook.star': [
      '# @kind: tracked',
      '# @unique_key: id',
      'load("@ebb/webhook.star", "webhook")',
      'webhook.send(query("SELECT range AS id FROM range(5)"), batch_size=2)',
    ].join('\n'),
  });
  const env = { NODE_ENV: 'production', WEBHOOK_URL: `${sink.url}/in`, WEBHOOK_SECRET: 'whsec-image' };
  const r = await node([join(app, 'dist', 'bin', 'ebb.js'), 'run', 'image_check.hook', '--json'], {
    cwd: app,
    env,
  });
  t.is(r.code, 0, r.stderr);
  t.like(
    ndjson(r.stdout).find((l) => l['model'] === 'image_check.hook'),
    { status: 'ok', saved: 5 },
  );
  t.is(sink.delivered.length, 3);
  const v = await node([join(app, 'dist', 'bin', 'ebb.js'), 'validate'], { cwd: app, env });
  t.is(v.code, 0, v.stderr + v.stdout);
});

test('the image serves /healthz and the dashboard with only the production dependencies', async (t) => {
  const app = imageApp();
  const serve = started(t, [join(app, 'dist', 'bin', 'ebb.js'), 'serve', '--port', '0'], {
    cwd: app,
    env: { NODE_ENV: 'production' },
  });
  const deadline = Date.now() + 30_000;
  let dashboard: RegExpExecArray | null = null;
  while ((dashboard = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=([\w-]+)/.exec(serve.output())) === null) {
    if (Date.now() > deadline || serve.child.exitCode !== null)
      throw new Error(`ebb serve did not start:\n${serve.output()}`);
    await sleep(50);
  }
  const [, base, token] = dashboard;
  t.is((await fetch(`${base}/healthz`)).status, 200);
  const auth = { headers: { authorization: `Bearer ${token}` } };
  // The models page, and the runs page whose chart is drawn by uPlot (a production dependency
  // served from node_modules): every script and stylesheet they name is served from the image.
  const assets = new Set<string>();
  for (const path of ['/', '/runs']) {
    const page = await fetch(`${base}${path}`, auth);
    t.is(page.status, 200, `${path}\n${serve.output()}`);
    const html = await page.text();
    for (const m of html.matchAll(/(?:src|href)="(\/assets\/[^"?]+)"/g)) assets.add(m[1]!);
  }
  t.true(assets.has('/assets/uPlot.iife.min.js'), [...assets].join(' '));
  for (const asset of assets) t.is((await fetch(`${base}${asset}`, auth)).status, 200, asset);
  serve.child.kill('SIGTERM');
  t.is(await serve.exited, 0, serve.output());
});
