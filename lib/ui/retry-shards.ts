// "Send rejected rows again" over a sharded state folder: a row's failure entry lives in the
// shard file its key belongs to, so the action finds (read-only) the shards that hold rejected
// rows of the model and clears them in each of those, opening one shard at a time for writing —
// a shard that holds none is not opened, so a run holding it does not stand in the way. A shard
// busy with a run keeps its rows held back, and the answer says which (409 when nothing at all
// could be changed).

import { rejectedRows } from '../store/state/dashboard.js';
import { retryRejected } from '../run/retry.js';
import type { Sources } from './data.js';
import { readState, writeState } from './state-access.js';
import { statePlaces } from './shard-places.js';

/** What the action answers (retry-action.ts renders it as a page or JSON). */
export interface RetryAnswer {
  readonly status: number;
  readonly title: string;
  readonly text: string;
  readonly extra: object;
}

/** retryInShards sends `name`'s rejected rows again in every shard holding some; undefined when the state is not sharded. */
export async function retryInShards(src: Sources, name: string): Promise<RetryAnswer | undefined> {
  const places = statePlaces(src);
  if (places[0]?.shard === undefined) return undefined;
  const model = src.ctx.project.models.find((m) => m.name.toLowerCase() === name.toLowerCase());
  if (model === undefined)
    return { status: 404, title: 'No such model', text: `retry: no model named ${name}`, extra: {} };
  const keys: string[] = [];
  const busy: string[] = [];
  const shards: Array<{ shard: string; retried: number }> = [];
  for (const place of places) {
    const held = await readState(place, (s) => rejectedRows(s, model.name));
    if (held.ok && held.value === 0) continue;
    const done = held.ok
      ? await writeState(place, (s) => retryRejected(s, src.ctx.project.models, model.name))
      : held;
    if (!done.ok) {
      if (done.reason === 'busy') busy.push(`shard ${place.label}: ${done.message}`);
      continue;
    }
    keys.push(...done.value.keys);
    shards.push({ shard: place.label!, retried: done.value.keys.length });
  }
  const n = keys.length;
  const sent =
    n === 0
      ? `${model.name}: no rejected rows${busy.length > 0 ? ' in the shards that could be read' : ''}`
      : `${model.name}: ${n} rejected ${n === 1 ? 'row is' : 'rows are'} sent again by the next run of ${shards.map((s) => `shard ${s.shard}`).join(', ')}`;
  const left =
    busy.length === 0 ? '' : `; nothing was changed in ${busy.join('; ')}: send them again once it has ended`;
  const status = n === 0 && busy.length > 0 ? 409 : 200;
  return {
    status,
    title: status === 409 ? 'The state is busy' : 'Rejected rows',
    text: sent + left,
    extra: { model: model.name, retried: n, keys: keys.sort(), shards },
  };
}
