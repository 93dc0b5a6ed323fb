/**
 * The front page (README.md, at most 200 lines) and the reference pages (docs/*.md) keep their examples true: every fenced block names its language,
 * and each is checked by what reads that language — a project file by ebb's own parser (no
 * problem), SQL by DuckDB's parser, Starlark by ebb's, and every `ebb …` command line of a shell
 * block names a command ebb has, with options that command declares.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectProblem } from '../lib/errors.js';
import { parseProjectFile } from '../lib/project/index.js';
import { HEAVY_DEPTH, LOW_DEPTH, RETRY_ALLOWANCE, RUN_AHEAD } from '../lib/runtime/http-module.js';
import { FLUSH_FAILED_ROWS, FLUSH_REQUESTS, ROW_GROUP, UNDURABLE_REQUESTS } from '../lib/runtime/protocol.js';
import { parseFile } from '../lib/starlark/index.js';
import { Store } from '../lib/store/index.js';
import { serializedSql } from '../lib/store/sql-tables.js';
import { REPO } from './helpers/project.js';

interface Block {
  readonly page: string;
  readonly line: number;
  readonly lang: string;
  readonly text: string;
}

function blocks(page: string): Block[] {
  const lines = readFileSync(join(REPO, page), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    out.push({ page, line: start + 1, lang: open[1]!, text: body.join('\n') });
  }
  return out;
}

const PAGES = [
  'README.md',
  ...readdirSync(join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const ALL = PAGES.flatMap(blocks);
const where = (b: Block) => `${b.page}:${b.line}`;

/** The commands and their options, read from the CLI's own definitions in bin/commands/. */
function cliCommands(): Map<string, Set<string>> {
  const dir = join(REPO, 'bin', 'commands');
  const commands = new Map<string, Set<string>>();
  const globalOptions = ['project', 'state', 'wait', 'json', 'help'];
  for (const file of readdirSync(dir)) {
    const src = readFileSync(join(dir, file), 'utf8');
    const declared = /^ {2}command: '([\w-]+)/m.exec(src);
    if (!declared) continue;
    const options = new Set([...src.matchAll(/\.option\('([a-z-]+)'/g)].map((m) => m[1]!));
    for (const g of globalOptions) options.add(g);
    commands.set(declared[1]!, options);
  }
  return commands;
}

test('the README is a front page of at most 200 lines whose links to docs/ all exist', (t) => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  t.true(readme.split('\n').length <= 200);
  const links = [...readme.matchAll(/\]\((docs\/[^)#]+)/g)].map((m) => m[1]!);
  t.true(links.length >= 10);
  for (const l of links) t.true(existsSync(join(REPO, l)), l);
});

test('the pages exist and every fenced block names its language', (t) => {
  t.true(PAGES.length >= 2);
  t.deepEqual(ALL.filter((b) => b.lang === '').map(where), []);
});

test('every project file example reads without a problem', (t) => {
  const yaml = ALL.filter((b) => b.lang === 'yaml');
  t.true(yaml.length > 0);
  for (const b of yaml) {
    const problems: ProjectProblem[] = [];
    parseProjectFile('ebb.yaml', b.text, problems);
    t.deepEqual(
      problems.map((p) => `${where(b)} +${p.line}: ${p.message}`),
      [],
    );
  }
});

test('every SQL example parses in DuckDB', async (t) => {
  const store = await Store.open({ path: ':memory:', root: REPO });
  try {
    for (const b of ALL.filter((x) => x.lang === 'sql')) {
      const tree = await serializedSql(store, b.text);
      t.falsy(tree.error, `${where(b)}: ${tree.error_message}`);
    }
  } finally {
    store.close();
  }
});

test('every Starlark example parses', (t) => {
  for (const b of ALL.filter((x) => x.lang === 'python' || x.lang === 'starlark')) {
    t.notThrows(() => parseFile(`${where(b)}.star`, b.text), where(b));
  }
  t.pass('pages without Starlark blocks have nothing to check');
});

test('every ebb command line of a shell example names a command and options it has', (t) => {
  const commands = cliCommands();
  t.true(commands.has('run') && commands.has('star') && commands.size >= 14, [...commands.keys()].join(' '));
  let checked = 0;
  for (const b of ALL.filter((x) => x.lang === 'sh')) {
    for (const line of b.text.split('\n')) {
      for (const m of line.matchAll(/(?:^\s*|&&\s*|\|\|\s*)ebb ([a-z-]+)((?:\s+[^|&;#>]*)?)/g)) {
        checked++;
        const options = commands.get(m[1]!);
        t.truthy(options, `${where(b)}: "ebb ${m[1]}" is not a command`);
        for (const o of (m[2] ?? '').matchAll(/--([a-z-]+)/g)) {
          t.true(options?.has(o[1]!), `${where(b)}: ebb ${m[1]} has no --${o[1]}`);
        }
      }
    }
  }
  t.true(checked > 0);
});

test('the run-ahead and the crash window the pages state are the constants the code uses', (t) => {
  const text = (page: string) => readFileSync(join(REPO, page), 'utf8').replace(/\s+/g, ' ');
  const http = text('docs/http.md');
  const wait = LOW_DEPTH + RUN_AHEAD;
  t.true(
    http.includes(`when it has ${wait} × \`@concurrency\` requests unfinished`),
    'http.md: where it waits',
  );
  t.true(http.includes(`waits until only ${LOW_DEPTH} × \`@concurrency\` are left`), 'http.md: until when');
  t.true(http.includes(`it runs only ${HEAVY_DEPTH} × \`@concurrency\` ahead`), 'http.md: large bodies');
  t.true(
    http.includes(`up to ${RETRY_ALLOWANCE} × \`@concurrency\` requests waiting to retry`),
    'http.md: retries',
  );
  const delivery = text('docs/delivery.md');
  const most = `at most ${UNDURABLE_REQUESTS.toLocaleString('en-US')} + ${wait + RETRY_ALLOWANCE} × \`@concurrency\``;
  t.true(
    delivery.includes(`${most} requests (${wait} × \`@concurrency\` unfinished`),
    'delivery.md: requests',
  );
  t.true(delivery.includes(`${most} rows`), 'delivery.md: the seed loop');
  t.true(
    delivery.includes(`plus ${wait + RETRY_ALLOWANCE} × \`@concurrency\` batches`),
    'delivery.md: batches',
  );
  t.true(
    delivery.includes(`recorded in \`_ebb.failures\` ${FLUSH_FAILED_ROWS.toLocaleString('en-US')} at a time`),
    'delivery.md: failed rows recorded',
  );
  // When acknowledgements are committed, on both pages that say it.
  const flush = `depend on ${FLUSH_REQUESTS.toLocaleString('en-US')} requests or ${ROW_GROUP.toLocaleString('en-US')}`;
  t.true(delivery.includes(flush), 'delivery.md: when acknowledgements are committed');
  t.true(text('docs/models.md').includes(flush), 'models.md: when acknowledgements are committed');
});
