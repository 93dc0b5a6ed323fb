export { quoteIdent, quotedTable, sqlString, sqlLiteral } from './quote.js';
export { Store, Cursor, type JsonRow, type Params, type StoreOptions } from './store.js';
export { referencedTables, lineOf, SqlParseError, type TableRef } from './sql-tables.js';
export { orderedBy } from './sql-order.js';
export { SCHEMA_VERSION } from './migrations.js';
export { writeStaged, describeKey, type StagedTarget } from './write-staged.js';
export { cleanDuckDBMessage, duckdbErrorKind, duckdbLine } from './duckdb-message.js';
export { projectKey, setProjectKey } from './project-key.js';
