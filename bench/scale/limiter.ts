// bench/scale limiter: the coordinator's shared rate limit, 4 processes taking slots of one key at
// 2,000 requests/s for 10 s through a real PostgreSQL (Debian's server, started here as the
// tests do). Each process records when it was granted each slot; the parent merges them and
// prints the achieved rate (target within 3 % of 2,000/s) and the most grants in any 1 s window
// (must never exceed 2,000). Run: node --import tsx bench/scale/limiter.ts
// (the peer is the configured rate itself: DESIGN §8.)

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PostgresCoordinator } from '../../lib/coordinate/postgres.js';
import { SharedRateLimiter } from '../../lib/send/shared-limiter.js';
import { SEND_DEFAULTS } from '../../lib/send/defaults.js';
import { maxInWindow } from '../../test/helpers/fake-clock.js';
import { startPostgres } from '../../test/helpers/postgres.js';

const RATE = 2_000;
const PROCESSES = 4;
const SECONDS = 10;
const TAKERS = 32;
const slack = Math.max(1000 * SEND_DEFAULTS.rateMargin, SEND_DEFAULTS.rateMinSlackMs);
const interval = (1000 + slack) / RATE;

async function worker(url: string, until: number): Promise<void> {
  const c = await PostgresCoordinator.connect(url);
  const limiter = new SharedRateLimiter(c.leaseSource('bench-2000', interval), interval, slack / 2);
  const grants: number[] = [];
  await Promise.all(
    Array.from({ length: TAKERS }, async () => {
      while (Date.now() < until) grants.push(performance.timeOrigin + (await limiter.take()));
    }),
  );
  await c.close();
  process.stdout.write(JSON.stringify(grants.filter((g) => g < until)));
}

if (process.argv[2] === 'worker') {
  await worker(process.argv[3]!, Number(process.argv[4]));
} else {
  const pg = await startPostgres();
  const start = Date.now() + 5_000; // every process started and connected before the clock starts
  const until = start + SECONDS * 1000;
  const runs = Array.from({ length: PROCESSES }, () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), 'worker', pg.url, String(until)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    return new Promise<number[]>((resolve, reject) =>
      child.on('exit', (code) =>
        code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`worker exited ${code}`)),
      ),
    );
  });
  const grants = (await Promise.all(runs)).flat().filter((g) => g >= start);
  await pg.stop();
  const achieved = grants.length / SECONDS;
  const worst = maxInWindow(grants, 1000);
  console.log(
    `coordinator limiter: ${PROCESSES} processes sharing ${RATE}/1s for ${SECONDS}s: ` +
      `${achieved.toFixed(1)} req/s (${(((achieved - RATE) / RATE) * 100).toFixed(1)} %), at most ${worst} in any 1 s window`,
  );
  process.exit(worst <= RATE ? 0 : 1);
}
