// `ebb demo-server`: the demo CRM API (lib/demo/crm-server.ts) as a command, so the README's
// tutorial has a real local endpoint to sync to wherever ebb is installed. It runs until
// Ctrl-C, then writes its data and exits 0.

import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { guarded, type IO } from './io.js';

export interface DemoServerOptions {
  readonly cwd: string;
  readonly port: number;
  readonly data?: string | undefined;
  readonly token?: string | undefined;
  readonly ratePerSecond?: number | undefined;
}

export function demoServerCommand(
  options: DemoServerOptions,
  io: IO,
  stop: Promise<unknown>,
): Promise<number> {
  return guarded(io, async () => {
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
      throw new UsageError(`--port must be a port number (0-65535), not ${String(options.port)}`);
    }
    if (options.ratePerSecond !== undefined && !(options.ratePerSecond > 0)) {
      throw new UsageError(
        `--rate must be a positive number of requests per second, not ${String(options.ratePerSecond)}`,
      );
    }
    const { startCrm } = await import('../demo/crm-server.js');
    const data = options.data === undefined ? undefined : resolve(options.cwd, options.data);
    const crm = await startCrm({
      port: options.port,
      data,
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(options.ratePerSecond === undefined ? {} : { ratePerSecond: options.ratePerSecond }),
    });
    io.stdout(`${crm.url}\n`);
    io.stderr(
      `demo CRM API listening on ${crm.url}\n` +
        `  token:  ${crm.token}   (send it as "authorization: Bearer ${crm.token}")\n` +
        `  routes: GET/POST /contacts, GET/PATCH/DELETE /contacts/ID, POST /deals/batch/upsert, GET /tickets?page=N\n` +
        `  data:   ${data ?? 'in memory'}\n` +
        `Ctrl-C stops it.\n`,
    );
    await stop;
    await crm.close();
    io.stderr(`demo CRM API stopped after ${crm.stats.requests} requests\n`);
    return 0;
  });
}
