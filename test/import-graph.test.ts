/**
 * The import graph of lib/: every relative import of every .ts file (type-only imports too,
 * since a type cycle is a layering cycle even when the JS output has none), checked for cycles,
 * and the boundary of the interpreter: lib/starlark imports nothing outside lib/starlark.
 * A cycle is reported as its path (a.ts → b.ts → a.ts), so the message says what to move.
 * Also who may touch ebb's own tables: only lib/store's code names `_ebb.` in a string.
 */
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LIB = join(ROOT, 'lib');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

/** Specifiers of `import … from`, `export … from`, bare `import '…'` and `import('…')`. */
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

function specifiersOf(file: string): string[] {
  const src = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  return [...src.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** importsOf resolves the relative imports of a file to the .ts files they name. */
function importsOf(file: string): string[] {
  return specifiersOf(file)
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of tsFiles(LIB)) g.set(f, importsOf(f));
  return g;
}

/** cycles returns one path per cycle found by a depth-first walk (each closing edge once). */
function cycles(g: Map<string, string[]>): string[][] {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (f: string): void => {
    state.set(f, 'active');
    stack.push(f);
    for (const to of g.get(f) ?? []) {
      const s = state.get(to);
      if (s === 'active') found.push([...stack.slice(stack.indexOf(to)), to]);
      else if (s === undefined && g.has(to)) visit(to);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of g.keys()) if (!state.has(f)) visit(f);
  return found;
}

const rel = (f: string): string => relative(ROOT, f);

test('the import graph of lib/ has no cycle', (t) => {
  const g = graph();
  t.true(g.size > 50, `found only ${g.size} files under lib/`);
  const missing = [...g].flatMap(([f, tos]) =>
    tos.filter((to) => !g.has(to)).map((to) => `${rel(f)} imports ${rel(to)}`),
  );
  t.deepEqual(missing, [], 'every relative import resolves to a .ts file under lib/');
  t.deepEqual(
    cycles(g).map((c) => c.map(rel).join(' → ')),
    [],
  );
});

test('lib/starlark imports nothing outside lib/starlark (and no package but node built-ins)', (t) => {
  const star = join(LIB, 'starlark') + '/';
  const outside: string[] = [];
  for (const f of tsFiles(star)) {
    for (const to of importsOf(f)) if (!to.startsWith(star)) outside.push(`${rel(f)} imports ${rel(to)}`);
    for (const s of specifiersOf(f)) {
      if (!s.startsWith('.') && !s.startsWith('node:')) outside.push(`${rel(f)} imports package ${s}`);
    }
  }
  t.deepEqual(outside, []);
});

test('the cycle finder reports a cycle as its path', (t) => {
  const g = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a', 'd']],
    ['d', []],
  ]);
  t.deepEqual(cycles(g), [['a', 'b', 'c', 'a']]);
  t.deepEqual(
    cycles(
      new Map([
        ['a', ['b']],
        ['b', []],
      ]),
    ),
    [],
  );
});

/**
 * loadedAtStart is what importing a file loads before any of its code runs: the closure of its
 * value imports (`import type` and `import()` load nothing up front), as file paths under lib/
 * and package names.
 */
function loadedAtStart(entry: string): Set<string> {
  const STATIC =
    /(?:^|[\s;])(?:import|export)\s+(?!type\s)[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]/gm;
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    if (!f.endsWith('.ts')) continue;
    const src = readFileSync(f, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const m of src.matchAll(STATIC)) {
      const s = m[1] ?? m[2]!;
      todo.push(s.startsWith('.') ? resolve(dirname(f), s.replace(/\.js$/, '.ts')) : s);
    }
  }
  return seen;
}

test('ebb star starts without the engine: its command and the IO module load no DuckDB, store, run, sender, yargs, nor json or math up front', (t) => {
  const loaded = [
    ...loadedAtStart(join(LIB, 'commands/star.ts')),
    ...loadedAtStart(join(LIB, 'commands/process-io.ts')),
  ];
  const heavy = loaded
    .map((f) => (f.startsWith(ROOT) ? rel(f) : f))
    .filter(
      (f) =>
        /^lib\/(store|run|send|runtime|detect)\//.test(f) ||
        /^lib\/(errors|error-codes|debug|json)\.ts$|^lib\/starlark\/(index|lib\/.*)\.ts$/.test(f) ||
        (!f.startsWith('lib/') && !f.startsWith('node:')),
    );
  t.deepEqual([...new Set(heavy)], []);
  t.true(
    loaded.some((f) => f.endsWith('lib/starlark/eval/exec.ts')),
    'the walk follows imports (it reaches the interpreter)',
  );
  // The walk sees what the full API loads: json and math through lib/starlark/index.ts.
  const api = [...loadedAtStart(join(LIB, 'starlark/index.ts'))].map(rel);
  t.true(api.includes('lib/starlark/lib/json/json.ts') && api.includes('lib/starlark/lib/math/math.ts'));
});

/** Folders whose strings may name ebb's own tables (`_ebb.runs`, `_ebb.failures`, …): their one owner. */
const STATE_OWNERS = ['lib/store/'];

/**
 * ebbTableStrings lists `line: text` for each string literal or template part of `text` (read
 * with TypeScript's scanner: comments do not count) that names a table of the `_ebb` schema.
 */
function ebbTableStrings(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      if (/\b_ebb\s*\.\s*\w/i.test(node.text)) {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        found.push(`${line}: ${node.text.replace(/\s+/g, ' ').slice(0, 60)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test("only lib/store reads or writes ebb's own tables: no string elsewhere in lib/ names _ebb.", (t) => {
  const outside = tsFiles(LIB)
    .filter((f) => !STATE_OWNERS.some((o) => rel(f).startsWith(o)))
    .flatMap((f) => ebbTableStrings(f, readFileSync(f, 'utf8')).map((s) => `${rel(f)}:${s}`));
  t.deepEqual(outside, []);
  // The check sees SQL in plain strings, templates (head, middle and tail) and not in comments.
  const sample = [
    "const a = 'SELECT * FROM _ebb.runs';",
    'const b = `DELETE FROM ${t} USING _ebb.failures WHERE ${x}`;',
    'const c = `x ${y} FROM _EBB.tracked`;',
    '// _ebb.runs in a comment',
    "const d = '_ebb_hash, _ebb_dk';",
  ].join('\n');
  t.deepEqual(
    ebbTableStrings('sample.ts', sample).map((s) => s.split(':')[0]),
    ['1', '2', '3'],
  );
  t.true(
    tsFiles(join(LIB, 'store')).some((f) => ebbTableStrings(f, readFileSync(f, 'utf8')).length > 0),
    'the owner itself is found by the check',
  );
});
