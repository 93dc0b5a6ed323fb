// How far a model's script runs ahead of the network (lib/runtime/http-module.ts): with every
// request held by the destination, the script issues 12 × @concurrency requests (the Sender
// sends @concurrency of them and queues the rest), then waits; with large bodies it waits
// sooner, once 2 × @concurrency requests hold RUN_AHEAD_BYTES. Nothing here measures time: the
// script cannot print past its mark before the destination answers, and the test waits a while
// before answering, so a script that ran further would be seen printing.

import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { makeProject } from './helpers/project.js';
import { runProject } from './helpers/run.js';

/** A destination that holds every request until release(), counting those that arrived. */
async function holdingSink() {
  const held: ServerResponse[] = [];
  let released = false;
  let arrived = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrived++;
      if (released) res.end('{}');
      else held.push(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrived: () => arrived,
    release() {
      released = true;
      for (const res of held.splice(0)) res.end('{}');
    },
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

function project(rows: number, padBytes: number): string {
  return makeProject({
    'models/src/items.sql': `-- @kind: table\nSELECT range AS id FROM range(${rows})`,
    'models/sync/items.star': `# @kind: tracked
# @unique_key: id
# @concurrency: 2
base = env.get("SINK", secret=False)
pad = "x" * ${padBytes}
for row in query("SELECT id FROM src.items ORDER BY id"):
    http.post(base + "/items", json={"id": row.id, "pad": pad})
    print("sent", row.id)
    save.row(row)
`,
  });
}

/** Runs the project while the sink holds its requests; `mark` prints later, looks, then releases. */
async function runAhead(t: import('ava').ExecutionContext, rows: number, padBytes: number, mark: number) {
  const sink = await holdingSink();
  t.teardown(() => sink.close());
  let seen: { prints: number; arrived: number } | undefined;
  let printed = 0;
  const r = await runProject(project(rows, padBytes), {
    env: { ...process.env, SINK: sink.url },
    onPrint: () => {
      printed++;
      if (printed !== mark) return;
      // The script cannot print more before an answer: once @concurrency requests arrived (on a
      // loaded machine large bodies take a while), look a while later, then answer.
      const until = Date.now() + 30_000;
      const look = (): void => {
        if (sink.arrived() < 2 && Date.now() < until) {
          setTimeout(look, 20);
          return;
        }
        setTimeout(() => {
          seen = { prints: printed, arrived: sink.arrived() };
          sink.release();
        }, 300);
      };
      look();
    },
  });
  t.is(r.code, 0, r.err);
  t.is(printed, rows);
  return seen;
}

test('a script runs 12 × @concurrency requests ahead of a destination that does not answer, then waits', async (t) => {
  const seen = await runAhead(t, 60, 0, 24);
  // 24 requests issued (and printed), 2 of them on the network; the 25th waits for answers.
  t.deepEqual(seen, { prints: 24, arrived: 2 });
});

test('with large bodies the script waits sooner: 2 × @concurrency requests holding 16 MiB', async (t) => {
  // Bodies of 6 MiB: at the 5th request, 4 are unfinished holding 24 MiB.
  const seen = await runAhead(t, 8, 6 * 1024 * 1024, 4);
  t.deepEqual(seen, { prints: 4, arrived: 2 });
});
