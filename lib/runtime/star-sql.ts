// The SQL a .star model runs, for the DAG: every literal string passed as the first argument
// of query(...). Only literals can be known before running; SQL built at run time is not a
// dependency (validate says so when it sees such a call).

import type { ModelSql } from '../dag/index.js';
import type { ProjectProblem } from '../errors.js';
import type { Model } from '../project/index.js';
import { ScanOrSyntaxError } from '../starlark/index.js';
import { parseFile } from '../starlark/syntax/parser.js';

interface Node {
  readonly kind?: string;
  readonly [field: string]: unknown;
}

export interface StarSqlScan {
  readonly sql: ModelSql[];
  /** query() calls whose SQL is not a literal string (line numbers). */
  readonly dynamic: number[];
}

/** scanStarSql finds the literal SQL of query() calls; a syntax error throws ScanOrSyntaxError. */
export function scanStarSql(model: Model): StarSqlScan {
  const file = parseFile(model.file, model.source);
  const sql: ModelSql[] = [];
  const dynamic: number[] = [];
  walk(file as unknown as Node, (n) => {
    if (n.kind !== 'Call') return;
    const fn = n['fn'] as Node;
    if (fn.kind !== 'Ident' || fn['name'] !== 'query') return;
    const args = n['args'] as Node[];
    const first = args.find((a) => a['style'] === 'pos');
    const value = first?.['value'] as Node | undefined;
    if (value && value.kind === 'Literal' && value['tok'] === 'STRING') {
      sql.push({ sql: fromBytes(String(value['value'])), line: Number(value['line']) });
    } else {
      dynamic.push(Number(n['line']));
    }
  });
  return { sql, dynamic };
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

/** starProblems reports a .star model's syntax error with its position. */
export function starProblems(model: Model): ProjectProblem[] {
  if (model.language !== 'star') return [];
  try {
    scanStarSql(model);
    return [];
  } catch (err) {
    if (err instanceof ScanOrSyntaxError) return [{ file: model.file, line: err.pos.line, message: `${err.msg} (column ${err.pos.col})` }];
    throw err;
  }
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
