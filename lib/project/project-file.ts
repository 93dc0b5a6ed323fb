// The project file: an optional ebb.yaml at the project root for what is not a model —
// DuckDB settings, extensions, databases attached read-only as sources, DuckDB secrets, the
// coordinator's URL (./coordinator-key.ts), and for `ebb serve` the schedules and the alerts.
// It is read with the `yaml` library (positions kept through its LineCounter), validated as a
// whole so that every mistake is reported at once with its line and a "did you mean", and
// returned as plain data: values keep their `${VAR}` references, which are expanded only when
// the state opens (./project-setup.ts), so that nothing secret is held in the Project value.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import { PROBLEM_CODES, type ProjectProblem } from '../errors.js';
import { Cron } from 'croner';
import { closest } from '../suggest.js';
import { readCoordinator, type CoordinatorKey } from './coordinator-key.js';
import { parseDuration } from './directives.js';
import { Reader, type ScalarValue } from './project-reader.js';

export type { ScalarValue };

/** The file's name at the project root; `ebb.yml` is refused with a hint, so there is one spelling. */
export const PROJECT_FILE = 'ebb.yaml';

/** One `name: value` of the `duckdb:` section, applied with SET when the state opens. */
export interface DuckDBSetting {
  readonly name: string;
  readonly value: ScalarValue;
  readonly line: number;
}

/** An extension to load: by name (DuckDB installs it from its repository) or from a local file. */
export type Extension =
  | { readonly name: string; readonly line: number }
  | { readonly path: string; readonly line: number };

export const SOURCE_TYPES = ['duckdb', 'sqlite', 'postgres', 'mysql'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** A database attached read-only; models read it as `name.schema.table`. */
export interface Source {
  readonly name: string;
  readonly type: SourceType;
  /** A file path (duckdb, sqlite: relative to the root) or a connection string (postgres, mysql). */
  readonly target: string;
  readonly line: number;
}

/** A DuckDB secret (CREATE SECRET) for S3, GCS, HTTP…: its type and options, values unexpanded. */
export interface DuckDBSecret {
  readonly name: string;
  readonly type: string;
  readonly options: readonly { readonly name: string; readonly value: ScalarValue }[];
  readonly line: number;
}

/** A selection of models run on a schedule by `ebb serve`: every fixed interval, or a cron expression. */
export interface Schedule {
  /** Model selectors, as `ebb run` takes them. */
  readonly select: readonly string[];
  readonly every?: { readonly ms: number; readonly text: string };
  /** A cron expression (5 fields, or 6 with seconds first). */
  readonly cron?: string;
  readonly line: number;
}

/** Where `ebb serve` sends alerts; values keep their `${VAR}`s (a webhook URL is a secret). */
export interface Alerts {
  readonly webhook?: string;
  readonly slack?: string;
  /** A scheduled model that has not succeeded for this long is alerted on. */
  readonly staleAfterMs?: number;
  /** A link put in each message. */
  readonly dashboardUrl?: string;
  readonly line: number;
}

/** The request log's bounds (`requests:`): days an entry is kept. */
export interface RequestLogSettings {
  readonly keepDays?: number;
}

export interface ProjectFile {
  /** The file's path relative to the root (as errors name it). */
  readonly file: string;
  /** The project's name (`name:`): what a coordinator knows it by, instead of its folder's name. */
  readonly name?: string;
  readonly duckdb: readonly DuckDBSetting[];
  readonly extensions: readonly Extension[];
  readonly sources: readonly Source[];
  readonly secrets: readonly DuckDBSecret[];
  readonly schedules: readonly Schedule[];
  readonly alerts?: Alerts;
  readonly requests?: RequestLogSettings;
  /** `coordinator:`: the PostgreSQL URL processes share limits and locks through (EBB_COORDINATOR wins). */
  readonly coordinator?: CoordinatorKey;
}

const SECTIONS = [
  'name',
  'duckdb',
  'extensions',
  'sources',
  'secrets',
  'schedules',
  'alerts',
  'requests',
  'coordinator',
] as const;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names DuckDB gives its own catalogs: a source under one of these could not be told apart. */
const RESERVED_SOURCES = new Set(['main', 'memory', 'system', 'temp']);

/**
 * readProjectFile reads <root>/ebb.yaml: undefined when there is none; its problems are added to
 * `problems` (and the sections that have none are still returned).
 */
export function readProjectFile(root: string, problems: ProjectProblem[]): ProjectFile | undefined {
  const other = join(root, 'ebb.yml');
  if (existsSync(other)) {
    problems.push({
      code: PROBLEM_CODES.projectFile,
      file: 'ebb.yml',
      message: `the project file is named ${PROJECT_FILE}; rename ebb.yml to ${PROJECT_FILE}`,
    });
  }
  const path = join(root, PROJECT_FILE);
  if (!existsSync(path)) return undefined;
  return parseProjectFile(PROJECT_FILE, readFileSync(path, 'utf8'), problems);
}

/** parseProjectFile validates the text of a project file named `file`. */
export function parseProjectFile(file: string, text: string, problems: ProjectProblem[]): ProjectFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const r = new Reader(file, lines);
  for (const e of doc.errors) {
    const at = e.linePos?.[0]?.line ?? 1;
    r.problems.push({
      code: PROBLEM_CODES.projectFile,
      file,
      line: at,
      message: `not valid YAML: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
    });
  }
  const out: {
    duckdb: DuckDBSetting[];
    extensions: Extension[];
    sources: Source[];
    secrets: DuckDBSecret[];
    schedules: Schedule[];
    alerts?: Alerts;
    requests?: RequestLogSettings;
    name?: string;
    coordinator?: CoordinatorKey;
  } = { duckdb: [], extensions: [], sources: [], secrets: [], schedules: [] };
  if (doc.errors.length === 0 && doc.contents !== null) {
    for (const { key, value, pair } of r.entries(doc.contents, file)) {
      if (key === 'name') {
        const name = readName(r, value);
        if (name !== undefined) out.name = name;
      } else if (key === 'duckdb') out.duckdb = readSettings(r, value);
      else if (key === 'extensions') out.extensions = readExtensions(r, value);
      else if (key === 'sources') out.sources = readSources(r, value);
      else if (key === 'secrets') out.secrets = readSecrets(r, value);
      else if (key === 'schedules') out.schedules = readSchedules(r, value);
      else if (key === 'alerts') {
        const alerts = readAlerts(r, value, pair);
        if (alerts) out.alerts = alerts;
      } else if (key === 'requests') out.requests = readRequests(r, value);
      else if (key === 'coordinator') {
        const coordinator = readCoordinator(r, value, pair);
        if (coordinator) out.coordinator = coordinator;
      } else r.unknownKey(pair, key, SECTIONS, file);
    }
  }
  problems.push(...r.problems);
  return { file, ...out };
}

/** A project name: it keys the project's locks and budgets in a coordinator, whose keys use `/`. */
const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function readName(r: Reader, node: unknown): string | undefined {
  const name = r.string(node, 'name');
  if (name === undefined) return undefined;
  if (PROJECT_NAME.test(name)) return name;
  r.problem(
    node as Node,
    `name "${name}" must be letters, digits, ".", "_" and "-" (starting with a letter or digit)`,
  );
  return undefined;
}

function readSettings(r: Reader, node: unknown): DuckDBSetting[] {
  const out: DuckDBSetting[] = [];
  for (const { key, value, pair } of r.entries(node, 'duckdb')) {
    if (!IDENT.test(key)) {
      r.problem(pair, `duckdb: "${key}" is not a setting name (see SELECT name FROM duckdb_settings())`);
      continue;
    }
    const v = r.scalar(value, `duckdb.${key}`);
    if (v !== undefined) out.push({ name: key.toLowerCase(), value: v, line: r.line(pair) });
  }
  return out;
}

function readExtensions(r: Reader, node: unknown): Extension[] {
  if (!isSeq(node)) {
    r.problem(node as Node, 'extensions must be a list: a name (e.g. "- spatial") or "- path: FILE"');
    return [];
  }
  const out: Extension[] = [];
  for (const item of node.items) {
    const line = r.line(item as Node);
    if (isScalar(item) && typeof item.value === 'string' && IDENT.test(item.value)) {
      out.push({ name: item.value, line });
      continue;
    }
    if (isMap(item)) {
      const entries = r.entries(item, 'an extension');
      const bad = entries.find((e) => e.key !== 'path');
      if (bad) r.unknownKey(bad.pair, bad.key, ['path'], 'an extension');
      const path = entries.find((e) => e.key === 'path');
      const value = path ? r.string(path.value, 'extensions: path') : undefined;
      if (value !== undefined && !bad) out.push({ path: value, line });
      else if (!path && !bad) r.problem(item as Node, 'an extension is a name or "path: FILE"');
      continue;
    }
    r.problem(item as Node, 'an extension is a name (letters, digits, _) or "path: FILE"');
  }
  return out;
}

/** The key that holds each source type's target: a file for the embedded ones, a URL otherwise. */
const TARGET_KEY: Record<SourceType, 'path' | 'url'> = {
  duckdb: 'path',
  sqlite: 'path',
  postgres: 'url',
  mysql: 'url',
};

function readSources(r: Reader, node: unknown): Source[] {
  const out: Source[] = [];
  for (const { key: name, value, pair } of r.entries(node, 'sources')) {
    if (!IDENT.test(name) || RESERVED_SOURCES.has(name.toLowerCase())) {
      r.problem(
        pair,
        `sources: "${name}" cannot name a source (letters, digits and _, not main/memory/system/temp)`,
      );
      continue;
    }
    const fields = new Map(r.entries(value, `sources.${name}`).map((e) => [e.key, e]));
    const typeEntry = fields.get('type');
    const type = typeEntry ? r.string(typeEntry.value, `sources.${name}.type`) : undefined;
    if (!typeEntry) {
      r.problem(pair, `sources.${name} needs a type (${SOURCE_TYPES.join(', ')})`);
      continue;
    }
    if (type === undefined) continue;
    if (!(SOURCE_TYPES as readonly string[]).includes(type)) {
      const guess = closest(type, SOURCE_TYPES);
      r.problem(
        typeEntry.pair,
        `sources.${name}.type "${type}" is not one of ${SOURCE_TYPES.join(', ')}${guess ? `; did you mean "${guess}"?` : ''}`,
      );
      continue;
    }
    const want = TARGET_KEY[type as SourceType];
    for (const [k, e] of fields)
      if (k !== 'type' && k !== want) r.unknownKey(e.pair, k, ['type', want], `sources.${name}`);
    const targetEntry = fields.get(want);
    if (!targetEntry) {
      r.problem(
        pair,
        `sources.${name} (type ${type}) needs ${want}: ${want === 'path' ? 'a file path' : 'a connection string'}`,
      );
      continue;
    }
    const target = r.string(targetEntry.value, `sources.${name}.${want}`);
    if (target !== undefined) out.push({ name, type: type as SourceType, target, line: r.line(pair) });
  }
  return out;
}

function readSecrets(r: Reader, node: unknown): DuckDBSecret[] {
  const out: DuckDBSecret[] = [];
  for (const { key: name, value, pair } of r.entries(node, 'secrets')) {
    if (!IDENT.test(name)) {
      r.problem(pair, `secrets: "${name}" cannot name a secret (letters, digits and _)`);
      continue;
    }
    let type: string | undefined;
    const options: Array<{ name: string; value: ScalarValue }> = [];
    for (const e of r.entries(value, `secrets.${name}`)) {
      if (!IDENT.test(e.key)) {
        r.problem(e.pair, `secrets.${name}: "${e.key}" is not an option name`);
        continue;
      }
      if (e.key === 'type') type = r.string(e.value, `secrets.${name}.type`);
      else {
        const v = r.scalar(e.value, `secrets.${name}.${e.key}`);
        if (v !== undefined) options.push({ name: e.key, value: v });
      }
    }
    if (type === undefined) r.problem(pair, `secrets.${name} needs a type (s3, gcs, r2, azure, http…)`);
    else out.push({ name, type, options, line: r.line(pair) });
  }
  return out;
}

function readSchedules(r: Reader, node: unknown): Schedule[] {
  if (!isSeq(node)) {
    r.problem(
      node as Node,
      'schedules must be a list, e.g. "- select: sync.*" with "every: 15m" or "cron: \'0 * * * *\'"',
    );
    return [];
  }
  const out: Schedule[] = [];
  for (const item of node.items) {
    const fields = new Map(r.entries(item, 'a schedule').map((e) => [e.key, e]));
    const line = r.line(item as Node);
    for (const [k, e] of fields)
      if (!['select', 'every', 'cron'].includes(k))
        r.unknownKey(e.pair, k, ['select', 'every', 'cron'], 'a schedule');
    const sel = fields.get('select');
    const select = sel ? selectors(r, sel.value) : undefined;
    if (!sel)
      r.problem(item as Node, 'a schedule needs select: the models to run (e.g. sync.* or "raw.* mart.*")');
    const every = fields.get('every');
    const cron = fields.get('cron');
    if ((every === undefined) === (cron === undefined)) {
      r.problem(
        item as Node,
        'a schedule needs exactly one of every: (e.g. 15m) or cron: (e.g. "*/15 * * * *")',
      );
      continue;
    }
    if (select === undefined) continue;
    if (every) {
      const text = r.string(every.value, 'every');
      const ms = text === undefined ? undefined : parseDuration(text);
      if (text !== undefined && (ms === undefined || ms < 1000))
        r.problem(every.pair, `every: "${text}" is not a duration of at least 1s (write 30s, 15m, 2h)`);
      else if (text !== undefined && ms !== undefined) out.push({ select, every: { ms, text }, line });
    } else if (cron) {
      const text = r.string(cron.value, 'cron');
      if (text === undefined) continue;
      try {
        new Cron(text, { paused: true }).stop();
        out.push({ select, cron: text, line });
      } catch (err) {
        r.problem(
          cron.pair,
          `cron: "${text}" is not a cron expression: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  }
  return out;
}

function selectors(r: Reader, node: unknown): string[] | undefined {
  if (isSeq(node)) {
    const all = node.items.map((i) => r.string(i, 'select'));
    return all.every((x) => x !== undefined) ? (all as string[]) : undefined;
  }
  const text = r.string(node, 'select');
  return text?.split(/\s+/).filter((x) => x !== '');
}

const ALERT_KEYS = ['webhook', 'slack', 'stale_after', 'dashboard_url'];

function readAlerts(r: Reader, node: unknown, at: Pair): Alerts | undefined {
  const out: {
    webhook?: string;
    slack?: string;
    staleAfterMs?: number;
    dashboardUrl?: string;
    line: number;
  } = {
    line: r.line(at),
  };
  for (const { key, value, pair } of r.entries(node, 'alerts')) {
    if (key === 'webhook' || key === 'slack' || key === 'dashboard_url') {
      const v = r.string(value, `alerts.${key}`);
      if (v === undefined) continue;
      if (key === 'dashboard_url') out.dashboardUrl = v;
      else out[key] = v;
    } else if (key === 'stale_after') {
      const text = r.string(value, 'alerts.stale_after');
      const ms = text === undefined ? undefined : parseDuration(text);
      if (text !== undefined && ms === undefined)
        r.problem(pair, `alerts.stale_after: "${text}" is not a duration (write 30m, 2h)`);
      else if (ms !== undefined) out.staleAfterMs = ms;
    } else r.unknownKey(pair, key, ALERT_KEYS, 'alerts');
  }
  return out;
}

/** readRequests reads `requests: {keep_days: N}`, a whole number of days ≥ 1. */
function readRequests(r: Reader, node: unknown): RequestLogSettings {
  const out: { keepDays?: number } = {};
  for (const { key, value, pair } of r.entries(node, 'requests')) {
    if (key !== 'keep_days') {
      r.unknownKey(pair, key, ['keep_days'], 'requests');
      continue;
    }
    const v = r.scalar(value, 'requests.keep_days');
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1) out.keepDays = v;
    else if (v !== undefined)
      r.problem(pair, `requests.keep_days: ${JSON.stringify(v)} is not a whole number of days ≥ 1`);
  }
  return out;
}
