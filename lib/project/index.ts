export { findRoot } from './root.js';
export { loadProject, type Project, type ProjectWarning } from './discover.js';
export { parseDirectives, parseDuration, type Directives } from './directives.js';
export {
  LANGUAGE_FILES,
  MODEL_KINDS,
  quoteIdent,
  quotedTable,
  type Model,
  type ModelKind,
  type ModelLanguage,
  type SenderSettings,
} from './model.js';
