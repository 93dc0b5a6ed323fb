// `ebb ui`: the local dashboard of a project (its models as a DAG, run history, a model's runs
// and failed rows, a run in progress, live) until Ctrl-C or SIGTERM. Read-only; bound to
// 127.0.0.1 unless --host says otherwise; the URL printed at start carries the access token.

import { listen } from '../serve/http.js';
import { newToken } from '../ui/auth.js';
import { ProjectView } from '../ui/project-view.js';
import { modelsData } from '../ui/data.js';
import { dashboard } from '../ui/server.js';
import { guarded, type GlobalOptions, type IO } from './io.js';
import { untilStopped } from './until-stopped.js';

export interface UiOptions extends GlobalOptions {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  /** Stops the server like SIGTERM (tests). */
  readonly signal?: AbortSignal | undefined;
}

/** The port the dashboard listens on unless --port says otherwise (ebb serve's is 8420). */
export const DEFAULT_UI_PORT = 8421;

export function uiCommand(options: UiOptions, io: IO): Promise<number> {
  return guarded(
    io,
    async () => {
      const { openContext } = await import('../run/index.js');
      const ctx = openContext(options);
      const view = new ProjectView(ctx.project.root);
      // The first page is built once before the URL is printed: the models' DAG is parsed and
      // DuckDB's first read-only open is paid here (~0.1-0.3 s), not by the user's first page.
      await modelsData({ view, ctx });
      const token = newToken();
      const listening = await listen(
        { dashboard: dashboard({ view, ctx, token }) },
        options.host ?? '127.0.0.1',
        options.port ?? DEFAULT_UI_PORT,
      );
      io.stderr(`ebb ui: ${listening.url}/?token=${token}\n(read-only; Ctrl-C stops)\n`);
      await untilStopped(options.signal);
      await listening.close();
      return 0;
    },
    options.json === true,
  );
}
