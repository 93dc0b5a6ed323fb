// Values leaving DuckDB for a model keep DuckDB's own text for times: the fast path for
// timestamps (plain numbers, cached days) agrees with DuckDB on random instants.

import test from 'ava';
import { fromDuckDB } from '../lib/runtime/values.js';
import { Store } from '../lib/store/index.js';

test('timestamps and TIMESTAMPTZ read as DuckDB writes them, for random instants across 1000–9999', async (t) => {
  const s = await Store.open({ path: ':memory:', root: '/' });
  t.teardown(() => s.close());
  await s.exec("SET TimeZone = 'UTC'");
  const r = await s.rows(`SELECT ts, ts::TIMESTAMPTZ AS tz, CAST(ts AS VARCHAR) AS text FROM (
      SELECT make_timestamp(CAST(floor(random() * (epoch_us(TIMESTAMP '9999-12-31') - epoch_us(TIMESTAMP '1000-01-01'))) AS BIGINT)
             + epoch_us(TIMESTAMP '1000-01-01')) AS ts FROM range(3000)
      UNION ALL SELECT TIMESTAMP '1969-12-31 23:59:59.999999' UNION ALL SELECT TIMESTAMP '2026-01-01 00:00:00.5'
      UNION ALL SELECT TIMESTAMP '1970-01-01' UNION ALL SELECT 'infinity'::TIMESTAMP UNION ALL SELECT '-infinity'::TIMESTAMP)`);
  for (const [ts, tz, text] of r.rows) {
    const want = String(text).replace(' ', 'T');
    t.is(fromDuckDB(ts!), want);
    t.is(fromDuckDB(tz!), want.includes('infinity') ? want : `${want}Z`);
  }
});
