/**
 * The build's bundles (scripts/bundle.mjs): `npm run build` leaves the CLI (dist/bin/ebb.js and
 * its chunks beside it, split at dynamic imports) and the model worker (dist/lib/runtime/worker.js)
 * bundled: a run loads no other module of the package; `ebb --version` loads a few KiB of it;
 * every path a bundled module derives from its own `import.meta.url` names a file that exists;
 * and the bundle behaves as the sources do where those paths matter (its version from
 * package.json, yargs' messages in another language from yargs' locales, a .star model run in the
 * bundled worker).
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO, TSX_IMPORT, makeProject, ndjson, node } from './helpers/project.js';

const BUNDLES = ['dist/bin/ebb.js', 'dist/lib/runtime/worker.js'];
const BUILT = join(REPO, 'dist', 'bin', 'ebb.js');
const CHUNK = /^chunk-[A-Z0-9]+\.js$/;
/** The CLI's chunks (scripts/bundle.mjs names them so, beside the entry). */
const CHUNKS = readdirSync(join(REPO, 'dist', 'bin'))
  .filter((f) => CHUNK.test(f))
  .map((f) => join('dist', 'bin', f));

/** loadedFiles runs the built CLI with TRACE_HOOK and lists the files it loaded as ES modules. */
async function loadedFiles(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string; files: string[] }> {
  const r = await node([`--import=${TRACE_HOOK}`, BUILT, ...args], { cwd });
  const files = [...new Set([...r.stderr.matchAll(/^LOADED (.+)$/gm)].map((m) => fileURLToPath(m[1]!)))];
  return { ...r, files };
}

// Prints each ES module Node loads (a module hook, in the main thread and in the worker).
const TRACE_HOOK = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(
  'export async function load(url, c, next) { if (url.startsWith("file:")) process._rawDebug("LOADED " + url); return next(url, c); }'));
`)}`;

test('an ebb run of a .star model loads only the bundles (the CLI, its chunks, the worker); --version a few KiB of them', async (t) => {
  for (const b of BUNDLES) t.true(existsSync(join(REPO, b)), `${b} is missing: run npm run build`);
  t.true(readFileSync(BUILT, 'utf8').startsWith('#!/usr/bin/env node\n'), 'the CLI keeps its #! line');
  const root = makeProject({
    'models/src/items.sql': '-- @kind: table\nSELECT range AS id FROM range(3)',
    'models/out/count.star':
      '# @kind: table\nrows = [r for r in query("SELECT id FROM src.items")]\nsave.row({"n": len(rows)})\n',
  });
  const r = await loadedFiles(['run', '--json'], root);
  t.is(r.code, 0, r.stderr);
  t.like(
    ndjson(r.stdout).find((l) => l['model'] === 'out.count'),
    { status: 'ok' },
  );
  const outside = r.files.filter(
    (f) => !BUNDLES.some((b) => f === join(REPO, b)) && !CHUNK.test(basename(f)),
  );
  t.deepEqual(outside, [], 'scripts/bundle.mjs no longer bundles what these load');
  for (const b of BUNDLES) t.true(r.files.includes(join(REPO, b)), b);
  t.true(CHUNKS.length > 0, 'the CLI is split into chunks');
  // --version answers from the entry and the few helpers it shares (a few KiB): yargs, the
  // commands and DuckDB's API (megabytes) are not read or compiled.
  const version = await loadedFiles(['--version'], root);
  t.is(version.files[0], BUILT);
  const bytes = version.files.reduce((n, f) => n + statSync(f).size, 0);
  t.true(bytes < 16 * 1024, `--version loaded ${bytes} bytes: ${version.files.join(', ')}`);
});

test('every file a bundled module finds from its own import.meta.url exists (relative to the bundle)', (t) => {
  let n = 0;
  for (const b of [...BUNDLES, ...CHUNKS]) {
    const text = readFileSync(join(REPO, b), 'utf8');
    for (const m of text.matchAll(/new URL\("([^"]+)", import\.meta\.url\)/g)) {
      const target = join(dirname(join(REPO, b)), m[1]!);
      t.true(existsSync(target), `${b}: ${m[1]} → ${target}`);
      n++;
    }
  }
  // duckdb-api, catalog, worker-entry, ui assets, bin/ebb, yargs and yargs-parser at least.
  t.true(n >= 7, `${n} rewritten URLs`);
  t.true(existsSync(fileURLToPath(new URL('../dist/lib/catalog/', import.meta.url))));
});

test('the bundle answers as the sources do: --version, and --help in French from yargs locales', async (t) => {
  const cwd = REPO;
  const env = { LC_ALL: 'fr_FR.UTF-8', LANG: 'fr_FR.UTF-8', COLUMNS: '100' };
  const [built, source] = await Promise.all([
    node([BUILT, 'run', '--help'], { cwd, env }),
    node([TSX_IMPORT, join(REPO, 'bin', 'ebb.ts'), 'run', '--help'], { cwd, env }),
  ]);
  t.is(built.code, 0, built.stderr);
  t.is(built.stdout, source.stdout);
  // yargs' French locale was read (its file lies in node_modules/yargs/locales, beside no bundle).
  t.regex(built.stdout, /Options :/);
  const version = await node([BUILT, '--version'], { cwd });
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  t.is(version.stdout, `${pkg.version}\n`);
});

// Tells on exit how many Intl.Segmenters were made (string-width makes one when loaded), whether
// undici was loaded (its diagnostics module names its channels on load: undici:request:create…,
// whether the package's index or only the Pool's module is loaded) and which CommonJS files were
// require()d from node_modules.
const PROBE = `data:text/javascript,${encodeURIComponent(`
import { createRequire } from 'node:module';
import dc from 'node:diagnostics_channel';
const cache = createRequire('/').cache;
let undici = false;
const channel = dc.channel;
dc.channel = (name) => { if (String(name).startsWith('undici:')) undici = true; return channel(name); };
let segmenters = 0;
const Segmenter = Intl.Segmenter;
Intl.Segmenter = class extends Segmenter { constructor(...a) { super(...a); segmenters++; } };
process.on('exit', () => {
  process._rawDebug('SEGMENTERS ' + segmenters);
  process._rawDebug('UNDICI ' + undici);
  for (const f of Object.keys(cache)) if (f.includes('node_modules')) process._rawDebug('CJS ' + f);
});`)}`;

test('a run loads undici only when it sends, string-width only for --help, node-api and undici from the bundle', async (t) => {
  const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;
  const sqlOnly = makeProject({ 'models/a.sql': '-- @kind: table\nSELECT 1 AS x' });
  const sends = makeProject({
    'models/sync/hook.star': `# @kind: tracked\n# @unique_key: id\nfor row in query("SELECT 1 AS id"):\n    http.post(${JSON.stringify(url)}, json=row)\n    save.row(row)\n`,
  });
  const quiet = await node([`--import=${PROBE}`, BUILT, 'run'], { cwd: sqlOnly });
  t.is(quiet.code, 0, quiet.stderr);
  t.regex(quiet.stderr, /^UNDICI false$/m);
  // string-width (yargs' layout of --help) is loaded only to measure text, ~35 ms of CPU.
  t.regex(quiet.stderr, /^SEGMENTERS 0$/m);
  const help = await node([`--import=${PROBE}`, BUILT, 'run', '--help'], { cwd: sqlOnly });
  t.regex(help.stderr, /^SEGMENTERS [1-9]/m);
  const sent = await node([`--import=${PROBE}`, BUILT, 'run'], { cwd: sends });
  t.is(sent.code, 0, sent.stderr);
  t.regex(sent.stderr, /^UNDICI true$/m);
  // Bundled too: node-api's JavaScript and undici; only DuckDB's native binding (and detect-libc,
  // which it asks which binary to load) are require()d.
  const required = [...sent.stderr.matchAll(/^CJS (.+)$/gm)].map((m) => m[1]!);
  t.true(required.length > 0);
  t.deepEqual(
    required.filter((f) => !/node_modules\/(@duckdb\/node-bindings[^/]*|detect-libc)\//.test(f)),
    [],
  );
});
