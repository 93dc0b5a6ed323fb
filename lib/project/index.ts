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
export {
  PROJECT_FILE,
  parseProjectFile,
  type ProjectFile,
  type Schedule,
  type Source,
} from './project-file.js';
export { projectName } from './project-name.js';
export { projectEnv, projectSetup, type ProjectSetup } from './project-setup.js';
