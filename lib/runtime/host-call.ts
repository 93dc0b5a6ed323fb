// callAs makes a host call from a builtin of a model's script: a failure reads like the
// builtin's own error ("query: …"), unless the host already said where it came from.

import { HostCallError, type Client } from './channel.js';
import type { ModelOps } from './protocol.js';

export function callAs<K extends keyof ModelOps & string>(
  client: Client<ModelOps>,
  fn: string,
  op: K,
  payload: ModelOps[K]['req'],
): ModelOps[K]['rep'] {
  try {
    return client.call(op, payload);
  } catch (err) {
    if (err instanceof HostCallError && err.origin === undefined)
      throw new Error(`${fn}: ${err.message}`, { cause: err });
    throw err;
  }
}
