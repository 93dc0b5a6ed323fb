// compareRequests compares the requests a step made with its golden requests.ndjson, request by
// request in order, field by field, reading both files as streams. A difference names the
// request (its 1-based number, which is also its line in the golden file), the field's path
// (`body.email`, `headers.idempotency-key`, `body.items[2].sku`) and both values; a request
// present on one side only is a difference of the whole request. Objects compare without
// regard to key order; arrays compare element by element.

import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { JsonValue } from '../send/offline/index.js';
import { TestLayoutError } from './errors.js';

export interface RequestDifference {
  /** 1-based request number (the golden file's line). */
  readonly request: number;
  /** The field's path in the request; '' for the whole request. */
  readonly path: string;
  /** undefined: absent on that side. */
  readonly expected: JsonValue | undefined;
  readonly actual: JsonValue | undefined;
}

export interface RequestComparison {
  readonly expectedCount: number;
  readonly actualCount: number;
  /** The first differences (at most `limit`). */
  readonly differences: readonly RequestDifference[];
  /** How many differences there are in all, shown or not. */
  readonly differenceCount: number;
}

/** compareRequests compares two NDJSON files of request records. */
export async function compareRequests(expectedFile: string, actualFile: string, limit = 20): Promise<RequestComparison> {
  const expected = lines(expectedFile);
  const actual = lines(actualFile);
  const differences: RequestDifference[] = [];
  let differenceCount = 0;
  let expectedCount = 0;
  let actualCount = 0;
  for (let n = 1; ; n++) {
    const [e, a] = await Promise.all([expected.next(), actual.next()]);
    if (e.done && a.done) break;
    if (!e.done) expectedCount++;
    if (!a.done) actualCount++;
    const found: RequestDifference[] = [];
    diffValues(e.done ? undefined : parseLine(e.value, expectedFile, n), a.done ? undefined : parseLine(a.value, actualFile, n), '', n, found);
    differenceCount += found.length;
    for (const d of found) if (differences.length < limit) differences.push(d);
  }
  return { expectedCount, actualCount, differences, differenceCount };
}

async function* lines(file: string): AsyncGenerator<string> {
  if (!existsSync(file)) return;
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) if (line.trim() !== '') yield line;
}

function parseLine(line: string, file: string, n: number): JsonValue {
  try {
    return JSON.parse(line) as JsonValue;
  } catch (err) {
    throw new TestLayoutError(`${file}: request ${n} is not a JSON line (${(err as Error).message}); run ebb test --update to rewrite the file`);
  }
}

/** diffValues appends the differences between two JSON values, each with its path. */
export function diffValues(
  expected: JsonValue | undefined,
  actual: JsonValue | undefined,
  path: string,
  request: number,
  out: RequestDifference[],
): void {
  if (isObject(expected) && isObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    for (const k of keys) diffValues(expected[k], actual[k], joinKey(path, k), request, out);
    return;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      diffValues(expected[i], actual[i], `${path}[${i}]`, request, out);
    }
    return;
  }
  if (expected === undefined && actual === undefined) return;
  if (expected !== undefined && actual !== undefined && expected === actual) return;
  out.push({ request, path, expected, actual });
}

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function joinKey(path: string, key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** describeDifference renders one difference for a person, e.g. `request 2, body.email: expected "a", got "b"`. */
export function describeDifference(d: RequestDifference): string {
  const show = (v: JsonValue | undefined) => (v === undefined ? '(absent)' : truncate(JSON.stringify(v)));
  if (d.path === '') {
    if (d.actual === undefined) return `request ${d.request} was expected but not made: ${show(d.expected)}`;
    if (d.expected === undefined) return `request ${d.request} was made but not expected: ${show(d.actual)}`;
  }
  return `request ${d.request}, ${d.path === '' ? 'the request' : d.path}: expected ${show(d.expected)}, got ${show(d.actual)}`;
}

function truncate(s: string, max = 200): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
