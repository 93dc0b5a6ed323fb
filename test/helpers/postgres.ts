// A real PostgreSQL for tests: Debian's server binaries (/usr/lib/postgresql/*/bin; .ci/run
// installs the package when a machine lacks it), a new cluster in a temp folder on a free port,
// trust authentication on 127.0.0.1 only, stopped when the test process exits. PostgreSQL
// refuses to run as root, so as root the cluster belongs to the `postgres` user.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Postgres {
  readonly url: string;
  readonly port: number;
  /** Stops the server (fast shutdown: connections are cut, as a crash of the coordinator would). */
  stop(): Promise<void>;
}

function binDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  const v = versions.find((x) => existsSync(join(base, x, 'bin', 'postgres')));
  if (v === undefined) {
    throw new Error(
      'these tests need a PostgreSQL server: apt-get install postgresql (Debian), which .ci/run does on a clean machine',
    );
  }
  return join(base, v, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function pgUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

const started: ChildProcess[] = [];
process.on('exit', () => {
  for (const p of started) p.kill('SIGKILL');
});

/** startPostgres initialises and starts a throwaway cluster. */
export async function startPostgres(): Promise<Postgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'ebb-pg-'));
  const user = pgUser();
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chmodSync(dir, 0o700);
  }
  const data = join(dir, 'data');
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  execFileSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8'],
    {
      ...as,
      stdio: 'ignore',
    },
  );
  const port = await freePort();
  const proc = spawn(
    join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
    { ...as, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  started.push(proc);
  let log = '';
  proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (/ready to accept connections/.test(log)) break;
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`postgres did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGINT');
    await exited;
  };
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, stop };
}
