// What ebb knows about a .star model without running it: its syntax and names (checked by
// the interpreter's resolver) and the SQL it runs — every literal string passed as the first
// argument of query(...). Only literals can be known before running; SQL built at run time
// is not a dependency. A model is analysed once per process (a run, a plan, a validate):
// the DAG, the checks, the plan and the runner's early delta all read the same analysis.

import type { ModelSql } from '../dag/index.js';
import { PROBLEM_CODES, type ProjectProblem } from '../errors.js';
import type { Model } from '../project/index.js';
import { checkFile, parseFile, ResolveErrors, ScanOrSyntaxError, type ast } from '../starlark/index.js';
import { MODEL_FILE_OPTIONS, MODEL_GLOBALS } from './protocol.js';

export interface StarSqlScan {
  readonly sql: ModelSql[];
  /** query() calls whose SQL is not a literal string (line numbers). */
  readonly dynamic: number[];
  /** Literal query() calls without delta=False: a tracked model's tracked query. */
  readonly tracked: TrackedCall[];
  /**
   * True when the file's top level is only loops over query(<literals>) and deleted() (and
   * docstrings): with an empty delta such a script does nothing at all, so it need not run.
   */
  readonly deltaOnly: boolean;
}

export interface TrackedCall {
  readonly sql: string;
  readonly line: number;
  /** Literal parameter values, or undefined when a parameter is only known at run time. */
  readonly params: ReadonlyArray<string | number | bigint | boolean | null> | undefined;
}

/** StarAnalysis is everything known about a .star model before it runs. */
export interface StarAnalysis {
  /** The query() calls, or undefined when the file does not parse. */
  readonly scan: StarSqlScan | undefined;
  /** The parse error, kept to be thrown by scanStarSql. */
  readonly syntaxError: ScanOrSyntaxError | undefined;
  /** Syntax and name problems, with positions. */
  readonly problems: readonly ProjectProblem[];
}

const analyses = new WeakMap<Model, StarAnalysis>();

/** analyzeStar parses and resolves a .star model once; later calls for the same model reuse it. */
export function analyzeStar(model: Model): StarAnalysis {
  const known = analyses.get(model);
  if (known) return known;
  const analysis = analyze(model);
  analyses.set(model, analysis);
  return analysis;
}

function analyze(model: Model): StarAnalysis {
  try {
    const file = checkFile(model.file, model.source, MODEL_GLOBALS, MODEL_FILE_OPTIONS);
    return { scan: scanFile(file), syntaxError: undefined, problems: [] };
  } catch (err) {
    if (err instanceof ScanOrSyntaxError) {
      const problem = {
        code: PROBLEM_CODES.starSyntax,
        file: model.file,
        line: err.pos.line,
        col: err.pos.col,
        message: err.msg,
      };
      return { scan: undefined, syntaxError: err, problems: [problem] };
    }
    if (err instanceof ResolveErrors) {
      const problems = err.errors.map((e) => ({
        code: PROBLEM_CODES.starName,
        file: model.file,
        line: e.pos.line,
        col: e.pos.col,
        message: e.msg,
      }));
      // The file parses: its SQL is still known (a second parse, only on this error path).
      return { scan: scanFile(parseFile(model.file, model.source)), syntaxError: undefined, problems };
    }
    throw err;
  }
}

/** scanStarSql finds the literal SQL of query() calls; a syntax error throws ScanOrSyntaxError. */
export function scanStarSql(model: Model): StarSqlScan {
  const analysis = analyzeStar(model);
  if (analysis.syntaxError) throw analysis.syntaxError;
  return analysis.scan!;
}

/** starSqlOf is the SQL a .star model reads, for the DAG (a file that does not parse: none). */
export function starSqlOf(model: Model): ModelSql[] {
  if (model.language !== 'star') return [];
  return analyzeStar(model).scan?.sql ?? [];
}

/**
 * starProblems checks a .star model without running it: its syntax, and every name it uses
 * (an undefined name, a misspelt host function) — all problems, with their positions.
 */
export function starProblems(model: Model): ProjectProblem[] {
  if (model.language !== 'star') return [];
  return [...analyzeStar(model).problems];
}

function scanFile(file: ast.File): StarSqlScan {
  const scan = { sql: [], dynamic: [], tracked: [], deltaOnly: file.stmts.every(loopsOverDelta) };
  for (const s of file.stmts) stmt(s, (call) => visitCall(call, scan));
  return scan;
}

/** loopsOverDelta: `for … in query("literal", literals…):`, `for … in deleted():`, or a docstring. */
function loopsOverDelta(s: ast.Stmt): boolean {
  if (s.kind === 'ExprStmt') return s.x.kind === 'Literal' && s.x.tok === 'STRING';
  if (s.kind !== 'For' || s.x.kind !== 'Call' || s.x.fn.kind !== 'Ident') return false;
  const args = s.x.args;
  if (s.x.fn.name === 'deleted') return args.length === 0;
  return (
    s.x.fn.name === 'query' &&
    args.length > 0 &&
    args.every((a) => a.style === 'pos' && literal(a.value) !== undefined) &&
    args[0]!.value.kind === 'Literal' &&
    (args[0]!.value as ast.Literal).tok === 'STRING'
  );
}

function visitCall(call: ast.CallExpr, scan: StarSqlScan): void {
  if (call.fn.kind !== 'Ident' || call.fn.name !== 'query') return;
  const positional = call.args.filter((a) => a.style === 'pos');
  const value = positional[0]?.value;
  if (value?.kind !== 'Literal' || value.tok !== 'STRING') {
    scan.dynamic.push(call.line);
    return;
  }
  const text = fromBytes(String(value.value));
  scan.sql.push({ sql: text, line: value.line });
  const delta = call.args.find((a) => a.style === 'named' && a.name === 'delta');
  const untracked = delta !== undefined && delta.value.kind === 'Ident' && delta.value.name === 'False';
  if (untracked) return;
  const params = positional.slice(1).map((a) => literal(a.value));
  scan.tracked.push({
    sql: text,
    line: value.line,
    params: params.every((p) => p !== undefined)
      ? (params as Array<string | number | bigint | boolean | null>)
      : undefined,
  });
}

function literal(n: ast.Expr): string | number | bigint | boolean | null | undefined {
  switch (n.kind) {
    case 'Literal':
      if (n.tok === 'STRING') return fromBytes(String(n.value));
      if (n.tok === 'INT') return BigInt(n.value as number | bigint);
      if (n.tok === 'FLOAT') return n.value as number;
      return undefined;
    case 'Ident':
      return n.name === 'True' ? true : n.name === 'False' ? false : n.name === 'None' ? null : undefined;
    case 'Unary': {
      if (n.op !== '-') return undefined;
      const x = literal(n.x);
      return typeof x === 'number' || typeof x === 'bigint' ? -x : undefined;
    }
    default:
      return undefined;
  }
}

type OnCall = (call: ast.CallExpr) => void;

/** stmt visits every call in a statement, nested ones included, in source order. */
function stmt(s: ast.Stmt, on: OnCall): void {
  switch (s.kind) {
    case 'ExprStmt':
      return expr(s.x, on);
    case 'Assign':
      expr(s.lhs, on);
      return expr(s.rhs, on);
    case 'Def':
      params(s.params, on);
      for (const b of s.body) stmt(b, on);
      return;
    case 'If':
      expr(s.cond, on);
      for (const b of s.then) stmt(b, on);
      for (const b of s.els) stmt(b, on);
      return;
    case 'For':
      expr(s.vars, on);
      expr(s.x, on);
      for (const b of s.body) stmt(b, on);
      return;
    case 'While':
      expr(s.cond, on);
      for (const b of s.body) stmt(b, on);
      return;
    case 'Return':
      if (s.result) expr(s.result, on);
      return;
    case 'Branch':
    case 'Load':
      return;
    default:
      return unreachable(s);
  }
}

function expr(e: ast.Expr, on: OnCall): void {
  switch (e.kind) {
    case 'Ident':
    case 'Literal':
      return;
    case 'List':
    case 'Tuple':
      for (const x of e.elems) expr(x, on);
      return;
    case 'Dict':
      for (const entry of e.entries) entryOf(entry, on);
      return;
    case 'Unary':
    case 'Paren':
    case 'Dot':
      return expr(e.x, on);
    case 'Binary':
    case 'Index':
      expr(e.x, on);
      return expr(e.y, on);
    case 'Cond':
      expr(e.cond, on);
      expr(e.t, on);
      return expr(e.f, on);
    case 'Slice':
      expr(e.x, on);
      for (const x of [e.lo, e.hi, e.step]) if (x) expr(x, on);
      return;
    case 'Call':
      on(e);
      expr(e.fn, on);
      for (const a of e.args) expr(a.value, on);
      return;
    case 'Comprehension':
      // The body first, as it is written (the order in which query() calls are listed).
      if (e.body.kind === 'DictEntry') entryOf(e.body, on);
      else expr(e.body, on);
      for (const c of e.clauses) {
        if (c.kind === 'ForClause') {
          expr(c.vars, on);
          expr(c.x, on);
        } else {
          expr(c.cond, on);
        }
      }
      return;
    case 'Lambda':
      params(e.params, on);
      return expr(e.body, on);
    default:
      return unreachable(e);
  }
}

function entryOf(entry: ast.DictEntry, on: OnCall): void {
  expr(entry.key, on);
  expr(entry.value, on);
}

function params(ps: readonly ast.Param[], on: OnCall): void {
  for (const p of ps) if (p.dflt) expr(p.dflt, on);
}

function unreachable(x: never): never {
  throw new Error(`unknown syntax node ${(x as { kind?: string }).kind}`);
}

/** Literal strings are stored as UTF-8 byte strings inside the interpreter. */
function fromBytes(s: string): string {
  return /[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}
