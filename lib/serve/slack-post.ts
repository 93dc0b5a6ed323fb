// slackRequest builds the request of one Slack message by running @ebb/slack.star's post(), so
// that `ebb serve`'s alerts and a model's messages have one source for the shape of a Slack
// message: the library. It runs here with a minimal host, not a model run: env.get answers
// SLACK_WEBHOOK_URL with the alert's webhook (other names get their default), and http.post
// writes the request down instead of sending it — the alerter sends it, with its own timeout,
// retries and redaction. The model-only names (query, save, outcome, …) are there for the
// library to resolve, and fail if called: post() calls none.

import { readFileSync } from 'node:fs';
import { CATALOG_PREFIX, catalogPath } from '../catalog/catalog.js';
import { MODEL_FILE_OPTIONS, MODEL_GLOBALS } from '../runtime/protocol.js';
import {
  Builtin,
  None,
  Thread,
  type Value,
  call,
  execFile,
  json,
  makeModule,
  structBuiltin,
  toJS,
  toStarlark,
  unpackArgs,
} from '../starlark/index.js';

const LIBRARY = `${CATALOG_PREFIX}slack.star`;

/** The request slack.star's post() makes: where, and the JSON text of the message. */
export interface SlackRequest {
  readonly url: string;
  readonly body: string;
}

/** slackRequest is the request that `slack.post(text)` of @ebb/slack.star makes to `webhookUrl`. */
export function slackRequest(webhookUrl: string, text: string): SlackRequest {
  const made: SlackRequest[] = [];
  const thread = new Thread({ name: LIBRARY, print: () => {} });
  const globals = execFile(
    thread,
    LIBRARY,
    readFileSync(catalogPath(LIBRARY), 'utf8'),
    host(webhookUrl, made),
    MODEL_FILE_OPTIONS,
  );
  const slack = globals.get('post');
  if (slack === undefined) throw new Error(`${LIBRARY} has no post()`);
  call(thread, slack, [toStarlark(text)]);
  if (made.length !== 1) throw new Error(`${LIBRARY}: post() made ${made.length} requests, not one`);
  return made[0]!;
}

/** host is what the library sees: env and http as above, the other model names refusing. */
function host(webhookUrl: string, made: SlackRequest[]): Record<string, Value> {
  const names: Record<string, Value> = {};
  for (const name of MODEL_GLOBALS) names[name] = absent(name);
  names['json'] = json;
  names['struct'] = structBuiltin;
  names['env'] = makeModule('env', {
    get: new Builtin('env.get', (_t, _f, args, kwargs) => {
      const [name, fallback] = unpackArgs('env.get', args, kwargs, 'name', 'default?', 'secret?');
      if (toJS(name!) === 'SLACK_WEBHOOK_URL') return toStarlark(webhookUrl);
      return fallback ?? None;
    }),
  });
  names['http'] = makeModule('http', {
    post: new Builtin('http.post', (_t, _f, args, kwargs) => {
      const [url, body] = unpackArgs('http.post', args, kwargs, 'url', 'json?', 'headers?');
      made.push({ url: String(toJS(url!)), body: JSON.stringify(plain(toJS(body ?? None))) });
      return None;
    }),
  });
  return names;
}

function absent(name: string): Value {
  return new Builtin(name, () => {
    throw new Error(`${name} is not available to ${LIBRARY} outside a model run`);
  });
}

/** plain turns toJS's Maps (Starlark dicts) into objects, for JSON. */
function plain(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}
