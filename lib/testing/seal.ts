// sealDuckDB keeps DuckDB itself off the network during offline runs. By default a query that
// reads an http(s) or s3 URL makes DuckDB download and load its httpfs extension and then
// fetch the file: two requests leaving the process that no Transport sees. With extension
// autoloading and autoinstalling off, such a query fails with DuckDB's "requires the
// extension httpfs" instead; the extensions built into ebb's DuckDB (parquet, json, icu…)
// are unaffected.

import type { Store } from '../store/index.js';

export async function sealDuckDB(store: Store): Promise<void> {
  await store.exec('SET GLOBAL autoinstall_known_extensions = false');
  await store.exec('SET GLOBAL autoload_known_extensions = false');
}
