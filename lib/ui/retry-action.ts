// The dashboard's one write: "send rejected rows again" for a model, POST /model/NAME/retry
// (a form on the model's page) or POST /api/model/NAME/retry (JSON, for scripts). It does what
// `ebb retry MODEL` does (lib/run/retry.ts) with the state opened for writing for this request
// only: while a run holds the state it answers 409 and changes nothing. A form post must carry
// the form's CSRF value besides the cookie; a script's `Authorization: Bearer` is enough (no
// other site can make a browser send it).

import type { IncomingMessage } from 'node:http';
import { UsageError } from '../errors.js';
import { retryRejected } from '../run/retry.js';
import { csrfToken, sameToken } from './auth.js';
import type { Sources } from './data.js';
import { html, layout, modelHref } from './html.js';
import { retryInShards } from './retry-shards.js';
import { writeState } from './state-access.js';

/** The most bytes of a form post read: it holds one field. */
const MAX_FORM_BYTES = 4096;

export interface ActionAnswer {
  readonly status: number;
  readonly type: 'text/html; charset=utf-8' | 'application/json';
  readonly body: string;
}

export async function retryAction(
  src: Sources,
  req: IncomingMessage,
  name: string,
  api: boolean,
  token: string,
  bearer: boolean,
): Promise<ActionAnswer> {
  const answer = (status: number, title: string, text: string, extra: object = {}): ActionAnswer =>
    api
      ? { status, type: 'application/json', body: JSON.stringify({ ...extra, message: text }) }
      : {
          status,
          type: 'text/html; charset=utf-8',
          body: layout({
            title,
            body: html`<p id="action-result">${text}</p><p><a href="${modelHref(name)}">back to ${name}</a></p>`,
          }),
        };
  const form = new URLSearchParams(await readBody(req));
  if (!bearer && !sameToken(form.get('csrf') ?? req.headers['x-ebb-csrf']?.toString(), csrfToken(token)))
    return answer(
      403,
      'Refused',
      'refused: the form did not come from this dashboard (reload the page and try again)',
    );
  const sharded = await retryInShards(src, name);
  if (sharded !== undefined) return answer(sharded.status, sharded.title, sharded.text, sharded.extra);
  const place = { statePath: src.ctx.statePath, root: src.ctx.project.root };
  let done;
  try {
    done = await writeState(place, (s) => retryRejected(s, src.ctx.project.models, name));
  } catch (err) {
    if (err instanceof UsageError) return answer(404, 'No such model', err.message);
    throw err;
  }
  if (!done.ok) {
    const text = `nothing was changed: ${done.message}; send the rejected rows again once it has ended`;
    return answer(done.reason === 'busy' ? 409 : 404, 'The state is busy', text);
  }
  const { model, keys } = done.value;
  const n = keys.length;
  const text =
    n === 0
      ? `${model.name}: no rejected rows`
      : `${model.name}: ${n} rejected ${n === 1 ? 'row is' : 'rows are'} sent again by the next run`;
  return answer(200, 'Rejected rows', text, { model: model.name, retried: n, keys });
}

/** readBody reads a small request body (a form's fields); a longer one is cut. */
async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    if (text.length < MAX_FORM_BYTES) text += (chunk as Buffer).toString('utf8');
  }
  return text.slice(0, MAX_FORM_BYTES);
}
