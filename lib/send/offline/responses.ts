// Responses tell the offline recorder how to answer requests, so a test can exercise an API's
// failure paths (a 500 for one key, a 429 with Retry-After, a 409) and scripts that read
// responses. A responses file is a JSON array of entries, tried in order, first match wins:
//
//   [{ "method": "POST", "url": "http://api.test/users", "json": { "id": 3 },
//      "status": 500, "body": { "error": "down" }, "times": 1 }]
//
// Matching: `method` (any case; absent = any), `url` a glob over the whole URL where `*`
// matches any run of characters and everything else is literal (`?` too: URLs are full of
// them), or `url_regex` a JavaScript regular expression searched in the URL (anchor it with
// ^…$ to match the whole); absent = any URL. `json` matches requests whose JSON body holds
// every field given, with equal values (recursively for objects; arrays and scalars equal).
// `json_has` matches a batch: a request whose JSON body is, or holds (at any depth), a list with
// an element holding every field given — e.g. {"email": "bad"} selects the upsert of 100 inputs
// that carries that record, whose answer can then be the API's per-record error body (a 207
// listing it in errors[]) for the outcome function to read.
// Answer: `status` (100–599, required), `headers` (string values), `body` (a string is sent
// as is; anything else as JSON with content-type application/json; absent = `{}`).
// `times` (a positive integer) makes the entry answer that many attempts — retries count —
// after which it no longer matches; absent = every time. Unmatched requests get `200 {}`.

import { readFileSync } from 'node:fs';
import { closest } from '../../suggest.js';
import type { HttpResponse } from '../types.js';
import { ResponsesFileError } from './errors.js';
import type { JsonValue, RequestRecord } from './request-record.js';

export interface ResponseRule {
  readonly method?: string;
  readonly url?: RegExp;
  /** The pattern as written (for messages). */
  readonly urlText?: string;
  readonly json?: JsonValue;
  /** A request whose body has a list with an element holding these fields. */
  readonly jsonHas?: JsonValue;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  readonly times?: number;
}

const KEYS = ['method', 'url', 'url_regex', 'json', 'json_has', 'status', 'headers', 'body', 'times'];

const encoder = new TextEncoder();

/** The answer to every request no rule matches. */
export const DEFAULT_RESPONSE: HttpResponse = Object.freeze({
  status: 200,
  headers: Object.freeze({ 'content-type': 'application/json' }),
  body: encoder.encode('{}'),
});

/** Responses answers requests from a list of rules; each rule counts the attempts it answered. */
export class Responses {
  readonly rules: readonly ResponseRule[];
  readonly #used: number[];

  constructor(rules: readonly ResponseRule[] = []) {
    this.rules = rules;
    this.#used = rules.map(() => 0);
  }

  /** answer gives the response for a request (as recorded, before redaction of its body). */
  answer(req: Pick<RequestRecord, 'method' | 'url' | 'body'>): HttpResponse {
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i]!;
      if (rule.times !== undefined && this.#used[i]! >= rule.times) continue;
      if (!matches(rule, req)) continue;
      this.#used[i]!++;
      return { status: rule.status, headers: rule.headers, body: rule.body };
    }
    return DEFAULT_RESPONSE;
  }
}

function matches(rule: ResponseRule, req: Pick<RequestRecord, 'method' | 'url' | 'body'>): boolean {
  if (rule.method !== undefined && rule.method !== req.method.toUpperCase()) return false;
  if (rule.url !== undefined && !rule.url.test(req.url)) return false;
  if (rule.json !== undefined && (req.body === undefined || !contains(req.body, rule.json))) return false;
  if (rule.jsonHas !== undefined && (req.body === undefined || !listHas(req.body, rule.jsonHas)))
    return false;
  return true;
}

/** listHas tells whether `actual` is or holds, at any depth, a list with an element that contains `wanted`. */
export function listHas(actual: JsonValue, wanted: JsonValue): boolean {
  if (Array.isArray(actual)) return actual.some((v) => contains(v, wanted) || listHas(v, wanted));
  if (isObject(actual)) return Object.values(actual).some((v) => listHas(v, wanted));
  return false;
}

/** contains tells whether `actual` holds `wanted`: every field of a wanted object, recursively. */
export function contains(actual: JsonValue, wanted: JsonValue): boolean {
  if (isObject(wanted)) {
    if (!isObject(actual)) return false;
    return Object.entries(wanted).every(([k, v]) => Object.hasOwn(actual, k) && contains(actual[k]!, v));
  }
  if (Array.isArray(wanted)) {
    return (
      Array.isArray(actual) &&
      actual.length === wanted.length &&
      wanted.every((v, i) => contains(actual[i]!, v))
    );
  }
  return actual === wanted;
}

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** globToRegExp turns a URL glob (`*` = any characters) into an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const parts = glob.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 's');
}

/** loadResponses reads and validates a responses file; every problem names the file and entry. */
export function loadResponses(file: string): Responses {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ResponsesFileError(file, `cannot be read (${(err as Error).message})`);
  }
  return new Responses(parseResponses(text, file));
}

/** parseResponses validates the text of a responses file (named `file` in messages). */
export function parseResponses(text: string, file: string): ResponseRule[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ResponsesFileError(
      file,
      `is not valid JSON: ${jsonErrorWithLine((err as Error).message, text)}`,
    );
  }
  if (!Array.isArray(data)) {
    throw new ResponsesFileError(
      file,
      'must hold a JSON array of entries like {"method": "POST", "url": "http://api.test/*", "status": 500}',
    );
  }
  return data.map((entry, i) => parseRule(entry, `entry ${i + 1}`, file));
}

type Fail = (msg: string) => never;
type RuleDraft = { -readonly [K in keyof ResponseRule]: ResponseRule[K] };

function parseRule(entry: unknown, where: string, file: string): ResponseRule {
  const fail: Fail = (msg: string): never => {
    throw new ResponsesFileError(file, `${where}: ${msg}`);
  };
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return fail('must be an object');
  const e = entry as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (!KEYS.includes(key)) {
      const near = closest(key, KEYS);
      fail(
        `unknown field "${key}"${near ? ` (did you mean "${near}"?)` : ''}; fields are ${KEYS.join(', ')}`,
      );
    }
  }
  const rule: RuleDraft = { status: 0, headers: {}, body: DEFAULT_RESPONSE.body };
  parseMatch(e, rule, fail);
  parseAnswer(e, rule, fail);
  if (e['times'] !== undefined) {
    const t = e['times'];
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1)
      fail(`"times" must be a positive integer, not ${JSON.stringify(t)}`);
    rule.times = t as number;
  }
  return rule;
}

/** parseMatch reads what a rule matches: method, url or url_regex, json, json_has. */
function parseMatch(e: Record<string, unknown>, rule: RuleDraft, fail: Fail): void {
  if (e['method'] !== undefined) {
    if (typeof e['method'] !== 'string' || !/^[A-Za-z]+$/.test(e['method']))
      fail('"method" must be a method name like "POST"');
    rule.method = (e['method'] as string).toUpperCase();
  }
  if (e['url'] !== undefined && e['url_regex'] !== undefined)
    fail('give "url" (a glob) or "url_regex", not both');
  if (e['url'] !== undefined) {
    if (typeof e['url'] !== 'string') fail('"url" must be a string (a glob where * matches any characters)');
    rule.url = globToRegExp(e['url'] as string);
    rule.urlText = e['url'] as string;
  }
  if (e['url_regex'] !== undefined) {
    if (typeof e['url_regex'] !== 'string') fail('"url_regex" must be a string holding a regular expression');
    try {
      rule.url = new RegExp(e['url_regex'] as string);
    } catch (err) {
      fail(`"url_regex" is not a valid regular expression: ${(err as Error).message}`);
    }
    rule.urlText = e['url_regex'] as string;
  }
  if (e['json'] !== undefined) rule.json = e['json'] as JsonValue;
  if (e['json_has'] !== undefined) {
    if (e['json_has'] === null || typeof e['json_has'] !== 'object' || Array.isArray(e['json_has']))
      fail(
        '"json_has" must be an object: the fields an element of the request\'s list holds, e.g. {"email": "bad"}',
      );
    rule.jsonHas = e['json_has'] as JsonValue;
  }
}

/** parseAnswer reads what a rule answers: status, headers, body (JSON unless a string). */
function parseAnswer(e: Record<string, unknown>, rule: RuleDraft, fail: Fail): void {
  const status = e['status'];
  if (status === undefined) fail('"status" is missing (the HTTP status to answer, e.g. 500)');
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    fail(`"status" must be an integer from 100 to 599, not ${JSON.stringify(status)}`);
  }
  rule.status = status as number;

  const headers: Record<string, string> = {};
  if (e['headers'] !== undefined) {
    const h = e['headers'];
    if (h === null || typeof h !== 'object' || Array.isArray(h))
      fail('"headers" must be an object of header names to string values');
    for (const [name, value] of Object.entries(h as Record<string, unknown>)) {
      if (typeof value !== 'string' && typeof value !== 'number') fail(`header "${name}" must be a string`);
      headers[name.toLowerCase()] = String(value);
    }
  }
  const body = e['body'];
  if (typeof body === 'string') {
    rule.body = encoder.encode(body);
  } else {
    rule.body = body === undefined ? DEFAULT_RESPONSE.body : encoder.encode(JSON.stringify(body));
    headers['content-type'] ??= 'application/json';
  }
  rule.headers = headers;
}

/** jsonErrorWithLine adds the line and column to a JSON.parse message that gives a position. */
function jsonErrorWithLine(message: string, text: string): string {
  const m = /at position (\d+)/.exec(message);
  if (!m || /\(line \d+/.test(message)) return message;
  const pos = Number(m[1]);
  const before = text.slice(0, pos).split('\n');
  return `${message} (line ${before.length} column ${before.at(-1)!.length + 1})`;
}
