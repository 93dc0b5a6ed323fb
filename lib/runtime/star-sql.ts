// The SQL a .star model runs, for the DAG: every literal string passed as the first argument
// of query(...). Only literals can be known before running; SQL built at run time is not a
// dependency (validate says so when it sees such a call).

import type { ModelSql } from '../dag/index.js';
import type { ProjectProblem } from '../errors.js';
import type { Model } from '../project/index.js';
import { checkFile, parseFile, ResolveErrors, ScanOrSyntaxError } from '../starlark/index.js';
import { MODEL_FILE_OPTIONS, MODEL_GLOBALS } from './protocol.js';

interface Node {
  readonly kind?: string;
  readonly [field: string]: unknown;
}

export interface StarSqlScan {
  readonly sql: ModelSql[];
  /** query() calls whose SQL is not a literal string (line numbers). */
  readonly dynamic: number[];
  /** Literal query() calls without delta=False: a tracked model's tracked query. */
  readonly tracked: TrackedCall[];
}

export interface TrackedCall {
  readonly sql: string;
  readonly line: number;
  /** Literal parameter values, or undefined when a parameter is only known at run time. */
  readonly params: ReadonlyArray<string | number | bigint | boolean | null> | undefined;
}

/** scanStarSql finds the literal SQL of query() calls; a syntax error throws ScanOrSyntaxError. */
export function scanStarSql(model: Model): StarSqlScan {
  const file = parseFile(model.file, model.source);
  const sql: ModelSql[] = [];
  const dynamic: number[] = [];
  const tracked: TrackedCall[] = [];
  walk(file as unknown as Node, (n) => {
    if (n.kind !== 'Call') return;
    const fn = n['fn'] as Node;
    if (fn.kind !== 'Ident' || fn['name'] !== 'query') return;
    const args = n['args'] as Node[];
    const first = args.find((a) => a['style'] === 'pos');
    const value = first?.['value'] as Node | undefined;
    if (value && value.kind === 'Literal' && value['tok'] === 'STRING') {
      const text = fromBytes(String(value['value']));
      sql.push({ sql: text, line: Number(value['line']) });
      const delta = args.find((a) => a['style'] === 'named' && a['name'] === 'delta');
      const untracked = delta && (delta['value'] as Node).kind === 'Ident' && (delta['value'] as Node)['name'] === 'False';
      if (!untracked) {
        const params = args.filter((a) => a['style'] === 'pos').slice(1).map((a) => literal(a['value'] as Node));
        tracked.push({
          sql: text,
          line: Number(value['line']),
          params: params.every((p) => p !== undefined) ? (params as Array<string | number | bigint | boolean | null>) : undefined,
        });
      }
    } else {
      dynamic.push(Number(n['line']));
    }
  });
  return { sql, dynamic, tracked };
}

/** starSqlSource is the DAG's SqlSource for .star models (parse errors: no SQL, reported elsewhere). */
export function starSqlOf(model: Model): ModelSql[] {
  if (model.language !== 'star') return [];
  try {
    return scanStarSql(model).sql;
  } catch (err) {
    if (err instanceof ScanOrSyntaxError) return [];
    throw err;
  }
}

/**
 * starProblems checks a .star model without running it: its syntax, and every name it uses
 * (an undefined name, a misspelt host function) — all problems, with their positions.
 */
export function starProblems(model: Model): ProjectProblem[] {
  if (model.language !== 'star') return [];
  try {
    checkFile(model.file, model.source, MODEL_GLOBALS, MODEL_FILE_OPTIONS);
    return [];
  } catch (err) {
    if (err instanceof ScanOrSyntaxError) return [{ file: model.file, line: err.pos.line, message: `${err.msg} (column ${err.pos.col})` }];
    if (err instanceof ResolveErrors) {
      return err.errors.map((e) => ({ file: model.file, line: e.pos.line, message: `${e.msg} (column ${e.pos.col})` }));
    }
    throw err;
  }
}

function literal(n: Node): string | number | bigint | boolean | null | undefined {
  if (n.kind === 'Literal') {
    const v = n['value'];
    if (n['tok'] === 'STRING') return fromBytes(String(v));
    if (n['tok'] === 'INT') return BigInt(v as number | bigint);
    if (n['tok'] === 'FLOAT') return v as number;
    return undefined;
  }
  if (n.kind === 'Ident') {
    if (n['name'] === 'True') return true;
    if (n['name'] === 'False') return false;
    if (n['name'] === 'None') return null;
  }
  if (n.kind === 'Unary' && n['op'] === '-') {
    const x = literal(n['x'] as Node);
    if (typeof x === 'number') return -x;
    if (typeof x === 'bigint') return -x;
  }
  return undefined;
}

function walk(node: unknown, visit: (n: Node) => void): void {
  if (Array.isArray(node)) {
    for (const x of node) walk(x, visit);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const n = node as Node;
  if (typeof n.kind === 'string') visit(n);
  for (const [k, v] of Object.entries(n)) {
    if (k === 'binding' || k === 'module' || k === 'fn' && n.kind !== 'Call') continue;
    if (v !== null && typeof v === 'object') walk(v, visit);
  }
}

/** Literal strings are stored as UTF-8 byte strings inside the interpreter. */
function fromBytes(s: string): string {
  return /[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}
