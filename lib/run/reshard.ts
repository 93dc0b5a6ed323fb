// `ebb reshard --to M`: redistributes what N shard files (or one unsharded state) hold — each
// tracked model's delivered rows and its failures, rejected ones with their row_hash — into M
// new files, by the same shard hash a sharded run filters with, so that no delivered row is sent
// again and no failure is lost when the shard count changes; the new files keep the idempotency
// secret the old ones shared, so a failed row re-sent by its new shard carries the key it had. Everything happens in one DuckDB
// session with the old files and the new ones (under temporary names) attached: the old files
// stay locked throughout, so a run cannot start on them, and a file some run holds refuses the
// reshard (state busy). The counts are checked before any file is renamed (reshard-files.ts).

import { partsTextSql, shardOfSql, shardOfTextSql } from '../detect/shard.js';
import { ShardError, StateError } from '../errors.js';
import { quoteIdent, type Model } from '../project/index.js';
import {
  attachState,
  copyFailures,
  copyStateMeta,
  failureCount,
  failureModelsOf,
  readStateShard,
  secretsOf,
  sqlString,
  Store,
  trackedMetaOf,
  type TrackedMeta,
} from '../store/index.js';
import { secretPath } from './shard-state.js';
import { writeFolderSecret } from './shard-secret.js';
import { copyTables, copyViews, tableColumns, tablesOf, type TrackedSplit } from './reshard-tables.js';
import {
  checkTarget,
  finishJournal,
  readJournal,
  removeFile,
  sourceFiles,
  targetFiles,
  writeJournal,
  type SourceFile,
  type TargetFile,
} from './reshard-files.js';

export interface ReshardReport {
  readonly from: number;
  readonly to: number;
  /** Per tracked model, its delivered rows in each new shard. */
  readonly models: ReadonlyArray<{ readonly model: string; readonly rows: readonly number[] }>;
  readonly failures: number;
  /**
   * Failure entries whose old shard keyed its requests with another idempotency secret than the
   * new files hold (shard files made by an ebb before the folder's shared secret, or on volumes of
   * their own): their rows are sent again under new Idempotency-Keys.
   */
  readonly rekeyed?: number;
  /** Views that did not bind in the new files (the next run makes them again). */
  readonly views?: readonly string[];
  /** Where the old files are kept. */
  readonly backups: readonly string[];
  /** Whether this call only finished the renames of an earlier, interrupted reshard. */
  readonly finished?: boolean;
}

/** reshard redistributes the state of `basePath`'s folder into `to` shard files. */
export async function reshard(
  basePath: string,
  root: string,
  models: ReadonlyMap<string, Model>,
  toCount: number,
): Promise<ReshardReport> {
  const to = checkTarget(toCount);
  const pending = readJournal(basePath);
  if (pending !== undefined) {
    const backups = finishJournal(basePath, pending);
    return { from: pending.from, to: pending.to, models: [], failures: 0, backups, finished: true };
  }
  const sources = sourceFiles(basePath);
  const from = sources[0]!.count;
  if (from === to)
    throw new ShardError(`the state is already in ${to} shard${to === 1 ? '' : 's'}: nothing to do`);
  await checkSources(sources, root);
  const targets = targetFiles(basePath, to);
  for (const t of targets) removeFile(t.tmp);
  let report: Omit<ReshardReport, 'backups'>;
  let journaled = false;
  // The journal is written while the old files are still attached (locked): a run that starts
  // after it is refused by the journal, one before it by the lock.
  const journal = (secret: string | undefined) => {
    // Shard files made later in this folder (a worker's first run) take the new files' secret.
    if (to > 1 && secret !== undefined) writeFolderSecret(secretPath(basePath), secret);
    writeJournal(basePath, {
      from,
      to,
      sources: sources.map((s) => s.path),
      targets: targets.map((t) => ({ tmp: t.tmp, path: t.path })),
    });
    journaled = true;
  };
  try {
    for (const t of targets) (await Store.open({ path: t.tmp, root })).close();
    report = await copyAll(sources, targets, root, models, journal);
  } catch (err) {
    // Once journaled, the new files are complete and the next reshard finishes the renames.
    if (!journaled) for (const t of targets) removeFile(t.tmp);
    throw err;
  }
  return { ...report, backups: finishJournal(basePath, readJournal(basePath)!) };
}

/**
 * checkSources opens each old file on its own first: a file another process holds refuses the
 * reshard (StateLockedError, exit 75), an old schema is migrated, and a file must hold the
 * shard its name says.
 */
async function checkSources(sources: readonly SourceFile[], root: string): Promise<void> {
  for (const s of sources) {
    const store = await Store.open({ path: s.path, root, command: 'ebb reshard' });
    try {
      const held = await readStateShard(store);
      const shard = held ?? (s.count === 1 ? undefined : { index: -1, count: -1 });
      const expected = s.count === 1 ? undefined : { index: s.index, count: s.count };
      if (JSON.stringify(shard) !== JSON.stringify(expected))
        throw new ShardError(
          `${s.path} holds ${held ? `shard ${held.index}/${held.count}` : 'no shard'}, not what its name says: restore the right file, then reshard`,
        );
    } finally {
      store.close();
    }
  }
}

/**
 * copyAll copies every source into every target in one session, checks the counts, makes the
 * targets durable (CHECKPOINT), calls `complete` while every file is still attached, and only
 * then lets the files go.
 */
async function copyAll(
  sources: readonly SourceFile[],
  targets: readonly TargetFile[],
  root: string,
  models: ReadonlyMap<string, Model>,
  complete: (secret: string | undefined) => void,
): Promise<Omit<ReshardReport, 'backups'>> {
  const ws = await Store.open({ path: ':memory:', root });
  try {
    const src = sources.map((_s, i) => `ebb_src_${i}`);
    const dst = targets.map((_t, i) => `ebb_dst_${i}`);
    for (const [i, s] of sources.entries()) await attachState(ws, src[i]!, s.path);
    for (const [i, t] of targets.entries()) await attachState(ws, dst[i]!, t.tmp);
    const tracked = await trackedOf(ws, src, models);
    const to = targets.length;
    const secret = await chooseSecret(ws, src);
    for (const [j, d] of dst.entries()) {
      await ws.transaction(async () => {
        await copyStateMeta(ws, src, d, {
          secretFrom: secret.from,
          shard: to === 1 ? undefined : { index: j, count: to },
        });
        await copyTables(ws, src, d, tracked, (keys) =>
          to === 1 ? 'TRUE' : `coalesce(${shardOfSql(keys, to)}, 0) = ${j}`,
        );
        await copyAllFailures(ws, src, d, tracked, models, { index: j, count: to });
      });
    }
    const report = await checkCounts(ws, src, dst, tracked);
    const views = new Set<string>();
    for (const d of dst) for (const v of await copyViews(ws, src[0]!, d)) views.add(v);
    for (const d of dst) await ws.exec(`CHECKPOINT ${quoteIdent(d)}`);
    complete(secret.hex);
    for (const d of [...dst, ...src]) await ws.exec(`DETACH ${quoteIdent(d)}`);
    return { from: sources[0]!.count, to, ...report, rekeyed: secret.rekeyed, views: [...views] };
  } finally {
    ws.close();
  }
}

/**
 * chooseSecret picks the idempotency secret the new files hold. Shards of one folder share one
 * (shard-secret.ts), and then it is that one; shards that made their own (an earlier ebb, or a
 * volume each) cannot all keep theirs, since a new file mixes their rows: the secret of the most
 * failure entries is kept, so the fewest rows waiting to be re-sent change their key.
 */
async function chooseSecret(
  ws: Store,
  src: readonly string[],
): Promise<{ from: string; hex: string | undefined; rekeyed: number }> {
  const secrets = await secretsOf(ws, src);
  const failures: number[] = [];
  for (const s of src) failures.push(await failureCount(ws, s));
  const weight = new Map<string, number>();
  for (const [i, hex] of secrets.entries())
    if (hex !== undefined) weight.set(hex, (weight.get(hex) ?? 0) + failures[i]!);
  let best: string | undefined;
  for (const [hex, w] of weight) if (best === undefined || w > weight.get(best)!) best = hex;
  const from = best === undefined ? 0 : secrets.indexOf(best);
  const rekeyed = secrets.reduce(
    (n, hex, i) => n + (hex !== undefined && hex !== best ? failures[i]! : 0),
    0,
  );
  return { from: src[from]!, hex: best, rekeyed };
}

/** trackedOf lists the sources' tracked models; their hash versions must agree (else some rows would look changed). */
async function trackedOf(
  ws: Store,
  src: readonly string[],
  models: ReadonlyMap<string, Model>,
): Promise<TrackedSplit[]> {
  const byModel = new Map<string, TrackedMeta[]>();
  for (const s of src)
    for (const m of await trackedMetaOf(ws, s)) byModel.set(m.model, [...(byModel.get(m.model) ?? []), m]);
  const out: TrackedSplit[] = [];
  for (const [model, metas] of byModel) {
    if (new Set(metas.map((m) => m.hashVersion)).size > 1)
      throw new ShardError(
        `the shards of ${model} were last run by different ebb or DuckDB releases (hash versions ${[...new Set(metas.map((m) => m.hashVersion))].join(', ')}): run every shard once with this ebb, then reshard`,
      );
    const key = metas.find((m) => m.uniqueKey !== undefined)?.uniqueKey;
    const dot = model.indexOf('.');
    out.push({
      model,
      schema: model.slice(0, dot),
      table: model.slice(dot + 1),
      keys: key === undefined ? (models.get(model)?.uniqueKey ?? []) : (JSON.parse(key) as string[]),
    });
  }
  return out;
}

/**
 * copyAllFailures copies each source's failure entries into the target their key's shard
 * names. The key of an entry is JSON as the script saw it; each part is read back as a value
 * of the key column's type (as the model's table has it) before its canonical text is taken,
 * so an entry lands where its row does. An entry whose key cannot be read (a model no longer in
 * any table) goes to shard 0: kept, never dropped.
 */
async function copyAllFailures(
  ws: Store,
  src: readonly string[],
  dst: string,
  tracked: readonly TrackedSplit[],
  models: ReadonlyMap<string, Model>,
  shard: { index: number; count: number },
): Promise<void> {
  for (const s of src) {
    for (const model of await failureModelsOf(ws, s)) {
      const split = tracked.find((t) => t.model === model);
      const names = models.get(model)?.uniqueKey ?? split?.keys ?? [];
      const types = split ? await tableColumns(ws, src, split) : new Map<string, string>();
      let where: string;
      if (shard.count === 1) where = 'TRUE';
      else if (names.length === 0) where = shard.index === 0 ? 'TRUE' : 'FALSE';
      else {
        const parts = names.map((k) => {
          const text = `json_extract_string(key, ${sqlString(`$."${k.replaceAll('"', '\\"')}"`)})`;
          const type = types.get(k.toLowerCase());
          return type === undefined ? text : `TRY_CAST(${text} AS ${type})`;
        });
        where = `coalesce(${shardOfTextSql(partsTextSql(parts), shard.count)}, 0) = ${shard.index}`;
      }
      await copyFailures(ws, s, dst, model, where);
    }
  }
}

/** checkCounts makes sure every delivered row and every failure landed in exactly one target. */
async function checkCounts(
  ws: Store,
  src: readonly string[],
  dst: readonly string[],
  tracked: readonly TrackedSplit[],
): Promise<{ models: ReshardReport['models']; failures: number }> {
  const models: Array<{ model: string; rows: number[] }> = [];
  for (const t of tracked) {
    const count = async (c: string) => {
      const there = (await tablesOf(ws, c)).some((x) => x.schema === t.schema && x.table === t.table);
      return there
        ? Number(
            await ws.scalar(
              `SELECT count(*)::DOUBLE FROM ${quoteIdent(c)}.${quoteIdent(t.schema)}.${quoteIdent(t.table)}`,
            ),
          )
        : 0;
    };
    let before = 0;
    for (const c of src) before += await count(c);
    const rows: number[] = [];
    for (const c of dst) rows.push(await count(c));
    if (rows.reduce((a, b) => a + b, 0) !== before)
      throw new StateError(
        `reshard check failed: ${t.model} has ${before} delivered rows before and ${rows.reduce((a, b) => a + b, 0)} after; nothing was changed`,
      );
    models.push({ model: t.model, rows });
  }
  const sum = async (cs: readonly string[]) => {
    let n = 0;
    for (const c of cs) n += await failureCount(ws, c);
    return n;
  };
  const failures = await sum(src);
  if ((await sum(dst)) !== failures)
    throw new StateError(
      `reshard check failed: ${failures} failure entries before and ${await sum(dst)} after; nothing was changed`,
    );
  return { models, failures };
}
