// json.encode of a query row writes the row's columns through Row.jsonFields (no dict built):
// the text must be exactly what encoding the row's dict gives — keys in json.encode's order,
// repeated and non-ASCII names, every kind of value — and floats keep Go's %g form through
// the fast path for fixed notation.

import test from 'ava';
import { formatG, shortestGFromDigits } from '../lib/starlark/eval/float-format.js';
import {
  call,
  json,
  makeFloat,
  makeList,
  makeString,
  None,
  Thread,
  type Value,
} from '../lib/starlark/index.js';
import { Row, RowShape } from '../lib/runtime/row.js';
import { prng } from './helpers/prng.js';

const encode = (json as unknown as { members: Map<string, Value> }).members.get('encode')!;
const enc = (v: Value) => call(new Thread(), encode, [v]) as string;

test('a row encodes as its dict does: key order, repeated and non-ASCII names, escapes, every kind', (t) => {
  const names = ['b', 'a', 'B', 'é', 'z"q', 'a', '_', 'tab\t', 'n'];
  const values: Value[] = [
    makeString('x<y>&z'),
    1,
    makeFloat(0.1),
    makeString('é ü\u2028'),
    None,
    true,
    makeFloat(-2.5e-7),
    makeString('q"\\'),
    12345678901234567890n,
  ];
  const row = new Row(new RowShape(names), values, 'plain', 1);
  const text = enc(row);
  t.is(text, enc(row.toJSON()));
  t.true(text.startsWith('{"B":0.1,"_":-2.5e-07,"a":true,"b":"x<y>&z","n":12345678901234567890,'), text);
  // A batch of rows, as http.post(url, json={"inputs": batch}) sends it.
  const other = new Row(
    new RowShape(names),
    values.map((v, i) => (i === 1 ? 2 : v)),
    'plain',
    2,
  );
  t.is(enc(makeList([row, other])), enc(makeList([row.toJSON(), other.toJSON()])));
});

/** The shortest %g text as Go writes it, computed the long way (the reference for the fast path). */
const goG = shortestGFromDigits;

test('floats keep the %g form of Go: edges of fixed notation and 20,000 random values', (t) => {
  const edges = [
    1e-4,
    0.0001,
    0.00009999999999999999,
    1e-5,
    999999,
    999999.5,
    999999.9999999999,
    1e6,
    1e21,
    123.45,
    0.1,
    1 / 3,
    2 ** 53,
    5e-324,
    100000,
    0.5,
  ];
  for (const f of edges) {
    t.is(formatG(f), goG(f), String(f));
    t.is(formatG(-f), goG(-f), String(-f));
  }
  const rnd = prng(20261129);
  for (let i = 0; i < 20000; i++) {
    const f = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
    if (formatG(f) !== goG(f)) t.fail(`${f}: ${formatG(f)} vs ${goG(f)}`);
  }
  t.pass();
});
