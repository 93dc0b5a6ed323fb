// bench/send rate limit: a model with @rate_limit: 200/1s sending for 10 s (2,000 rows) to a
// sink that records when each request arrived. Prints the achieved rate (target within 3 % of
// 200/s) and the most requests seen in any 1 s window (must never exceed 200). Needs
// `npm run build`.

import { EBB, machine } from '../lib.mjs';
import { prepareProject, startSink, timed } from './common.mjs';

const RATE = 200;
const SECONDS = 10;
const ROWS = RATE * SECONDS;

const sink = await startSink('times');
const project = prepareProject(
  `send-rate-${ROWS}`,
  {
    'models/src/items.sql': `-- @kind: table\nSELECT range AS id FROM range(${ROWS})`,
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
# @rate_limit: ${RATE}/1s
# @concurrency: 32
url = env.get("SINK") + "/items"
for row in query("SELECT id FROM src.items ORDER BY id"):
    http.post(url, json=row)
    save.row(row)
`,
  },
  ['src.items'],
);

project.fresh();
await sink.ask('reset');
timed([EBB, 'run', 'sync.items', '--project', project.dir], { SINK: sink.url });
const times = JSON.parse(await sink.ask('times'));
sink.stop();
if (times.length !== ROWS) throw new Error(`the sink got ${times.length} requests, expected ${ROWS}`);
// The rate over the run: requests after the first, over the time from the first to the last.
const span = (times[times.length - 1] - times[0]) / 1000;
const achieved = (times.length - 1) / span;
let worst = 0;
for (let i = 0, j = 0; i < times.length; i++) {
  while (times[i] - times[j] >= 1000) j++;
  worst = Math.max(worst, i - j + 1);
}
console.log(`rate limit: @rate_limit ${RATE}/1s, ${ROWS} requests (${machine()})`);
console.log(
  `  achieved ${achieved.toFixed(1)} requests/s over ${span.toFixed(2)} s (${((achieved / RATE - 1) * 100).toFixed(1)} % from ${RATE})`,
);
console.log(
  `  most requests in any 1 s window: ${worst} (limit ${RATE}: ${worst <= RATE ? 'never above' : 'ABOVE'})`,
);
