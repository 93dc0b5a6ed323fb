// Directives are `@name: value` lines in the comment block at the top of a model file
// (`-- @kind: table` in SQL, `# @kind: tracked` in Starlark).

import { PROBLEM_CODES, type ProjectProblem } from '../errors.js';
import { closest } from '../suggest.js';
import {
  LANGUAGE_FILES,
  MODEL_KINDS,
  type ModelKind,
  type ModelLanguage,
  type SenderSettings,
} from './model.js';

export interface Directives {
  readonly kind: ModelKind;
  readonly uniqueKey: readonly string[];
  readonly sender: SenderSettings;
  /** `@max_steps: N` of a .star model (absent: DEFAULT_MAX_STEPS of lib/starlark) */
  readonly maxSteps?: number;
  /**
   * `@shards: all` on a .star model that is not tracked: it runs in every shard of a sharded run
   * (ebb run --shard I/N), not only in shard 0 (docs/scale.md).
   */
  readonly shardsAll?: boolean;
}

interface RawDirective {
  readonly name: string;
  readonly value: string;
  readonly line: number;
}

const SENDER_DIRECTIVES = ['rate_limit', 'rate_limit_key', 'concurrency', 'retries', 'timeout'] as const;
const KNOWN = ['kind', 'unique_key', ...SENDER_DIRECTIVES, 'max_steps', 'shards'] as const;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DIRECTIVE = PROBLEM_CODES.directive;

function commentPrefix(language: ModelLanguage): string {
  return LANGUAGE_FILES[language].comment;
}

/**
 * parseDirectives reads the leading comment block of `source`. Problems are pushed to
 * `problems` (all of them, so a user sees every mistake at once) and defaults fill in.
 */
export function parseDirectives(
  file: string,
  language: ModelLanguage,
  source: string,
  problems: ProjectProblem[],
): Directives {
  const prefix = commentPrefix(language);
  const raw: RawDirective[] = [];
  const lines = source.split(/\r?\n/);
  let inHeader = true;
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    const lineNo = i + 1;
    if (trimmed === '') continue;
    if (!trimmed.startsWith(prefix)) {
      inHeader = false;
      continue;
    }
    const body = trimmed.slice(prefix.length).trim();
    if (!body.startsWith('@')) continue;
    const m = /^@([A-Za-z_][A-Za-z0-9_-]*)\s*(:?)\s*(.*)$/.exec(body);
    if (!inHeader) {
      if (m && m[2] === ':') {
        problems.push({
          code: DIRECTIVE,
          file,
          line: lineNo,
          message: `directive @${m[1]} comes after the model's code and would be ignored; move it to the comment block at the top of the file`,
        });
      }
      continue;
    }
    if (!m || m[2] !== ':') {
      problems.push({
        code: DIRECTIVE,
        file,
        line: lineNo,
        message: `malformed directive "${body}": write it as ${prefix} @name: value`,
      });
      continue;
    }
    const name = m[1]!;
    const value = m[3]!.trim();
    if (!(KNOWN as readonly string[]).includes(name)) {
      const guess = closest(name, KNOWN);
      problems.push({
        code: DIRECTIVE,
        file,
        line: lineNo,
        message: `unknown directive @${name}${guess ? `; did you mean @${guess}?` : ''} (known: ${KNOWN.map((k) => '@' + k).join(', ')})`,
      });
      continue;
    }
    const previous = raw.find((d) => d.name === name);
    if (previous) {
      problems.push({
        code: DIRECTIVE,
        file,
        line: lineNo,
        message: `directive @${name} is given twice (first on line ${previous.line})`,
      });
      continue;
    }
    raw.push({ name, value, line: lineNo });
  }
  return interpret(file, language, raw, problems);
}

function interpret(
  file: string,
  language: ModelLanguage,
  raw: readonly RawDirective[],
  problems: ProjectProblem[],
): Directives {
  const get = (name: string) => raw.find((d) => d.name === name);
  const kind = interpretKind(file, language, get('kind'), problems);
  const uniqueKey = interpretUniqueKey(file, language, kind, get, problems);
  const sender = interpretSender(file, language, get, problems);
  const maxSteps = interpretMaxSteps(file, language, get('max_steps'), problems);
  const shards = interpretShards(file, language, kind, get('shards'), problems);
  return {
    kind,
    uniqueKey,
    sender,
    ...(maxSteps === undefined ? {} : { maxSteps }),
    ...(shards ? { shardsAll: true } : {}),
  };
}

/** interpretKind reads @kind (table when absent or bad), refusing kinds the language has not. */
function interpretKind(
  file: string,
  language: ModelLanguage,
  kindD: RawDirective | undefined,
  problems: ProjectProblem[],
): ModelKind {
  if (!kindD) return 'table';
  if (!(MODEL_KINDS as readonly string[]).includes(kindD.value)) {
    problems.push({
      code: DIRECTIVE,
      file,
      line: kindD.line,
      message: `bad value "${kindD.value}" for @kind: use one of ${MODEL_KINDS.join(', ')}`,
    });
    return 'table';
  }
  const kind = kindD.value as ModelKind;
  if (kind === 'view' && language === 'star') {
    problems.push({
      code: DIRECTIVE,
      file,
      line: kindD.line,
      message: '@kind: view is for SQL models; a .star model can be table, append, merge or tracked',
    });
  }
  if (kind === 'tracked' && language === 'sql') {
    problems.push({
      code: DIRECTIVE,
      file,
      line: kindD.line,
      message: '@kind: tracked is for .star models (they send rows); use merge for an SQL model with a key',
    });
  }
  return kind;
}

/** interpretUniqueKey reads @unique_key: required by merge and tracked, refused by the other kinds. */
function interpretUniqueKey(
  file: string,
  language: ModelLanguage,
  kind: ModelKind,
  get: (name: string) => RawDirective | undefined,
  problems: ProjectProblem[],
): string[] {
  const keyD = get('unique_key');
  if (!keyD) {
    if (kind === 'merge' || kind === 'tracked') {
      problems.push({
        code: DIRECTIVE,
        file,
        line: get('kind')?.line ?? 1,
        message: `@kind: ${kind} needs @unique_key (the column or columns that identify a row), e.g. ${commentPrefix(language)} @unique_key: id`,
      });
    }
    return [];
  }
  let uniqueKey: string[] = [];
  const parts = keyD.value.split(',').map((s) => s.trim());
  const bad = parts.filter((p) => !IDENT.test(p));
  if (parts.length === 0 || bad.length > 0) {
    problems.push({
      code: DIRECTIVE,
      file,
      line: keyD.line,
      message: `bad value "${keyD.value}" for @unique_key: give column names separated by commas, e.g. @unique_key: id or @unique_key: account_id, day`,
    });
  } else if (new Set(parts).size !== parts.length) {
    problems.push({
      code: DIRECTIVE,
      file,
      line: keyD.line,
      message: `@unique_key lists a column twice: "${keyD.value}"`,
    });
  } else {
    uniqueKey = parts;
  }
  if (kind !== 'merge' && kind !== 'tracked') {
    problems.push({
      code: DIRECTIVE,
      file,
      line: keyD.line,
      message: `@unique_key only applies to kinds merge and tracked, not ${kind}`,
    });
  }
  return uniqueKey;
}

/** interpretMaxSteps reads @max_steps, a .star model's step budget: undefined when absent or bad. */
function interpretMaxSteps(
  file: string,
  language: ModelLanguage,
  stepsD: RawDirective | undefined,
  problems: ProjectProblem[],
): number | undefined {
  if (!stepsD) return undefined;
  // A step is a loop iteration or a call; the budget stops a runaway script (while True).
  const n = /^\d[\d_]*$/.test(stepsD.value) ? Number(stepsD.value.replaceAll('_', '')) : NaN;
  if (language === 'sql')
    problems.push({
      code: DIRECTIVE,
      file,
      line: stepsD.line,
      message: "@max_steps limits a .star model's loops and calls; it does not apply to SQL models",
    });
  else if (!Number.isSafeInteger(n) || n < 1) {
    problems.push({
      code: DIRECTIVE,
      file,
      line: stepsD.line,
      message: `bad value "${stepsD.value}" for @max_steps: give a whole number of steps (loop iterations and calls), e.g. @max_steps: 5_000_000_000`,
    });
  } else return n;
  return undefined;
}

/**
 * interpretShards reads `@shards: all`: in a sharded run a .star model that is not tracked runs
 * in shard 0 only (it may send or fetch, and no request is sent twice because of sharding),
 * unless it says it runs in every shard. Tracked models are split by key, SQL models run in
 * every shard: the directive means nothing for them and is refused.
 */
function interpretShards(
  file: string,
  language: ModelLanguage,
  kind: ModelKind,
  d: RawDirective | undefined,
  problems: ProjectProblem[],
): boolean {
  if (d === undefined) return false;
  const problem = (message: string) => problems.push({ code: DIRECTIVE, file, line: d.line, message });
  if (language === 'sql') problem('@shards applies to .star models; SQL models run in every shard already');
  else if (kind === 'tracked')
    problem('@shards does not apply to a tracked model: each shard runs it for its own keys');
  else if (d.value !== 'all')
    problem(
      `bad value "${d.value}" for @shards: the one value is all (run in every shard; without it, shard 0 only)`,
    );
  else return true;
  return false;
}

function interpretSender(
  file: string,
  language: ModelLanguage,
  get: (name: string) => RawDirective | undefined,
  problems: ProjectProblem[],
): SenderSettings {
  const out: { -readonly [K in keyof SenderSettings]: SenderSettings[K] } = {};
  for (const name of SENDER_DIRECTIVES) {
    const d = get(name);
    if (!d) continue;
    if (language === 'sql') {
      problems.push({
        code: DIRECTIVE,
        file,
        line: d.line,
        message: `@${name} configures HTTP sending and only applies to .star models`,
      });
      continue;
    }
    const bad = (hint: string) =>
      problems.push({
        code: DIRECTIVE,
        file,
        line: d.line,
        message: `bad value "${d.value}" for @${name}: ${hint}`,
      });
    switch (name) {
      case 'rate_limit': {
        const m = /^(\d+)\s*\/\s*(\d*)\s*(ms|s|m|h)?$/.exec(d.value);
        const requests = m ? Number(m[1]) : NaN;
        const unit = m?.[3] ?? 's';
        const count = m && m[2] !== '' ? Number(m[2]) : 1;
        if (!m || m[3] === undefined || requests <= 0 || count <= 0) {
          bad('write requests per period, e.g. 100/10s, 5/s or 600/m');
        } else {
          out.rateLimit = { requests, perMs: count * UNIT_MS[unit]! };
        }
        break;
      }
      case 'rate_limit_key': {
        if (!/^[A-Za-z0-9_.:/-]{1,100}$/.test(d.value))
          bad('give a name of letters, digits and _ . : / -, e.g. hubspot-portal-123');
        else if (get('rate_limit') === undefined)
          bad('@rate_limit_key names the budget of a @rate_limit; add @rate_limit: N/PERIOD');
        else out.rateLimitKey = d.value;
        break;
      }
      case 'concurrency':
      case 'retries': {
        const n = /^\d+$/.test(d.value) ? Number(d.value) : NaN;
        const min = name === 'concurrency' ? 1 : 0;
        if (!Number.isSafeInteger(n) || n < min || n > 1000) bad(`give a whole number from ${min} to 1000`);
        else if (name === 'concurrency') out.concurrency = n;
        else out.retries = n;
        break;
      }
      case 'timeout': {
        const ms = parseDuration(d.value);
        if (ms === undefined || ms <= 0) bad('give a duration such as 30s, 500ms or 2m');
        else out.timeoutMs = ms;
        break;
      }
    }
  }
  return out;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** parseDuration reads `500ms`, `30s`, `2m`, `1h` (or a bare number of seconds) as milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']!);
}
