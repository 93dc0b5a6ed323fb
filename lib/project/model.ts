// Model is what a file under models/ declares: its name, its kind and its settings.

export const MODEL_KINDS = ['view', 'table', 'append', 'merge', 'tracked'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export type ModelLanguage = 'sql' | 'star';

/**
 * How each language's model files look: the extension that makes a file a model, and the
 * line-comment prefix of its directives. What a language does lives in lib/run/languages.
 */
export const LANGUAGE_FILES: Readonly<
  Record<ModelLanguage, { readonly extension: string; readonly comment: string }>
> = {
  sql: { extension: '.sql', comment: '--' },
  star: { extension: '.star', comment: '#' },
};

/** Sender settings from directives; absent fields take the sender's defaults. */
export interface SenderSettings {
  /** Requests allowed per window. */
  readonly rateLimit?: { readonly requests: number; readonly perMs: number };
  /**
   * With a coordinator (EBB_COORDINATOR), the name of the budget @rate_limit draws from, shared
   * by every model (in any project) that names it; without one, the model's own name.
   */
  readonly rateLimitKey?: string;
  readonly concurrency?: number;
  readonly retries?: number;
  readonly timeoutMs?: number;
}

export interface Model {
  /** `schema.table`, from the path: models/mart/customers.sql → mart.customers. */
  readonly name: string;
  readonly schema: string;
  readonly table: string;
  /** Path relative to the project root, with forward slashes (for messages). */
  readonly file: string;
  /** Absolute path. */
  readonly path: string;
  readonly language: ModelLanguage;
  readonly kind: ModelKind;
  /** Key columns for merge and tracked models, in declared order. */
  readonly uniqueKey: readonly string[];
  readonly sender: SenderSettings;
  readonly source: string;
  /** `@max_steps` of a .star model; absent: lib/starlark's DEFAULT_MAX_STEPS */
  readonly maxSteps?: number;
  /** `@shards: all`: a .star model that is not tracked runs in every shard, not only shard 0. */
  readonly shardsAll?: boolean;
}

// Quoting lives in the store's one quoting module; re-exported for code that names models.
export { quoteIdent, quotedTable } from '../store/quote.js';
