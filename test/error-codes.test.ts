/**
 * The registry of error codes (lib/error-codes.ts) is the one list of EBB_… codes: docs/errors.md's
 * table lists exactly its codes, every `EBB_…` word in lib/ and bin/ is one of them (or one of the
 * environment variables ebb reads), and no source outside the registry spells a code as a string.
 */
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CODE, ERROR_CODES, isEbbCode } from '../lib/error-codes.js';
import { StateLockedError, UsageError } from '../lib/errors.js';
import { CircuitOpenError, NetworkError } from '../lib/send/errors.js';
import { REPO } from './helpers/project.js';

/** The environment variables ebb reads whose names look like codes (EBB_DUCKDB_<SETTING> is a family). */
const ENV_VARS = new Set(['EBB_STATE', 'EBB_MEMORY_LIMIT', 'EBB_DEBUG', 'EBB_COORDINATOR', 'EBB_SHARD']);
const isEnvVar = (word: string): boolean => ENV_VARS.has(word) || word.startsWith('EBB_DUCKDB_');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.(ts|star)$/.test(e.name)) out.push(p);
  }
  return out;
}

const SOURCES = [...sources(join(REPO, 'lib')), ...sources(join(REPO, 'bin'))];
const REGISTRY = join(REPO, 'lib', 'error-codes.ts');

/** tableCodes reads the codes of docs/errors.md's table: each row's first cell, one or more `EBB_…`. */
function tableCodes(): string[] {
  const page = readFileSync(join(REPO, 'docs', 'errors.md'), 'utf8');
  const rows = page.split('\n').filter((l) => /^\| `EBB_/.test(l));
  return rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`(EBB_[A-Z_]+)`/g)].map((m) => m[1]!));
}

test("docs/errors.md's table lists exactly the registry's codes, each once", (t) => {
  const listed = tableCodes();
  const registry = Object.keys(ERROR_CODES);
  t.true(registry.length > 40, `the registry holds only ${registry.length} codes`);
  t.deepEqual(
    listed.filter((c, i) => listed.indexOf(c) !== i),
    [],
    'a code listed twice',
  );
  t.deepEqual(
    listed.filter((c) => !isEbbCode(c)),
    [],
    'codes in docs/errors.md that are not in lib/error-codes.ts',
  );
  t.deepEqual(
    registry.filter((c) => !listed.includes(c)),
    [],
    'codes in lib/error-codes.ts missing from docs/errors.md',
  );
});

test('every EBB_… word in lib/ and bin/ is a registry code or an environment variable ebb reads', (t) => {
  const unknown: string[] = [];
  for (const file of SOURCES) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const m of line.matchAll(/\bEBB_[A-Z0-9_]+/g)) {
        if (!isEbbCode(m[0]) && !isEnvVar(m[0])) unknown.push(`${relative(REPO, file)}:${i + 1}: ${m[0]}`);
      }
    });
  }
  t.deepEqual(unknown, []);
});

test('no source outside the registry spells a code as a string: they use CODE.EBB_…', (t) => {
  const spelt: string[] = [];
  for (const file of SOURCES) {
    if (file === REGISTRY) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const m of line.matchAll(/['"`](EBB_[A-Z_]+)['"`]/g)) {
        if (isEbbCode(m[1]!) && !line.includes(`env['${m[1]}']`) && !line.includes(`env?.['${m[1]}']`))
          spelt.push(`${relative(REPO, file)}:${i + 1}: ${m[0]}`);
      }
    });
  }
  t.deepEqual(spelt, []);
});

test('CODE names each code as itself, and the codes that stop a model include the breaker, Retry-After and the coordinator', (t) => {
  for (const c of Object.keys(ERROR_CODES) as (keyof typeof CODE)[]) t.is(CODE[c], c);
  const stopsModel = (c: keyof typeof ERROR_CODES) => ERROR_CODES[c].stops === 'model';
  t.true(stopsModel('EBB_HTTP_CIRCUIT_OPEN'));
  t.true(stopsModel('EBB_HTTP_RETRY_AFTER_TOO_LONG'));
  t.true(stopsModel('EBB_COORDINATOR'));
  // A failed request that the model goes on after: its row is kept as failed, the run goes on.
  for (const c of [
    'EBB_HTTP_STATUS',
    'EBB_HTTP_NETWORK',
    'EBB_HTTP_TIMEOUT',
    'EBB_SEND_STOPPED',
    'EBB_OAUTH',
  ] as const)
    t.is(ERROR_CODES[c].stops, 'request', c);
  t.false(isEbbCode('EBB_NOT_A_CODE'));
  t.false(isEbbCode('toString'));
});

test("an error's stops and transient are its code's, read from the registry", (t) => {
  const locked = new StateLockedError('state/ebb.duckdb', 'ebb run');
  t.is(locked.stops, 'run');
  t.true(locked.transient);
  const usage = new UsageError('bad');
  t.is(usage.stops, 'run');
  t.false(usage.transient);
  const open = new CircuitOpenError('http://x', 'after 8 of 10 failed', 'boom');
  t.is(open.stops, 'model');
  const network = new NetworkError('http://x', 'refused');
  t.is(network.stops, 'request');
  t.true(network.transient);
});
