// `ebb reshard --to M`: change the number of key shards of a project's state (the shard files
// of one folder, or the unsharded state) without sending a delivered row again or losing a
// failure (lib/run/reshard.ts). It needs every old file free: a run in progress refuses it
// (exit 75). The old files are kept beside the new ones as `….before-reshard`.

import { jsonText } from '../json.js';
import { guarded, type GlobalOptions, type IO } from './io.js';

export interface ReshardOptions extends GlobalOptions {
  /** --to M: the new number of shards (1: one unsharded state). */
  readonly to: number;
}

export function reshardCommand(options: ReshardOptions, io: IO): Promise<number> {
  return guarded(
    io,
    async () => {
      const [{ openContext }, { reshard }] = await Promise.all([
        import('../run/index.js'),
        import('../run/reshard.js'),
      ]);
      const ctx = openContext({ ...options, shard: undefined });
      const models = new Map(ctx.project.models.map((m) => [m.name, m]));
      const r = await reshard(ctx.statePath, ctx.project.root, models, options.to);
      const name = (n: number) => (n === 1 ? 'one unsharded state' : `${n} shards`);
      if (r.finished) io.stderr(`Finished an interrupted reshard from ${name(r.from)} to ${name(r.to)}.\n`);
      else {
        io.stderr(`Resharded from ${name(r.from)} to ${name(r.to)}.\n`);
        const width = Math.max(0, ...r.models.map((m) => m.model.length));
        for (const m of r.models)
          io.stderr(
            `  ${m.model.padEnd(width)}  ${m.rows.map((n, i) => `shard ${i}: ${n}`).join(', ')} delivered rows\n`,
          );
        io.stderr(
          `  ${r.failures} failure ${r.failures === 1 ? 'entry' : 'entries'} kept with their keys' shards\n`,
        );
        if ((r.rekeyed ?? 0) > 0)
          io.stderr(
            `warning: the old shards keyed their requests with different idempotency secrets (made by an earlier ebb, or on volumes of their own): ` +
              `${r.rekeyed} failed or rejected ${r.rekeyed === 1 ? 'row is' : 'rows are'} sent again under new Idempotency-Keys\n`,
          );
        if ((r.views ?? []).length > 0)
          io.stderr(`  views made again by the next run: ${(r.views ?? []).join(', ')}\n`);
      }
      if (r.backups.length > 0)
        io.stderr(
          `The old files are kept as ${r.backups.join(', ')}: delete them once the new shards have run.\n`,
        );
      if (options.json) io.stdout(jsonText(r) + '\n');
      return 0;
    },
    options.json,
  );
}
