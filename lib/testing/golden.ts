// compareRequests compares the requests a step made with its golden requests.ndjson, field by
// field. The two lists are first aligned (align.ts), so a request added or removed in the
// middle reads as one difference, not as every later request shifted by one. A difference names
// the request made (its 1-based number) and the golden line it is compared with, the field's
// path (`body.email`, `headers.idempotency-key`, `body.items[2].sku`) and both values; a request
// present on one side only is a difference of the whole request. Objects compare without regard
// to key order; arrays compare element by element. Both files are read whole: aligning needs
// them, and golden files are test fixtures of a few thousand requests at most.

import { existsSync, readFileSync } from 'node:fs';
import type { JsonValue } from '../send/offline/index.js';
import { align } from './align.js';
import { TestLayoutError } from './errors.js';

export interface RequestDifference {
  /** 1-based number of the request made; null when it was expected but not made. */
  readonly request: number | null;
  /** 1-based line of the golden file; null when the request was made but not expected. */
  readonly line: number | null;
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

/** compareRequests compares two NDJSON files of request records (a missing file is empty). */
export async function compareRequests(
  expectedFile: string,
  actualFile: string,
  limit = 20,
): Promise<RequestComparison> {
  const expected = records(expectedFile);
  const actual = records(actualFile);
  const differences: RequestDifference[] = [];
  let differenceCount = 0;
  for (const step of align(
    expected.map((r) => r.key),
    actual.map((r) => r.key),
  )) {
    if (step.op === '=') continue;
    const found: RequestDifference[] = [];
    if (step.op === '-')
      found.push({
        request: null,
        line: step.a + 1,
        path: '',
        expected: expected[step.a]!.value,
        actual: undefined,
      });
    else if (step.op === '+')
      found.push({
        request: step.b + 1,
        line: null,
        path: '',
        expected: undefined,
        actual: actual[step.b]!.value,
      });
    else
      diffValues(
        expected[step.a]!.value,
        actual[step.b]!.value,
        '',
        { request: step.b + 1, line: step.a + 1 },
        found,
      );
    differenceCount += found.length;
    for (const d of found) if (differences.length < limit) differences.push(d);
  }
  return { expectedCount: expected.length, actualCount: actual.length, differences, differenceCount };
}

/** records reads an NDJSON file: each line's value and a canonical text (keys sorted) to align on. */
function records(file: string): Array<{ value: JsonValue; key: string }> {
  if (!existsSync(file)) return [];
  const out: Array<{ value: JsonValue; key: string }> = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: JsonValue;
    try {
      value = JSON.parse(line) as JsonValue;
    } catch (err) {
      throw new TestLayoutError(
        `${file}:${i + 1}: not a JSON line (${(err as Error).message}); run ebb test --update to rewrite the file`,
      );
    }
    out.push({ value, key: canonical(value) });
  }
  return out;
}

function canonical(v: JsonValue): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k]!)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** diffValues appends the differences between two JSON values, each with its path. */
export function diffValues(
  expected: JsonValue | undefined,
  actual: JsonValue | undefined,
  path: string,
  where: { readonly request: number; readonly line: number },
  out: RequestDifference[],
): void {
  if (isObject(expected) && isObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    for (const k of keys) diffValues(expected[k], actual[k], joinKey(path, k), where, out);
    return;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      diffValues(expected[i], actual[i], `${path}[${i}]`, where, out);
    }
    return;
  }
  if (expected === undefined && actual === undefined) return;
  if (expected !== undefined && actual !== undefined && expected === actual) return;
  out.push({ ...where, path, expected, actual });
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
  if (d.request === null) return `golden line ${d.line} was expected but not made: ${show(d.expected)}`;
  if (d.line === null) return `request ${d.request} was made but not expected: ${show(d.actual)}`;
  const which =
    d.request === d.line ? `request ${d.request}` : `request ${d.request} (golden line ${d.line})`;
  return `${which}, ${d.path === '' ? 'the request' : d.path}: expected ${show(d.expected)}, got ${show(d.actual)}`;
}

function truncate(s: string, max = 200): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
