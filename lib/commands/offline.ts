// withOfflineProject opens a project for `ebb run --offline FILE`: the run works on a scratch
// copy of the state (see lib/store/snapshot.ts), so the models run fully — tables built, the
// delta found, acknowledgements made — yet the state file is byte-for-byte the same afterwards;
// and its requests go to a RecordingTransport writing FILE, so none leaves the process.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openContext, type Context } from '../run/index.js';
import { RecordingTransport, loadResponses } from '../send/offline/index.js';
import { offlineRedactor, sealDuckDB } from '../testing/index.js';
import { Store } from '../store/index.js';
import { copyState } from '../store/snapshot.js';
import { guarded, type GlobalOptions, type IO } from './io.js';

export interface OfflineOptions extends GlobalOptions {
  /** --offline FILE: where the requests are written (NDJSON, one request a line). */
  readonly offline?: string | undefined;
  /** --responses FILE: how to answer them (the format of a test step's responses.json). */
  readonly responses?: string | undefined;
}

export function withOfflineProject(
  options: OfflineOptions,
  io: IO,
  body: (ctx: Context, store: Store, transport: RecordingTransport) => Promise<number>,
): Promise<number> {
  return guarded(io, async () => {
    const ctx = openContext(options);
    const file = resolve(options.cwd, options.offline ?? 'requests.ndjson');
    const responses =
      options.responses === undefined ? undefined : loadResponses(resolve(options.cwd, options.responses));
    const scratch = mkdtempSync(join(tmpdir(), 'ebb-offline-'));
    try {
      const path = ctx.statePath === ':memory:' ? ':memory:' : join(scratch, 'state.duckdb');
      if (path !== ':memory:') await copyState(ctx.statePath, path);
      const store = await Store.open({
        path,
        root: ctx.project.root,
        ...(ctx.setup === undefined ? {} : { setup: ctx.setup.steps }),
      });
      await sealDuckDB(store).catch((err: unknown) => {
        store.close();
        throw err;
      });
      const redactor = offlineRedactor(ctx.project, options.env ?? process.env);
      const transport = new RecordingTransport({
        file,
        redact: (t) => redactor.redact(t),
        learn: (secret) => redactor.add(secret),
        ...(responses ? { responses } : {}),
      });
      try {
        const code = await body({ ...ctx, statePath: path }, store, transport);
        io.stderr(
          `Offline: ${transport.count} ${transport.count === 1 ? 'request' : 'requests'} recorded to ${file}; nothing was sent and the state is unchanged.\n`,
        );
        return code;
      } finally {
        await transport.close();
        store.close();
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
}
