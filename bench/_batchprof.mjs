import { spawnSync } from 'node:child_process';
import { prepareProject, startSink } from './send/common.mjs';
import { EBB } from './lib.mjs';
const ROWS = 1_000_000, BATCH = 500, INFLIGHT = 16;
const sink = await startSink();
const project = prepareProject(`send-batch-${ROWS}`, {
  'models/src/items.sql': `-- @kind: table\nSELECT range AS id, 'name ' || range AS name, 'user' || range || '@example.com' AS email, (range % 1000) / 10 AS amount FROM range(${ROWS})`,
  'models/sync/items.star': `# @kind: tracked
# @unique_key: id
# @concurrency: ${INFLIGHT}
url = env.get("SINK") + "/batch"
batch = []
for row in query("SELECT id, name, email, amount FROM src.items ORDER BY id"):
    batch.append(row)
    if len(batch) == ${BATCH}:
        http.post(url, json={"inputs": batch})
        save.rows(batch)
        batch = []
if batch:
    http.post(url, json={"inputs": batch})
    save.rows(batch)
`,
}, ['src.items']);
project.fresh();
const args = (process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.PROF] : []);
const t0 = performance.now();
const r = spawnSync('/usr/bin/time', ['-f', 'cpu %U+%S rss %M', process.execPath, ...args, EBB, 'run', 'sync.items', '--project', project.dir], { encoding: 'utf8', env: { ...process.env, SINK: sink.url, EBB_DEBUG: 'sql' } });
console.log('ms', (performance.now() - t0).toFixed(0), r.status, r.stderr.split('\n').filter((l) => /cpu|Done|error/.test(l)).join('\n'));
const sql = new Map(); for (const m of r.stderr.matchAll(/^\[sql ([\d.]+)ms\] (\w+ \w+)/gm)) sql.set(m[2], (sql.get(m[2]) ?? 0) + Number(m[1]));
console.log([...sql].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(' | '));
console.log('requests', await sink.ask('count'));
sink.stop();
