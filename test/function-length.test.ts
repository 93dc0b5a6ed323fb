/**
 * Functions stay short enough to read at once: no function, method or arrow function in lib/
 * (outside lib/starlark, whose evaluator keeps its long switch-shaped kernels) or bin/ spans
 * more than MAX_LINES lines, nested functions included. Read with TypeScript's own parser.
 */
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_LINES = 80;

/** Held to the limit: bin/ and all of lib/ but the interpreter. */
const CHECKED = ['bin', 'lib'];
const EXEMPT = new Set([join(ROOT, 'lib', 'starlark')]);

function tsFiles(path: string): string[] {
  if (path.endsWith('.ts')) return [path];
  const out: string[] = [];
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) {
      if (!EXEMPT.has(p)) out.push(...tsFiles(p));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** longFunctions lists `file:line name (n lines)` for each function longer than `max` lines. */
export function longFunctions(file: string, text: string, max: number): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      if (end - start + 1 > max) {
        const name = node.name?.getText(source) ?? '(anonymous)';
        found.push(`${relative(ROOT, file)}:${start} ${name} (${end - start + 1} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('the check measures a function from its first line to its last, nested ones included', (t) => {
  const body = Array.from({ length: 5 }, (_x, i) => `  const a${i} = ${i};`).join('\n');
  const text = `function f() {\n${body}\n  const g = () => {\n${body}\n  };\n}\n`;
  t.deepEqual(longFunctions(join(ROOT, 'x.ts'), text, 12), ['x.ts:1 f (14 lines)']);
  t.deepEqual(longFunctions(join(ROOT, 'x.ts'), text, 14), []);
});

test(`no function in bin/ or lib/ (but lib/starlark) is longer than ${MAX_LINES} lines`, (t) => {
  const files = CHECKED.flatMap((p) => tsFiles(join(ROOT, p)));
  t.true(files.length > 150, `found only ${files.length} files`);
  t.false(
    files.some((f) => f.startsWith(join(ROOT, 'lib', 'starlark'))),
    'lib/starlark is exempt',
  );
  const long = files.flatMap((f) => longFunctions(f, readFileSync(f, 'utf8'), MAX_LINES));
  t.deepEqual(long, []);
});
