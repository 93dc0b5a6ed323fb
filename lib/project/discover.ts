// Discovery walks models/ and turns each .sql or .star file into a Model.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { PROBLEM_CODES, ProjectError, type ProjectProblem } from '../errors.js';
import { parseDirectives } from './directives.js';
import { LANGUAGE_FILES, type Model, type ModelLanguage } from './model.js';
import { readProjectFile, type ProjectFile } from './project-file.js';

const LANGUAGES = Object.keys(LANGUAGE_FILES) as ModelLanguage[];

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME = PROBLEM_CODES.name;
const RESERVED_SCHEMAS = new Set(['_ebb', 'information_schema', 'pg_catalog', 'temp', 'system']);

export interface Project {
  readonly root: string;
  readonly models: readonly Model[];
  /** Files that look like models but are not read (e.g. `x.SQL`): said once, never an error. */
  readonly warnings: readonly ProjectWarning[];
  /** The project file (ebb.yaml), when there is one. */
  readonly file?: ProjectFile;
}

export interface ProjectWarning {
  readonly file: string;
  readonly message: string;
}

/** loadProject discovers every model under root/models; all problems are thrown together. */
export function loadProject(root: string): Project {
  const problems: ProjectProblem[] = [];
  const models: Model[] = [];
  const byName = new Map<string, Model>();
  const warnings: ProjectWarning[] = [];
  for (const path of walk(join(root, 'models'))) {
    const language = LANGUAGES.find((l) => path.endsWith(LANGUAGE_FILES[l].extension));
    const file = relative(root, path).split(sep).join('/');
    if (!language) {
      const near = LANGUAGES.map((l) => LANGUAGE_FILES[l].extension).find((e) =>
        path.toLowerCase().endsWith(e),
      );
      if (near)
        warnings.push({
          file,
          message: `ignored: model files end in ${near} (lower case); rename it to make it a model`,
        });
      continue;
    }
    const extension = LANGUAGE_FILES[language].extension;
    const parts = relative(join(root, 'models'), path).split(sep);
    parts[parts.length - 1] = parts[parts.length - 1]!.slice(0, -extension.length);
    const problemCount = problems.length;
    if (parts.length > 2) {
      problems.push({
        code: NAME,
        file,
        message: `models can be one folder deep at most (models/<schema>/<table>${extension}); move this file up`,
      });
    }
    for (const part of parts) {
      if (!IDENT.test(part)) {
        problems.push({
          code: NAME,
          file,
          message: `"${part}" cannot be a model name part: use letters, digits and _ and do not start with a digit`,
        });
      }
    }
    const schema = parts.length === 2 ? parts[0]! : 'main';
    if (RESERVED_SCHEMAS.has(schema.toLowerCase())) {
      problems.push({ code: NAME, file, message: `schema "${schema}" is reserved; rename the folder` });
    }
    const source = readFileSync(path, 'utf8');
    const directives = parseDirectives(file, language, source, problems);
    if (problems.length > problemCount) continue;
    const table = parts[parts.length - 1]!;
    const name = parts.length === 2 ? `${schema}.${table}` : table;
    const key = `${schema}.${table}`.toLowerCase();
    const clash = byName.get(key);
    if (clash) {
      problems.push({
        code: NAME,
        file,
        message: `model ${name} is also defined by ${clash.file}; DuckDB names are case-insensitive, keep one`,
      });
      continue;
    }
    const model: Model = { name, schema, table, file, path, language, source, ...directives };
    byName.set(key, model);
    models.push(model);
  }
  const file = readProjectFile(root, problems);
  if (file) sourceClashes(file, models, problems);
  if (problems.length > 0) throw new ProjectError(problems);
  models.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { root, models, warnings, ...(file === undefined ? {} : { file }) };
}

/**
 * sourceClashes refuses a source named like a models/ folder: `crm.customers` would then name
 * both the model's schema and the attached database, which DuckDB cannot tell apart.
 */
function sourceClashes(file: ProjectFile, models: readonly Model[], problems: ProjectProblem[]): void {
  const schemas = new Set(models.map((m) => m.schema.toLowerCase()));
  for (const s of file.sources) {
    if (!schemas.has(s.name.toLowerCase())) continue;
    problems.push({
      code: PROBLEM_CODES.projectFile,
      file: file.file,
      line: s.line,
      message: `source "${s.name}" has the name of the models/${s.name}/ folder; rename one of them`,
    });
  }
}

function* walk(dir: string): Generator<string> {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* walk(path);
    else if (e.isFile()) yield path;
  }
}
