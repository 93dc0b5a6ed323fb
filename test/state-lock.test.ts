import test from 'ava';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runCommand } from '../lib/commands/run.js';
import { capture, makeProject, REPO, TSX_IMPORT } from './helpers/project.js';
import { withStore } from './helpers/store.js';

/** holdState starts a process that opens the state (as a running ebb would) and waits. */
function holdState(root: string): Promise<{ pid: number; kill: () => Promise<void> }> {
  const script = `
    import { Store } from ${JSON.stringify(join(REPO, 'lib', 'store', 'index.ts'))};
    const s = await Store.open({ path: ${JSON.stringify(join(root, 'state', 'ebb.duckdb'))}, root: ${JSON.stringify(root)} });
    await s.exec('CREATE TABLE IF NOT EXISTS main.held AS SELECT 1 AS x');
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, [TSX_IMPORT, '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () =>
      resolve({
        pid: child.pid!,
        kill: () =>
          new Promise((done) => {
            child.once('exit', () => done());
            child.kill('SIGKILL');
          }),
      }),
    );
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
}

test('a second run on the same state fails at once; a lock left by kill -9 does not block', async (t) => {
  const root = makeProject({ 'models/a/x.sql': 'SELECT 1 AS v' });
  const holder = await holdState(root);
  const c = capture();
  const t0 = Date.now();
  const code = await runCommand({ cwd: root, selectors: [] }, c.io);
  t.is(code, 75, 'EX_TEMPFAIL: the state is busy');
  t.true(Date.now() - t0 < 10_000);
  t.regex(
    c.err(),
    new RegExp(
      `state .*state/ebb\\.duckdb is in use by another ebb process \\(PID ${holder.pid}\\); wait for it to finish`,
    ),
  );
  await holder.kill();
  const c2 = capture();
  t.is(await runCommand({ cwd: root, selectors: [] }, c2.io), 0, c2.err());
  // The killed process's committed work is intact: the state file is not corrupted.
  t.deepEqual(await withStore(root, (s) => s.queryJson('SELECT x FROM main.held')), [{ x: 1 }]);
});
