/**
 * The shape of the code that a formatter does not check: in every class of lib/ and bin/, the
 * fields (and index signatures) come before the constructor and the methods, so a reader sees
 * a class's state before what it does. Read with TypeScript's own parser, so strings, comments
 * and nested classes cannot fool it. (Formatting itself is Biome's: `npm test` runs
 * `biome format .` first; `npx biome format --write .` fixes it.)
 */
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const isField = (m: ts.ClassElement): boolean =>
  ts.isPropertyDeclaration(m) || ts.isIndexSignatureDeclaration(m);

/** fieldsAfterMethods lists `file:line name` for each field declared after a method or constructor. */
export function fieldsAfterMethods(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      let sawMethod = false;
      for (const m of node.members) {
        if (isField(m)) {
          if (sawMethod) {
            const line = source.getLineAndCharacterOfPosition(m.getStart(source)).line + 1;
            found.push(`${relative(ROOT, file)}:${line} ${m.name?.getText(source) ?? '[index]'}`);
          }
        } else if (!ts.isClassStaticBlockDeclaration(m) && !ts.isSemicolonClassElement(m)) sawMethod = true;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('the check finds a field declared after a method, and accepts fields first', (t) => {
  const bad = 'class A { x = 1; f() {} y = 2; static z = 3 }';
  t.deepEqual(
    fieldsAfterMethods(join(ROOT, 'a.ts'), bad).map((s) => s.split(' ')[1]),
    ['y', 'z'],
  );
  t.deepEqual(
    fieldsAfterMethods(
      join(ROOT, 'b.ts'),
      'class B { #a = 1; readonly b: number; constructor() { this.b = 1 } m() {} }',
    ),
    [],
  );
});

test('in every class of lib/ and bin/, fields come before the constructor and methods', (t) => {
  const files = [...tsFiles(join(ROOT, 'lib')), ...tsFiles(join(ROOT, 'bin'))];
  const found = files.flatMap((f) => fieldsAfterMethods(f, readFileSync(f, 'utf8')));
  t.deepEqual(found, [], `move these fields above the class's constructor and methods:\n${found.join('\n')}`);
});
