export { Dag } from './graph.js';
export { select } from './selectors.js';
export { buildDag, sqlModelSource, type BuiltDag, type ModelSql, type SqlSource } from './build.js';
