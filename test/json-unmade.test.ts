// A list json.decode left unmade (JsonArray in lib/starlark/lib/json/decode.ts: a large array
// inside the value, made when first read) must behave in every way as the list decoded at once:
// each snippet below runs on a fresh decode of the same text, once with every nested array left
// unmade and once with none, and must give the same result or the same error. test/json-decode
// checks the values and errors of the decoding itself.
import test from 'ava';
import { Dict } from '../lib/starlark/eval/hashtable.js';
import { List } from '../lib/starlark/eval/value.js';
import { decodeJSON } from '../lib/starlark/lib/json/decode.js';
import {
  Builtin,
  EvalError,
  Thread,
  execFile,
  freeze,
  json,
  repr,
  type Value,
} from '../lib/starlark/index.js';

const TEXT = JSON.stringify({
  a: [3, 1, 2, 1, 'x', null, true, 1.5],
  d: [
    { k: 1, t: [1, 2] },
    { k: 2, t: [] },
    { k: 3, t: [[4]] },
  ],
  s: ['b', 'a\u00e9"\\', 'c'],
  e: [],
});

/** run is `r` as the snippet leaves it, or its error, with `decode()` a fresh decode of TEXT. */
function run(snippet: string, unmadeFrom: number): string {
  const decode = new Builtin('decode', () => decodeJSON(Buffer.from(TEXT).toString('latin1'), unmadeFrom));
  try {
    const g = execFile(new Thread(), 'unmade.star', `x = decode()\n${snippet}`, { decode, json });
    return repr(g.get('r')!);
  } catch (e) {
    return e instanceof EvalError ? `error: ${e.msg}` : `thrown: ${String(e)}`;
  }
}

const SNIPPETS = [
  // reading
  'r = [len(x["a"]), len(x["d"]), len(x["e"]), type(x["a"])]',
  'r = [x["a"][0], x["a"][-1], x["d"][1]["t"], x["d"][2]["t"][0][0]]',
  'r = x["a"][9]',
  'r = x["a"][-9]',
  'r = [x["a"][1:3], x["a"][::-1], x["a"][::3], x["a"][5:1:-2], x["e"][1:]]',
  'r = [str(x), repr(x["s"]), str(x["d"])]',
  'r = [x["a"] == [3, 1, 2, 1, "x", None, True, 1.5], x["a"] != x["s"], x["e"] == [], x["d"] == decode()["d"]]',
  'r = [bool(x["a"]), bool(x["e"]), 1 in x["a"], "y" in x["a"], x["a"].index(2), x["s"].index("c")]',
  'r = [list(x["a"]), tuple(x["s"]), x["a"] + x["e"], x["s"] * 2, sorted(x["a"][:4])]',
  'r = [k for k in x["d"]] + [[e["k"], len(e["t"])] for e in x["d"] if e["k"] > 1]',
  'r = list(enumerate(x["s"])) + list(zip(x["a"], x["s"]))',
  'r = [json.encode(x), json.encode(x["d"][2])]',
  'r = {"k": x["a"][:2]}',
  'def f():\n    r = []\n    for e in x["d"]:\n        r.append(e["t"])\n    return r\nr = f()',
  'r = [e for e in x["a"] if e == 1]',
  // mutation
  'x["a"].append(9)\nr = x["a"]',
  'x["a"].extend(x["s"])\nr = [x["a"], len(x["a"])]',
  'r = [x["a"].pop(), x["a"].pop(0), x["a"]]',
  'x["a"].insert(1, "i")\nx["a"].remove(1)\nr = x["a"]',
  'x["a"].clear()\nr = [x["a"], len(x["a"])]',
  'x["a"][0] = 7\nx["a"] += [8]\nr = x["a"]',
  'x["d"][0]["k"] = 10\nx["d"][1]["t"].append(5)\nr = [x["d"][0], x["d"][1]["t"]]',
  'e = x["d"][2]\ne["k"] = 30\nr = x["d"]',
  'def f():\n    for e in x["a"]:\n        x["a"].append(1)\nf()',
  'r = [e for e in x["d"] if x["d"].pop()]',
  'x["e"].append(x["e"])\nr = len(x["e"])',
];

test('a list left unmade reads, compares, prints and mutates as the list decoded at once', (t) => {
  for (const snippet of SNIPPETS) {
    const got = run(snippet, 0);
    t.is(got, run(snippet, Infinity), snippet);
    t.false(got.startsWith('thrown'), `${snippet}: ${got}`);
  }
  t.is(run(SNIPPETS[0]!, 0), '[8, 3, 0, "list"]', 'the snippets run');
});

test('an unmade list is made when frozen, and its elements frozen with it', (t) => {
  const d = decodeJSON(TEXT, 0) as Dict;
  const l = d.ht.get('d') as List;
  t.not(l.unmade, null);
  freeze(d);
  t.true(l.frozen);
  t.is(l.unmade, null);
  t.true((l.elems[0] as Dict).ht.frozen);
  t.true(((l.elems[2] as Dict).ht.get('t') as List).frozen);
});

test('the elements read before the list is made are the ones it holds after', (t) => {
  const d = decodeJSON(TEXT, 0) as Dict;
  const g = execFile(new Thread(), 'unmade.star', 'e = x[1]\ne["k"] = 20\nn = len(x)\ny = x[0:2]', {
    x: d.ht.get('d') as Value,
  });
  const l = d.ht.get('d') as List;
  t.not(l.unmade, null, 'indexing, len and slicing leave it unmade');
  t.is(l.elems[1], g.get('e'));
  t.is((l.elems[1] as Dict).ht.get('k'), 20);
  t.is((g.get('y') as List).elems[1], l.elems[1]);
  t.is(g.get('n'), 3);
});
