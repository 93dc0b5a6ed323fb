// bench/send outcomes: what per-record outcomes cost. 200,000 rows in batches of 100 against a
// local HubSpot-shaped sink (a child process, no latency) that answers 207 with errors[] for
// the 1 % of inputs with an invalid email (naming each by its objectWriteTraceId), 200
// otherwise. The same sync twice in one run, each on a fresh copy of the state: with
// save.rows(batch, outcome=per_record) — the rejected rows recorded in _ebb.failures, the rest
// acknowledged — and with save.rows(batch), acknowledging whole batches (the path before
// outcomes). Prints both rates and the ratio (target: outcomes cost ≤ 10 %, ratio ≥ 0.90).
// Needs `npm run build`. BENCH_OUTCOME_ROWS and BENCH_ROUNDS override the sizes.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { EBB, machine } from '../lib.mjs';
import { prepareProject } from './common.mjs';

const ROWS = Number(process.env.BENCH_OUTCOME_ROWS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const BATCH = 100;
const INFLIGHT = 16;
const REJECTED = ROWS / 100;

const SINK = `
const http = require('node:http');
let n = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    n++;
    const inputs = JSON.parse(Buffer.concat(chunks).toString('utf8')).inputs;
    const errors = [];
    const results = [];
    for (const i of inputs) {
      if (i.properties.email.includes('@')) results.push({ id: String(i.id), properties: i.properties });
      else errors.push({ status: 'error', category: 'VALIDATION_ERROR',
        message: 'Property values were not valid: email ' + i.properties.email,
        context: { objectWriteTraceId: [i.objectWriteTraceId] } });
    }
    res.writeHead(errors.length ? 207 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'COMPLETE', results, errors, numErrors: errors.length }));
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.stdin.on('data', (d) => {
  if (d.toString().trim() === 'reset') n = 0;
  process.stdout.write(n + '\\n');
});
`;

async function startSink() {
  const child = spawn(process.execPath, ['-e', SINK], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  const waiters = [];
  let buffer = '';
  child.stdout.on('data', (d) => {
    buffer += d.toString();
    for (let i; (i = buffer.indexOf('\n')) >= 0; buffer = buffer.slice(i + 1)) {
      const line = buffer.slice(0, i);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const next = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((r) => waiters.push(r)));
  const port = Number(await next());
  return {
    url: `http://127.0.0.1:${port}`,
    ask(cmd) {
      child.stdin.write(`${cmd}\n`);
      return next();
    },
    stop: () => child.kill(),
  };
}

const model = (outcomes) => `# @kind: tracked
# @unique_key: id
# @concurrency: ${INFLIGHT}
url = env.get("SINK") + "/crm/v3/objects/contacts/batch/upsert"

# Each input's objectWriteTraceId is its position in the batch, so the function's work is per
# error, not per row: every row accepted, then the refused ones replaced.
def per_record(response, rows):
    if response.status_code != 207:
        return None
    out = [outcome.accepted] * len(rows)
    for e in response.json()["errors"]:
        for trace in e["context"]["objectWriteTraceId"]:
            out[int(trace)] = outcome.rejected(e["message"])
    return out

def upsert(batch):
    inputs = [{"id": r.id, "objectWriteTraceId": str(i), "properties": {"email": r.email, "plan": r.plan}} for i, r in enumerate(batch)]
    http.post(url, json={"inputs": inputs})
    save.rows(batch${outcomes ? ', outcome=per_record' : ''})

batch = []
for row in query("SELECT id, email, plan FROM src.contacts ORDER BY id"):
    batch.append(row)
    if len(batch) == ${BATCH}:
        upsert(batch)
        batch = []
if batch:
    upsert(batch)
`;

const SOURCE = `-- @kind: table\nSELECT range AS id, CASE WHEN range % 100 = 42 THEN 'user' || range ELSE 'user' || range || '@example.com' END AS email, ['free', 'pro'][1 + range % 2] AS plan FROM range(${ROWS})`;

const variants = {
  outcomes: prepareProject(
    `send-outcomes-${ROWS}`,
    { 'models/src/contacts.sql': SOURCE, 'models/sync/contacts.star': model(true) },
    ['src.contacts'],
  ),
  whole: prepareProject(
    `send-outcomes-whole-${ROWS}`,
    { 'models/src/contacts.sql': SOURCE, 'models/sync/contacts.star': model(false) },
    ['src.contacts'],
  ),
};

const sink = await startSink();

/** run syncs one variant on a fresh state and checks what it sent and recorded. */
async function run(name) {
  const project = variants[name];
  project.fresh();
  await sink.ask('reset');
  const useTime = existsSync('/usr/bin/time');
  const args = [EBB, 'run', 'sync.contacts', '--json', '--project', project.dir];
  const t0 = performance.now();
  const r = spawnSync(
    useTime ? '/usr/bin/time' : process.execPath,
    useTime ? ['-f', '__RSS %M', process.execPath, ...args] : args,
    {
      encoding: 'utf8',
      env: { ...process.env, SINK: sink.url },
      maxBuffer: 1 << 26,
    },
  );
  const ms = performance.now() - t0;
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const result = lines.find((l) => l.model === 'sync.contacts');
  const requests = Number(await sink.ask('count'));
  const want =
    name === 'outcomes'
      ? { code: 3, saved: ROWS - REJECTED, rejected: REJECTED }
      : { code: 0, saved: ROWS, rejected: 0 };
  if (
    r.status !== want.code ||
    result?.saved !== want.saved ||
    result?.rejected !== want.rejected ||
    requests !== ROWS / BATCH
  )
    throw new Error(
      `${name}: exit ${r.status}, ${JSON.stringify(result)}, ${requests} requests; want ${JSON.stringify(want)}\n${r.stderr.slice(-2000)}`,
    );
  const rss = /__RSS (\d+)/.exec(r.stderr);
  return { ms, rssKiB: rss ? Number(rss[1]) : null };
}

const best = { outcomes: { ms: Infinity }, whole: { ms: Infinity } };
for (let i = 0; i < ROUNDS; i++) {
  for (const name of i % 2 === 0 ? ['outcomes', 'whole'] : ['whole', 'outcomes']) {
    const r = await run(name);
    if (r.ms < best[name].ms) best[name] = r;
  }
}
sink.stop();
const rate = (name) => ROWS / (best[name].ms / 1000);
const mib = (k) => (k ? `${(k / 1024).toFixed(0)} MiB` : 'n/a');
console.log(
  `outcomes: ${ROWS.toLocaleString('en-US')} rows in batches of ${BATCH}, 1 % rejected (207), ${INFLIGHT} in flight, best of ${ROUNDS} (${machine()})`,
);
for (const [name, label] of [
  ['outcomes', 'per-record outcomes'],
  ['whole', 'whole batches'],
])
  console.log(
    `  ${label.padEnd(22)} ${rate(name).toFixed(0).padStart(8)} rows/s   (${(best[name].ms / 1000).toFixed(2)} s, peak RSS ${mib(best[name].rssKiB)})`,
  );
console.log(
  `  ratio outcomes / whole   ${(rate('outcomes') / rate('whole')).toFixed(2)}×   (target ≥ 0.90×: outcomes cost ≤ 10 %)`,
);
