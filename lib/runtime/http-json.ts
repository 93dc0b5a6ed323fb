// JSON for the http module, through the interpreter's own json module so a request body and a
// decoded response follow json.encode / json.decode exactly (ints stay ints, rows encode as
// their columns), with errors that say which argument or which response was at fault.

import { call, encodeJSON, json, typeName, type Thread, type Value } from '../starlark/index.js';

const members = (json as unknown as { members: Map<string, Value> }).members;
const DECODE = members.get('decode')!;

/**
 * encodeJson renders `v` as JSON, UTF-8 encoded, as a byte string (json.encode's interpreter
 * string: its characters are the UTF-8 bytes already); `where` names the argument in the error.
 */
export function encodeJson(v: Value, where: string): string {
  try {
    // json.encode's own function, not the builtin through a call: a request a row pays no frame.
    return encodeJSON(v);
  } catch (err) {
    const msg = err instanceof Error ? err.message.replace(/^.*?json\.encode: /s, '') : String(err);
    throw new Error(`${where} cannot be encoded as JSON (a value of type ${typeName(v)}): ${msg}`);
  }
}

/** decodeJsonBytes parses JSON text (an interpreter string: UTF-8 bytes as characters) into Starlark values; a failure throws with the parser's message. */
export function decodeJsonBytes(thread: Thread, bytes: string): Value {
  try {
    return call(thread, DECODE, [bytes]);
  } catch (err) {
    throw new Error(err instanceof Error ? err.message.replace(/^.*?json\.decode: /s, '') : String(err));
  }
}
