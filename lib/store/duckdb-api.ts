// @duckdb/node-api, loaded with require(). Imported from an ES module, Node's loader first scans
// each of the package's CommonJS files for its named exports (cjs-module-lexer), which doubles
// the cost of loading it (measured on this 2-core machine: about 0.55 s of CPU against 0.25 s)
// — a cost every ebb command pays before it does anything. Everything in lib/ that needs
// node-api's classes or enums at run time takes them from here; types come from the package.

import { createRequire } from 'node:module';
import type * as NodeApi from '@duckdb/node-api';

const api = createRequire(import.meta.url)('@duckdb/node-api') as typeof NodeApi;

export const {
  DuckDBInstance,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  DuckDBArrayValue,
  DuckDBBitValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimeNSValue,
  DuckDBTimeTZValue,
  DuckDBTimeValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBUUIDValue,
  DuckDBUnionValue,
} = api;

export type DuckDBInstance = NodeApi.DuckDBInstance;
export type DuckDBTypeId = NodeApi.DuckDBTypeId;
export type DuckDBArrayValue = NodeApi.DuckDBArrayValue;
export type DuckDBListValue = NodeApi.DuckDBListValue;
export type DuckDBMapValue = NodeApi.DuckDBMapValue;
export type DuckDBStructValue = NodeApi.DuckDBStructValue;
export type {
  DuckDBAppender,
  DuckDBConnection,
  DuckDBDataChunk,
  DuckDBResult,
  DuckDBType,
  DuckDBValue,
} from '@duckdb/node-api';

/** DuckDB's integer types, of every width (BIGNUM: arbitrary precision). */
export const INTEGER_TYPE_IDS: ReadonlySet<NodeApi.DuckDBTypeId> = new Set([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.BIGNUM,
]);
