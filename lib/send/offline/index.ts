// The offline side of lib/send: a Transport that records requests instead of sending them,
// and the responses it answers with. Used by `ebb run --offline` and `ebb test`.

export { RecordingTransport, type RecordingOptions } from './recording-transport.js';
export { toRecord, isJsonType, type RequestRecord, type JsonValue, type Redact } from './request-record.js';
export {
  Responses,
  loadResponses,
  parseResponses,
  globToRegExp,
  contains,
  DEFAULT_RESPONSE,
  type ResponseRule,
} from './responses.js';
export { ResponsesFileError } from './errors.js';
