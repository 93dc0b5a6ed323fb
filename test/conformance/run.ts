// Conformance harness for lib/starlark.
//
// Runs chunked Starlark test files (the format of starlark-go's testdata) through
// lib/starlark's embedding API (lib/starlark/API.md):
//   - chunks are separated by lines "---";
//   - a line containing  ### "regexp"  (a Go string literal, `raw` or bare) expects an
//     error matching regexp (Go RE2 syntax, translated) reported at that line;
//   - a chunk containing "option:NAME" runs with that option (set, recursion — which
//     in starlark-go also enables while —, globalreassign);
//   - load("assert.star") yields the assert module, which is Starlark code run with
//     the host builtins error/catch/matches/module/_freeze defined here;
//     load("json.star") yields json, "math.star" math, "time.star" time; other loads are
//     files next to the test file; assert.star's host builtins include _floateq (today's).
// A chunk passes when every expected error occurred (at its line, matching), no other
// error occurred, and the assert module reported no failure.
//
// Usage:
//   node --import=tsx test/conformance/run.ts [--json] [--suite] [--verbose] [FILE.star...]
//     no FILE: fetch starlark-go's testdata (scripts/fetch-starlark-go.sh) and run it
//     --suite: run ebb's own suite test/starlark/*.star with test/starlark/assert.star
//     --assert PATH: assert module to use (default: starlark-go's, or ours with --suite)
//     --json: print a machine-readable summary instead of text
// Exit status: 0 when every failing chunk is listed in known-differences.json,
// 1 otherwise, 2 when the reference files can't be fetched, 3 when lib/starlark is absent.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath, basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolvePath(dirname(fileURLToPath(import.meta.url)), '../..');
export const KNOWN_DIFFERENCES_PATH = join(ROOT, 'test/conformance/known-differences.json');

// ---------------------------------------------------------------------------
// The slice of the lib/starlark API the harness uses (typed locally so that this
// file does not depend on the interpreter's sources at compile time).

type Value = unknown;
interface Position {
  file: string;
  line: number;
  col: number;
}
interface ThreadLike {
  local: Map<string, unknown>;
}
type BuiltinImpl = (thread: ThreadLike, fn: unknown, args: Value[], kwargs: Array<[string, Value]>) => Value;
interface FileOptions {
  allowRecursion?: boolean;
  allowWhile?: boolean;
  allowSet?: boolean;
  allowGlobalReassign?: boolean;
  allowToplevelControl?: boolean;
  loadBindsGlobally?: boolean;
}
export interface StarlarkAPI {
  None: Value;
  True: Value;
  False: Value;
  typeName(v: Value): string;
  str(v: Value): string;
  repr(v: Value): string;
  freeze(v: Value): void;
  toStarlark(x: unknown): Value;
  toJS(v: Value): unknown;
  makeString(s: string): Value;
  makeModule(name: string, members: Record<string, Value>): Value;
  makeStruct(fields: Record<string, Value>, constructor?: Value): Value;
  unpackArgs(
    fnName: string,
    args: Value[],
    kwargs: Array<[string, Value]>,
    ...params: string[]
  ): (Value | undefined)[];
  call(thread: ThreadLike, fn: Value, args: Value[], kwargs?: Array<[string, Value]>): Value;
  Builtin: new (name: string, impl: BuiltinImpl) => Value;
  HostValue: abstract new () => object;
  Thread: new (options?: {
    name?: string;
    print?: (thread: ThreadLike, msg: string) => void;
    load?: (thread: ThreadLike, module: string) => Map<string, Value>;
    maxSteps?: number;
  }) => ThreadLike;
  execFile(
    thread: ThreadLike,
    filename: string,
    source: string,
    predeclared: Map<string, Value> | Record<string, Value>,
    options?: FileOptions,
  ): Map<string, Value>;
  json: Value;
  /** thrown by a host value's setField for a missing field (absent before 2026-12) */
  NoSuchAttrError?: new (
    msg: string,
  ) => Error;
  math?: Value;
  timeModule?: Value;
  structBuiltin: Value;
  StarlarkError: new (...a: never[]) => Error;
  ScanOrSyntaxError: new (...a: never[]) => Error & { pos: Position };
  ResolveErrors: new (...a: never[]) => Error & { errors: Array<{ pos: Position; msg: string }> };
  EvalError: new (
    ...a: never[]
  ) => Error & { pos: Position; frames: Array<{ name: string; pos: Position }>; backtrace(): string };
}

export const INTERPRETER_PATH = join(ROOT, 'lib/starlark/index.ts');

export async function loadInterpreter(): Promise<StarlarkAPI | undefined> {
  if (!existsSync(INTERPRETER_PATH)) return undefined;
  const api = (await import(pathToFileURL(INTERPRETER_PATH).href)) as unknown as StarlarkAPI;
  // The standard modules sit beside the interpreter (they import it, so it cannot export them).
  const lib = (p: string) => pathToFileURL(join(ROOT, 'lib/starlark/lib', p)).href;
  const [{ math }, { timeModule }] = await Promise.all([
    import(lib('math/math.ts')),
    import(lib('time/index.ts')),
  ]);
  return { ...api, math, timeModule };
}

// ---------------------------------------------------------------------------
// Chunked files

export interface Chunk {
  index: number; // 0-based
  firstLine: number; // 1-based line of the chunk's first line in the file
  source: string; // padded with newlines so line numbers match the file
  text: string; // the chunk as written
  wantErrs: Map<number, RegExp>;
  problems: string[]; // problems found while reading (bad patterns)
}

/** Unquote a Go string literal ("..." with escapes, or `raw`); undefined if not one. */
export function goUnquote(s: string): string | undefined {
  if (s.length >= 2 && s[0] === '`' && s[s.length - 1] === '`') {
    const body = s.slice(1, -1);
    return body.includes('`') ? undefined : body;
  }
  if (s.length < 2 || s[0] !== '"' || s[s.length - 1] !== '"') return undefined;
  const body = s.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"') return undefined;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case 'x':
      case 'u':
      case 'U': {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + n);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) return undefined;
        out += String.fromCodePoint(parseInt(hex, 16));
        i += n;
        break;
      }
      default:
        if (e !== undefined && /[0-7]/.test(e)) {
          const oct = body.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(oct)) return undefined;
          out += String.fromCharCode(parseInt(oct, 8));
          i += 2;
          break;
        }
        return undefined; // Go rejects unknown escapes such as \( or \.
    }
  }
  return out;
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** Translate a Go (RE2) regular expression to a JS RegExp (unanchored search semantics). */
export function goRegExp(pattern: string): RegExp {
  let flags = '';
  let p = pattern;
  const lead = /^\(\?([imsU]+)\)/.exec(p);
  if (lead) {
    for (const f of lead[1]!) if (f !== 'U' && !flags.includes(f)) flags += f;
    p = p.slice(lead[0].length);
  }
  p = p.replace(/\\Q([\s\S]*?)(\\E|$)/g, (_m, lit: string) => lit.replace(/[.*+?^${}()|[\]\\\/-]/g, '\\$&'));
  p = p.replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) =>
    POSIX_CLASSES[name] !== undefined && neg === '' ? POSIX_CLASSES[name]! : m,
  );
  p = p.replace(/\(\?P</g, '(?<');
  p = p.replace(/\\A/g, '^').replace(/\\z/g, '$(?![\\s\\S])');
  if (/\\[pP][A-Z{]/.test(p)) {
    p = p.replace(/\\([pP])([A-Z])(?![a-z{])/g, '\\$1{$2}');
    flags += 'u';
  }
  return new RegExp(p, flags);
}

export function readChunks(filename: string, data: string): Chunk[] {
  const chunks: Chunk[] = [];
  let linenum = 1;
  data.split('\n---\n').forEach((text, index) => {
    const chunk: Chunk = {
      index,
      firstLine: linenum,
      text,
      source: '\n'.repeat(linenum - 1) + text,
      wantErrs: new Map(),
      problems: [],
    };
    for (const line of text.split('\n')) {
      const h = line.indexOf('###');
      if (h >= 0) {
        const rest = line.slice(h + 3).trim();
        const pattern = goUnquote(rest) ?? rest;
        try {
          chunk.wantErrs.set(linenum, goRegExp(pattern));
        } catch (e) {
          chunk.problems.push(
            `line ${linenum}: cannot translate regexp ${JSON.stringify(pattern)}: ${(e as Error).message}`,
          );
        }
      }
      linenum++;
    }
    linenum++; // the "---" separator line
    chunks.push(chunk);
  });
  void filename;
  return chunks;
}

/** floatEq is starlark-go's floateq: equal, both NaN, or adjacent doubles (one ULP apart). */
function floatEq(A: StarlarkAPI, x: Value, y: Value): boolean {
  const num = (v: Value): number => {
    const t = A.typeName(v);
    if (t !== 'float' && t !== 'int') throw new Error(`floateq: got ${t}, want float`);
    return Number(A.toJS(v));
  };
  const a = num(x);
  const b = num(y);
  if (a === b) return true;
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  const bits = new BigInt64Array(new Float64Array([a, b]).buffer);
  const d = bits[0]! - bits[1]!;
  return d === 1n || d === -1n;
}

export function option(src: string, name: string): boolean {
  return src.includes('option:' + name);
}

// ---------------------------------------------------------------------------
// Errors

const POS_PREFIX = /^(?:[^\n]*?):\d+:\d+: /;

/** The error's message without position or traceback, like starlark-go's err.Error()/err.Msg. */
export function bareMessage(e: Error): string {
  const msg = (e as { msg?: unknown }).msg;
  if (typeof msg === 'string') return msg; // lib/starlark's StarlarkError.msg: without position
  let m = String(e.message ?? e);
  if (m.startsWith('Traceback')) {
    const lines = m.split('\n');
    const i = lines.findIndex((l) => /^Error( in [^:]*)?: /.test(l));
    if (i >= 0)
      m = lines
        .slice(i)
        .join('\n')
        .replace(/^Error( in [^:]*)?: /, '');
  }
  const pos = (e as { pos?: Position }).pos;
  if (pos && typeof pos.file === 'string') {
    const prefix = `${pos.file}:${pos.line}:${pos.col}: `;
    if (m.startsWith(prefix)) return m.slice(prefix.length);
  }
  return m.replace(POS_PREFIX, '');
}

function isStarlarkError(api: StarlarkAPI, e: unknown): e is Error {
  return e instanceof api.StarlarkError;
}

/** Positions of an EvalError's frames, innermost first. */
function framesInnermostFirst(err: {
  pos?: Position;
  frames?: Array<{ name: string; pos: Position }>;
}): Position[] {
  const frames = (err.frames ?? []).map((f) => f.pos).filter((p): p is Position => !!p);
  const same = (a?: Position, b?: Position) =>
    !!a && !!b && a.file === b.file && a.line === b.line && a.col === b.col;
  let ordered: Position[];
  if (frames.length > 1 && same(frames[0], err.pos) && !same(frames[frames.length - 1], err.pos))
    ordered = frames;
  else ordered = [...frames].reverse(); // backtrace order: outermost first
  return err.pos ? [err.pos, ...ordered] : ordered;
}

// ---------------------------------------------------------------------------
// Running

export type Mode = 'eval' | 'resolve' | 'syntax';

export interface ChunkResult {
  index: number;
  firstLine: number;
  first: string; // the chunk's first non-blank line
  passed: boolean;
  problems: string[];
}

export interface FileResult {
  file: string; // display name (relative)
  mode: Mode;
  passed: number;
  total: number;
  chunks: ChunkResult[];
  error?: string; // the file could not be run at all
}

export interface RunOptions {
  assertPath: string;
  maxSteps?: number;
  mode?: Mode; // default: from the path
  displayRoot?: string;
  /** Lines to blank out before running, by display name (see KnownDifference.blankLines). */
  blankLines?: Map<string, number[]>;
}

export function modeFor(path: string): Mode {
  if (/(^|\/)resolve\/testdata\//.test(path)) return 'resolve';
  if (/(^|\/)syntax\/testdata\//.test(path)) return 'syntax';
  return 'eval';
}

const REPORTER = 'conformance.reporter';

/** Files that are not chunked test files but must simply parse (starlark-go's scan benchmark input). */
export function isPlainFile(path: string): boolean {
  return /(^|\/)syntax\/testdata\/scan\.star$/.test(path);
}

class Harness {
  private assertModules = new Map<string, Map<string, Value>>();
  private hostBuiltins: Record<string, Value>;
  private fib: Value;

  constructor(private api: StarlarkAPI) {
    const A = api;
    const none = A.None;
    this.hostBuiltins = {
      error: new A.Builtin('error', (thread, _fn, args) => {
        if (args.length !== 1) throw new Error(`error: got ${args.length} arguments, want 1`);
        const v = args[0];
        const msg = A.typeName(v) === 'string' ? A.str(v) : A.repr(v);
        const rep = thread.local.get(REPORTER) as string[] | undefined;
        if (rep) rep.push(msg);
        return none;
      }),
      catch: new A.Builtin('catch', (thread, _fn, args, kwargs) => {
        const [fn] = A.unpackArgs('catch', args, kwargs, 'fn');
        try {
          A.call(thread, fn, [], []);
          return none;
        } catch (e) {
          if (isStarlarkError(A, e)) return A.makeString(bareMessage(e));
          throw e;
        }
      }),
      matches: new A.Builtin('matches', (_thread, _fn, args, kwargs) => {
        const [pattern, s] = A.unpackArgs('matches', args, kwargs, 'pattern', 'str');
        let rx: RegExp;
        try {
          rx = goRegExp(A.str(pattern));
        } catch (e) {
          throw new Error(`matches: ${(e as Error).message}`);
        }
        return rx.test(A.str(s)) ? A.True : A.False;
      }),
      module: new A.Builtin('module', (_thread, _fn, args, kwargs) => {
        if (args.length !== 1) throw new Error(`module: got ${args.length} arguments, want 1`);
        return A.makeModule(A.str(args[0]), Object.fromEntries(kwargs));
      }),
      // _floateq(x, y): floats equal within one unit in the last place (today's assert.star).
      _floateq: new A.Builtin('floateq', (_thread, _fn, args, kwargs) => {
        if (kwargs.length > 0 || args.length !== 2) throw new Error('floateq: want 2 positional arguments');
        return floatEq(A, args[0], args[1]) ? A.True : A.False;
      }),
      _freeze: new A.Builtin('freeze', (_thread, _fn, args, kwargs) => {
        if (kwargs.length > 0) throw new Error('freeze does not accept keyword arguments');
        if (args.length !== 1) throw new Error(`freeze got ${args.length} arguments, wants 1`);
        A.freeze(args[0]);
        return args[0];
      }),
    };
    // fibonacci: an infinite iterable, as predeclared by starlark-go's eval tests.
    const Host = A.HostValue as unknown as new () => object;
    class Fib extends Host {
      type() {
        return 'fib';
      }
      repr() {
        return 'fib';
      }
      *iterate(): Iterator<Value> {
        let a = 0n,
          b = 1n;
        for (;;) {
          yield A.toStarlark(a);
          [a, b] = [b, a + b];
        }
      }
    }
    this.fib = new Fib();

    // hasfields: a value whose fields may be set until it is frozen (starlark-go's eval
    // tests). Field assignment uses lib/starlark's setField capability; `list + hasfields`
    // is 42 through the binary hook, as starlark-go's HasBinary makes it.
    class HasFields extends Host {
      fields = new Map<string, Value>();
      frozen = false;
      type() {
        return 'hasfields';
      }
      repr() {
        return 'hasfields';
      }
      hash() {
        return 42;
      }
      freeze() {
        if (this.frozen) return;
        this.frozen = true;
        for (const v of this.fields.values()) A.freeze(v);
      }
      attr(name: string) {
        return this.fields.get(name);
      }
      attrNames() {
        return [...this.fields.keys()].sort();
      }
      setField(name: string, v: Value) {
        if (this.frozen) throw new Error('cannot set field on a frozen hasfields');
        if (name.startsWith('no')) throw new (A.NoSuchAttrError ?? Error)(`no .${name} field`);
        this.fields.set(name, v);
      }
      binary(op: string, other: Value) {
        return op === '+' && A.typeName(other) === 'list' ? A.toStarlark(42) : undefined;
      }
    }
    this.HasFields = HasFields;

    // gensym(name): a symbol whose calls make structs branded with it (starlarkstruct tests).
    class GenSym extends Host {
      constructor(readonly name: string) {
        super();
      }
      type() {
        return 'symbol';
      }
      repr() {
        return this.name;
      }
      call(_thread: ThreadLike, args: Value[], kwargs: Array<[string, Value]>): Value {
        if (args.length > 0) throw new Error(`${this.name}: unexpected positional arguments`);
        return A.makeStruct(Object.fromEntries(kwargs), this);
      }
    }
    this.GenSym = GenSym;
  }
  private HasFields: new () => object;
  private GenSym: new (
    name: string,
  ) => object;

  private assertModule(path: string): Map<string, Value> {
    let m = this.assertModules.get(path);
    if (!m) {
      const A = this.api;
      const thread = new A.Thread({ name: 'assert', maxSteps: 0 });
      m = A.execFile(thread, path, readFileSync(path, 'utf8'), this.hostBuiltins);
      this.assertModules.set(path, m);
    }
    return m;
  }

  private predeclared(mode: Mode): Record<string, Value> {
    const A = this.api;
    if (mode === 'resolve') return { M: A.None, U: A.None };
    const HasFields = this.HasFields;
    const hasfields = new A.Builtin('hasfields', (_t, _fn, args, kwargs) => {
      if (args.length + kwargs.length > 0) throw new Error('hasfields: unexpected arguments');
      return new HasFields();
    });
    const GenSym = this.GenSym;
    const gensym = new A.Builtin('gensym', (_t, _fn, args, kwargs) => {
      const [name] = A.unpackArgs('gensym', args, kwargs, 'name');
      return new GenSym(A.str(name));
    });
    return { struct: A.structBuiltin, fibonacci: this.fib, hasfields, gensym };
  }

  runFile(path: string, opts: RunOptions): FileResult {
    const A = this.api;
    const abs = resolvePath(path);
    const display = relative(opts.displayRoot ?? process.cwd(), abs) || abs;
    const mode = opts.mode ?? modeFor(abs);
    const result: FileResult = { file: display, mode, passed: 0, total: 0, chunks: [] };
    let data: string;
    try {
      data = readFileSync(abs, 'utf8');
    } catch (e) {
      result.error = (e as Error).message;
      return result;
    }
    const blank = opts.blankLines?.get(display);
    if (blank?.length) {
      const lines = data.split('\n');
      for (const l of blank) if (l >= 1 && l <= lines.length) lines[l - 1] = '';
      data = lines.join('\n');
    }
    const chunks = isPlainFile(abs)
      ? [
          {
            index: 0,
            firstLine: 1,
            source: data,
            text: data,
            wantErrs: new Map<number, RegExp>(),
            problems: [],
          },
        ]
      : readChunks(abs, data);
    for (const chunk of chunks) {
      const problems = [...chunk.problems];
      const want = new Map(chunk.wantErrs);
      const gotError = (line: number, msg: string) => {
        const rx = want.get(line);
        if (rx) {
          want.delete(line);
          if (!rx.test(msg))
            problems.push(
              `line ${line}: error ${JSON.stringify(msg)} does not match pattern ${JSON.stringify(rx.source)}`,
            );
        } else {
          problems.push(`line ${line}: unexpected error: ${msg}`);
        }
      };
      const reports: string[] = [];
      const src = chunk.source;
      const fileOptions: FileOptions = {
        allowSet: option(src, 'set'),
        allowRecursion: option(src, 'recursion'),
        // starlark-go of 2021 had while under recursion; today it has its own option too.
        allowWhile: option(src, 'recursion') || option(src, 'while'),
        allowGlobalReassign: option(src, 'globalreassign'),
        loadBindsGlobally: option(src, 'loadbindsglobally'),
        // Unset, top-level control follows globalreassign (as in the 2021 starlark-go).
        ...(option(src, 'toplevelcontrol') ? { allowToplevelControl: true } : {}),
      };
      const load = (th: ThreadLike, module: string): Map<string, Value> => {
        if (module === 'assert.star') return this.assertModule(opts.assertPath);
        if (module === 'json.star') return new Map([['json', A.json]]);
        if (module === 'math.star' && A.math) return new Map([['math', A.math]]);
        if (module === 'time.star' && A.timeModule) return new Map([['time', A.timeModule]]);
        const p = join(dirname(abs), module);
        return A.execFile(th, p, readFileSync(p, 'utf8'), {}, fileOptions);
      };
      const thread = new A.Thread({
        name: `${basename(abs)}#${chunk.index}`,
        print: () => {},
        load,
        maxSteps: opts.maxSteps ?? (mode === 'eval' ? 200_000_000 : 1_000_000),
      });
      thread.local.set(REPORTER, reports);
      try {
        A.execFile(thread, abs, src, this.predeclared(mode), fileOptions);
      } catch (e) {
        if (e instanceof A.ScanOrSyntaxError) {
          if (mode === 'resolve') problems.push(`parse error: ${e.message}`);
          else gotError(e.pos.line, bareMessage(e));
        } else if (e instanceof A.ResolveErrors) {
          if (mode !== 'syntax') for (const r of e.errors) gotError(r.pos.line, r.msg);
        } else if (e instanceof A.EvalError) {
          if (mode === 'eval') {
            const inFile = framesInnermostFirst(e).find((p) => p.file === abs);
            if (inFile) gotError(inFile.line, bareMessage(e));
            else problems.push(`error outside the file: ${safeBacktrace(e)}`);
          }
        } else if (isStarlarkError(A, e)) {
          problems.push(`error: ${e.message}`);
        } else {
          problems.push(`host exception (not a StarlarkError): ${(e as Error)?.stack ?? String(e)}`);
        }
      }
      for (const [line, rx] of want)
        problems.push(`line ${line}: expected error matching ${JSON.stringify(rx.source)}`);
      for (const r of reports) problems.push(`assertion: ${r}`);
      const first =
        chunk.text
          .split('\n')
          .map((l) => l.trim())
          .find((l) => l !== '') ?? '';
      const passed = problems.length === 0;
      result.chunks.push({ index: chunk.index, firstLine: chunk.firstLine, first, passed, problems });
      result.total++;
      if (passed) result.passed++;
    }
    return result;
  }
}

function safeBacktrace(e: { backtrace?: () => string; message: string }): string {
  try {
    return e.backtrace ? e.backtrace() : e.message;
  } catch {
    return e.message;
  }
}

export function runFiles(api: StarlarkAPI, files: string[], opts: RunOptions): FileResult[] {
  const h = new Harness(api);
  return files.map((f) => {
    try {
      return h.runFile(f, opts);
    } catch (e) {
      return {
        file: f,
        mode: modeFor(f),
        passed: 0,
        total: 0,
        chunks: [],
        error: (e as Error)?.stack ?? String(e),
      };
    }
  });
}

// ---------------------------------------------------------------------------
// Reference files and known differences

export const REFERENCE_FILES = [
  'starlark/testdata/assign.star',
  'starlark/testdata/bool.star',
  'starlark/testdata/builtins.star',
  'starlark/testdata/control.star',
  'starlark/testdata/dict.star',
  'starlark/testdata/float.star',
  'starlark/testdata/function.star',
  'starlark/testdata/int.star',
  'starlark/testdata/json.star',
  'starlark/testdata/list.star',
  'starlark/testdata/misc.star',
  'starlark/testdata/set.star',
  'starlark/testdata/string.star',
  'starlark/testdata/tuple.star',
  'starlark/testdata/recursion.star',
  'starlark/testdata/module.star',
  'starlarkstruct/testdata/struct.star',
  'resolve/testdata/resolve.star',
  'syntax/testdata/errors.star',
  'syntax/testdata/scan.star',
];

/** Run scripts/fetch-starlark-go.sh; returns the go.starlark.net source root or undefined. */
export function fetchReference(log: (s: string) => void = () => {}): string | undefined {
  try {
    const out = execFileSync('bash', [join(ROOT, 'scripts/fetch-starlark-go.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
    const dir = out.trim().split('\n').pop()!;
    return existsSync(join(dir, 'starlarktest/assert.star')) ? dir : undefined;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    log(`cannot fetch starlark-go: ${(err.stderr ?? '').trim() || err.message}`);
    return undefined;
  }
}

export interface KnownDifference {
  file: string; // relative to go.starlark.net's root, e.g. "starlark/testdata/list.star"
  chunk: number; // 0-based chunk index
  reason: string;
  maxFailures?: number; // at most this many problems tolerated in the chunk
  blankLines?: number[]; // lines blanked before running, so that one fatal line doesn't hide the rest of the chunk
}

export function blankLinesOf(known: KnownDifference[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const k of known) if (k.blankLines?.length) m.set(k.file, [...(m.get(k.file) ?? []), ...k.blankLines]);
  return m;
}

export function readKnownDifferences(): KnownDifference[] {
  if (!existsSync(KNOWN_DIFFERENCES_PATH)) return [];
  return JSON.parse(readFileSync(KNOWN_DIFFERENCES_PATH, 'utf8')) as KnownDifference[];
}

export interface Verdict {
  unexpected: Array<{ file: string; chunk: ChunkResult }>; // failing, not listed (or worse than listed)
  nowPassing: KnownDifference[]; // listed, but passing
  known: Array<{ file: string; chunk: ChunkResult; reason: string }>;
}

export function judge(results: FileResult[], known: KnownDifference[]): Verdict {
  const v: Verdict = { unexpected: [], nowPassing: [], known: [] };
  const key = (file: string, chunk: number) => `${file}#${chunk}`;
  const listed = new Map(known.map((k) => [key(k.file, k.chunk), k]));
  for (const r of results) {
    if (r.error) {
      v.unexpected.push({
        file: r.file,
        chunk: { index: -1, firstLine: 0, first: '', passed: false, problems: [r.error] },
      });
      continue;
    }
    for (const c of r.chunks) {
      const k = listed.get(key(r.file, c.index));
      if (c.passed) {
        if (k) v.nowPassing.push(k);
      } else if (k && (k.maxFailures === undefined || c.problems.length <= k.maxFailures)) {
        v.known.push({ file: r.file, chunk: c, reason: k.reason });
      } else {
        v.unexpected.push({ file: r.file, chunk: c });
      }
    }
  }
  return v;
}

export function formatText(results: FileResult[], verdict: Verdict | undefined, verbose: boolean): string {
  const out: string[] = [];
  const knownSet = new Set(verdict?.known.map((k) => `${k.file}#${k.chunk.index}`) ?? []);
  let pass = 0,
    total = 0;
  for (const r of results) {
    if (r.error) {
      out.push(`${r.file}: ERROR ${r.error}`);
      continue;
    }
    out.push(`${r.file}: ${r.passed}/${r.total}`);
    pass += r.passed;
    total += r.total;
    for (const c of r.chunks) {
      if (c.passed) continue;
      const tag = knownSet.has(`${r.file}#${c.index}`) ? 'KNOWN' : 'FAIL';
      out.push(`  ${tag} chunk ${c.index} (line ${c.firstLine}: ${c.first.slice(0, 80)})`);
      const n = verbose ? c.problems.length : Math.min(5, c.problems.length);
      for (const p of c.problems.slice(0, n)) out.push(`    ${p.split('\n').join('\n      ')}`);
      if (n < c.problems.length) out.push(`    ... ${c.problems.length - n} more`);
    }
  }
  out.push(`total: ${pass}/${total} chunks passed`);
  if (verdict) {
    out.push(
      `known differences: ${verdict.known.length} failing as listed, ${verdict.nowPassing.length} listed but now passing, ${verdict.unexpected.length} unexpected failures`,
    );
    for (const k of verdict.nowPassing) out.push(`  NOW PASSING: ${k.file} chunk ${k.chunk} (${k.reason})`);
  }
  return out.join('\n');
}

export function summaryJSON(results: FileResult[], verdict: Verdict | undefined) {
  return {
    passed: results.reduce((a, r) => a + r.passed, 0),
    total: results.reduce((a, r) => a + r.total, 0),
    files: results.map((r) => ({
      file: r.file,
      mode: r.mode,
      passed: r.passed,
      total: r.total,
      error: r.error,
      failures: r.chunks
        .filter((c) => !c.passed)
        .map((c) => ({ chunk: c.index, line: c.firstLine, first: c.first, problems: c.problems })),
    })),
    unexpected: verdict?.unexpected.map((u) => ({
      file: u.file,
      chunk: u.chunk.index,
      first: u.chunk.first,
      problems: u.chunk.problems,
    })),
    known: verdict?.known.map((k) => ({ file: k.file, chunk: k.chunk.index, reason: k.reason })),
    nowPassing: verdict?.nowPassing,
  };
}

export function suiteFiles(): string[] {
  const dir = join(ROOT, 'test/starlark');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.star') && f !== 'assert.star')
    .sort()
    .map((f) => join(dir, f));
}

// ---------------------------------------------------------------------------
// CLI

async function main(argv: string[]): Promise<number> {
  let json = false,
    suite = false,
    verbose = false;
  let assertPath: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--suite') suite = true;
    else if (a === '--verbose' || a === '-v') verbose = true;
    else if (a === '--assert') assertPath = argv[++i];
    else if (a.startsWith('-')) {
      console.error(`unknown option ${a}`);
      return 2;
    } else files.push(a);
  }
  const api = await loadInterpreter();
  if (!api) {
    console.error(`conformance: ${relative(process.cwd(), INTERPRETER_PATH)} does not exist yet`);
    return 3;
  }
  let displayRoot = process.cwd();
  let judgeKnown = false;
  if (suite) {
    assertPath ??= join(ROOT, 'test/starlark/assert.star');
    if (files.length === 0) files.push(...suiteFiles());
    displayRoot = ROOT;
  } else {
    const ref = fetchReference((s) => console.error(s));
    if (files.length === 0) {
      if (!ref) return 2;
      files.push(...REFERENCE_FILES.map((f) => join(ref, f)));
      displayRoot = ref;
      judgeKnown = true;
    }
    if (!assertPath) {
      if (!ref) {
        console.error('conformance: no assert module (use --assert PATH or --suite)');
        return 2;
      }
      assertPath = join(ref, 'starlarktest/assert.star');
    }
  }
  const known = judgeKnown ? readKnownDifferences() : [];
  const results = runFiles(api, files, { assertPath, displayRoot, blankLines: blankLinesOf(known) });
  const verdict = judge(results, known);
  if (json) process.stdout.write(JSON.stringify(summaryJSON(results, verdict), null, 2) + '\n');
  else console.log(formatText(results, verdict, verbose));
  return verdict.unexpected.length === 0 ? 0 : 1;
}

if (process.argv[1] && resolvePath(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
