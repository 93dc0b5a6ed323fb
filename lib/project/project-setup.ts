// projectSetup turns a project file into the statements DuckDB runs when the state opens:
// settings (SET), extensions (LOAD), secrets (CREATE TEMPORARY SECRET) and sources (ATTACH …
// READ_ONLY), in that order, since a source may need an extension and a secret. `${VAR}`
// references are expanded here from the environment and the project's .env; every expanded
// value is treated as a secret (kept out of errors; the run's redactor learns them through
// `secrets`). Environment variables win over the file: EBB_MEMORY_LIMIT for memory_limit, and
// EBB_DUCKDB_<SETTING> (e.g. EBB_DUCKDB_THREADS=2) for any setting. The values `ebb serve` needs
// (alerts) and the coordinator's URL are expanded here too, their missing variables kept apart:
// only the commands that use them stop on them.

import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'dotenv';
import { sqlLiteral, sqlString, quoteIdent, type SetupStep } from '../store/index.js';
import { coordinatorUrlProblem } from './coordinator-key.js';
import type { DuckDBSecret, Extension, ProjectFile, ScalarValue, Source } from './project-file.js';

export interface ProjectSetup {
  readonly steps: readonly SetupStep[];
  /** The values of every `${VAR}` the file uses: redact them like env.get secrets. */
  readonly secrets: readonly string[];
  /** `${VAR}` references set nowhere, with their line (ebb validate reports them). */
  readonly missing: readonly { readonly name: string; readonly line: number }[];
  /** `${VAR}`s of the alerts set nowhere: only `ebb serve` (and validate) needs them. */
  readonly missingForServe: readonly { readonly name: string; readonly line: number }[];
  /** Where `ebb serve` sends alerts, `${VAR}`s expanded. */
  readonly alerts?: {
    readonly webhook?: string;
    readonly slack?: string;
    readonly staleAfterMs?: number;
    readonly dashboardUrl?: string;
  };
  /** `coordinator:`, expanded; the commands that share through it read it (lib/commands/coordinator.ts). */
  readonly coordinator?: ExpandedCoordinator;
}

/** The project file's coordinator URL once its `${VAR}`s are read. */
export interface ExpandedCoordinator {
  readonly url: string;
  readonly line: number;
  /** Its `${VAR}`s set nowhere: the commands that connect stop on them (validate lists them). */
  readonly missing: readonly { readonly name: string; readonly line: number }[];
  /** Why the expanded URL is no PostgreSQL URL (a reference gave a bad scheme), without the URL. */
  readonly problem?: string;
}

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** projectEnv is the environment the file's `${VAR}`s read: the process's, overlaid with .env. */
export function projectEnv(root: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  const dot = join(root, '.env');
  if (existsSync(dot)) Object.assign(out, parse(readFileSync(dot)));
  return out;
}

/** Expander replaces `${VAR}` in values, collecting the values used and the names missing. */
class Expander {
  readonly secrets = new Set<string>();
  readonly missing: Array<{ name: string; line: number }> = [];
  readonly #env: Record<string, string>;

  constructor(env: Record<string, string>) {
    this.#env = env;
  }

  /** expand returns `text` with its references replaced, and the values it used. */
  expand(text: string, line: number): { text: string; used: string[] } {
    const used: string[] = [];
    const out = text.replace(REF, (_m, name: string) => {
      const value = this.#env[name];
      if (value === undefined) {
        if (!this.missing.some((m) => m.name === name)) this.missing.push({ name, line });
        return '';
      }
      used.push(value);
      this.secrets.add(value);
      return value;
    });
    return { text: out, used };
  }

  value(v: ScalarValue, line: number): { sql: string; used: string[] } {
    if (typeof v !== 'string') return { sql: sqlLiteral(v), used: [] };
    const { text, used } = this.expand(v, line);
    return { sql: sqlString(text), used };
  }
}

/** projectSetup builds the statements for `file`, reading `${VAR}`s from `env`. */
export function projectSetup(root: string, file: ProjectFile, env: Record<string, string>): ProjectSetup {
  const x = new Expander(env);
  const steps: SetupStep[] = [
    ...settingSteps(file, x, env),
    ...file.extensions.map((e) => extensionStep(root, file.file, e)),
    ...file.secrets.map((s) => secretStep(file.file, s, x)),
    ...file.sources.map((s) => sourceStep(root, file.file, s, x)),
  ];
  const a = new Expander(env);
  const alerts = file.alerts && {
    ...(file.alerts.webhook === undefined
      ? {}
      : { webhook: a.expand(file.alerts.webhook, file.alerts.line).text }),
    ...(file.alerts.slack === undefined ? {} : { slack: a.expand(file.alerts.slack, file.alerts.line).text }),
    ...(file.alerts.staleAfterMs === undefined ? {} : { staleAfterMs: file.alerts.staleAfterMs }),
    ...(file.alerts.dashboardUrl === undefined ? {} : { dashboardUrl: file.alerts.dashboardUrl }),
  };
  const c = new Expander(env);
  const coordinator = file.coordinator && expandCoordinator(file.coordinator, c);
  return {
    steps,
    secrets: [...x.secrets, ...a.secrets, ...c.secrets],
    missing: x.missing,
    missingForServe: a.missing,
    ...(alerts ? { alerts } : {}),
    ...(coordinator ? { coordinator } : {}),
  };
}

function expandCoordinator(key: { url: string; line: number }, c: Expander): ExpandedCoordinator {
  const { text } = c.expand(key.url, key.line);
  const problem = c.missing.length > 0 ? undefined : coordinatorUrlProblem(text);
  return { url: text, line: key.line, missing: c.missing, ...(problem === undefined ? {} : { problem }) };
}

function settingSteps(file: ProjectFile, x: Expander, env: Record<string, string>): SetupStep[] {
  return file.duckdb.flatMap((s) => {
    const override =
      env[`EBB_DUCKDB_${s.name.toUpperCase()}`] ??
      (s.name === 'memory_limit' ? env['EBB_MEMORY_LIMIT'] : undefined);
    if (override !== undefined && override !== '') return [];
    const { sql, used } = x.value(s.value, s.line);
    return [
      {
        sql: `SET ${quoteIdent(s.name)} = ${sql}`,
        file: file.file,
        line: s.line,
        what: `duckdb.${s.name}`,
        hint: 'fix the setting (SELECT name, description FROM duckdb_settings() lists them)',
        secrets: used,
      },
    ];
  });
}

function extensionStep(root: string, fileName: string, e: Extension): SetupStep {
  if ('path' in e) {
    const path = isAbsolute(e.path) ? e.path : resolve(root, e.path);
    return {
      sql: `LOAD ${sqlString(path)}`,
      file: fileName,
      line: e.line,
      what: `extension ${e.path}`,
      hint: 'the file must be a DuckDB extension built for this DuckDB version and platform (PRAGMA version)',
      secrets: [],
    };
  }
  return {
    sql: `LOAD ${quoteIdent(e.name)}`,
    file: fileName,
    line: e.line,
    what: `extension ${e.name}`,
    hint:
      'DuckDB installs an extension from its repository on first use; on a machine without internet, ' +
      `download ${e.name}.duckdb_extension for this DuckDB version elsewhere and list it as "- path: FILE"`,
    secrets: [],
  };
}

function secretStep(fileName: string, s: DuckDBSecret, x: Expander): SetupStep {
  const used: string[] = [];
  const parts = [`TYPE ${quoteIdent(s.type)}`];
  for (const o of s.options) {
    const v = x.value(o.value, s.line);
    used.push(...v.used);
    parts.push(`${o.name.toUpperCase()} ${v.sql}`);
  }
  return {
    // Temporary: the secret lives as long as the process, never written to disk by DuckDB.
    sql: `CREATE OR REPLACE TEMPORARY SECRET ${quoteIdent(s.name)} (${parts.join(', ')})`,
    file: fileName,
    line: s.line,
    what: `secrets.${s.name}`,
    hint: `check the secret's type and options (DuckDB's CREATE SECRET; a type such as s3 needs its extension, e.g. httpfs)`,
    secrets: used,
  };
}

function sourceStep(root: string, fileName: string, s: Source, x: Expander): SetupStep {
  const { text, used } = x.expand(s.target, s.line);
  const target =
    s.type === 'duckdb' || s.type === 'sqlite' ? (isAbsolute(text) ? text : resolve(root, text)) : text;
  const options = s.type === 'duckdb' ? 'READ_ONLY' : `TYPE ${s.type}, READ_ONLY`;
  return {
    sql: `ATTACH ${sqlString(target)} AS ${quoteIdent(s.name)} (${options})`,
    file: fileName,
    line: s.line,
    what: `sources.${s.name}`,
    hint:
      s.type === 'duckdb' || s.type === 'sqlite'
        ? `the file must exist and be a ${s.type} database (paths are relative to the project root)`
        : `check the connection string and that the server is reachable (the ${s.type} extension is installed on first use)`,
    secrets: used,
  };
}
