// Helpers of the catalog's end-to-end tests: a project whose source is a CSV file the test
// rewrites between runs, a sync model that loads a shipped library (@ebb/NAME.star), the CLI
// run as a real process against a simulator, and the state read back (failures, acked keys).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ebb, makeProject, ndjson, type ProcessResult } from './project.js';
import { withStore } from './store.js';

export type Row = Readonly<Record<string, string | number | boolean | null>>;

/** csv writes rows as a CSV file with a header (values quoted, NULL as an empty field). */
export function writeCsv(root: string, rows: readonly Row[], columns: readonly string[]): void {
  const cell = (v: Row[string]) =>
    v === null || v === undefined ? '' : `"${String(v).replaceAll('"', '""')}"`;
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c]!)).join(','))];
  writeFileSync(join(root, 'data', 'source.csv'), `${lines.join('\n')}\n`);
}

/**
 * catalogProject makes a project with `models/mart/customers.sql` reading data/source.csv (all
 * columns as text unless `types` says otherwise) and `models/sync/dest.star` = `model`.
 */
export function catalogProject(
  model: string,
  rows: readonly Row[],
  columns: readonly string[],
  types: Readonly<Record<string, string>> = {},
): string {
  const spec = columns.map((c) => `'${c}': '${types[c] ?? 'VARCHAR'}'`).join(', ');
  const root = makeProject({
    'data/.keep': '',
    'models/mart/customers.sql': `-- @kind: table\nSELECT * FROM read_csv('data/source.csv', header = true, columns = {${spec}})`,
    'models/sync/dest.star': model,
  });
  writeCsv(root, rows, columns);
  return root;
}

export interface CliRun extends ProcessResult {
  /** The sync model's line of `run --json`. */
  readonly result: Record<string, unknown>;
}

/** run runs `ebb run --json` in the project with `env`. */
export async function run(root: string, env: NodeJS.ProcessEnv): Promise<CliRun> {
  const r = await ebb(['run', '--json'], { cwd: root, env });
  const result = ndjson(r.stdout).find((l) => l['model'] === 'sync.dest') ?? {};
  return { ...r, result };
}

export interface Failure {
  readonly key: string;
  readonly kind: string;
  readonly error: string;
}

/** failures lists the sync model's pending failures by key. */
export async function failures(root: string): Promise<Failure[]> {
  return withStore(root, async (s) =>
    (
      await s.queryJson("SELECT key, kind, error FROM _ebb.failures WHERE model = 'sync.dest' ORDER BY key")
    ).map((r) => ({ key: String(r['key']), kind: String(r['kind']), error: String(r['error']) })),
  );
}

/** acked lists the values of the sync model's key column `key` it holds as delivered, sorted. */
export async function acked(root: string, key: string): Promise<string[]> {
  return withStore(root, async (s) =>
    (await s.queryJson(`SELECT "${key}"::VARCHAR AS k FROM sync.dest ORDER BY 1`)).map((r) => String(r['k'])),
  );
}
