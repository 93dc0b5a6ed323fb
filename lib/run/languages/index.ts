// The registry of model languages: one record per language (see ./language.ts).

import type { ModelSql } from '../../dag/index.js';
import type { Model, ModelLanguage } from '../../project/index.js';
import type { Language } from './language.js';
import { sqlLanguage } from './sql.js';
import { starLanguage } from './star.js';

export type {
  BindOutcome,
  Language,
  LanguageRunOptions,
  LanguageRunResult,
  TrackedQuery,
} from './language.js';

const LANGUAGES: Readonly<Record<ModelLanguage, Language>> = {
  sql: sqlLanguage,
  star: starLanguage,
};

/** languageOf is the record of a model's language. */
export function languageOf(model: Model): Language {
  return LANGUAGES[model.language];
}

/** modelSqlOf is the DAG's SqlSource for every language. */
export function modelSqlOf(model: Model): readonly ModelSql[] {
  return languageOf(model).sqlOf(model);
}
