// json.decode (lib/starlark/lib/json/decode.ts), which response.json() uses: its fast paths (a
// string without escapes taken by indexOf, an int of up to 15 characters without a BigInt, loops
// on char codes) must decode exactly as before — ints vs floats, big ints, key order, duplicate
// keys, \\u escapes and raw UTF-8 as bytes — and fail with the same messages at the same offsets.

import test from 'ava';
import fc from 'fast-check';
import { Dict } from '../lib/starlark/eval/hashtable.js';
import { Float, List, None, type Value } from '../lib/starlark/eval/value.js';
import { decodeJSON } from '../lib/starlark/lib/json/decode.js';

/** shape is a value with its Starlark types and the dicts' key order spelled out. */
function shape(v: Value): unknown {
  if (v === None) return null;
  if (typeof v === 'number' || typeof v === 'bigint') return ['int', String(v)];
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Float) return ['float', v.v];
  if (v instanceof List) return ['list', v.elems.map(shape)];
  if (v instanceof Dict) return ['dict', [...v.ht.m].map(([k, x]) => [k, shape(x)])];
  return ['other', String(v)];
}

/** bytes is text as the interpreter holds it: its UTF-8 bytes as characters. */
const bytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

// What the decoder answered before its fast paths (an offset and a reason, or OK).
const ERRORS: Array<[string, string]> = [
  ['', 'json.decode: at offset 0, unexpected end of file'],
  [' ', 'json.decode: at offset 1, unexpected end of file'],
  ['[1,]', "json.decode: at offset 3, unexpected character ']'"],
  ['nul', "json.decode: at offset 0, unexpected character 'n'"],
  ['1 2', "json.decode: at offset 2, unexpected character '2' after value"],
  ['{1: 2}', 'json.decode: at offset 2, got int for object key, want string'],
  ['"\\x"', "json.decode: at offset 4, invalid character 'x' in string escape code"],
  ['NaN', "json.decode: at offset 0, unexpected character 'N'"],
  ['[1, 2', 'json.decode: at offset 5, unexpected end of file'],
  ['{"a" 1}', "json.decode: at offset 5, after object key, got '1', want ':' "],
  ['[01]', 'json.decode: at offset 3, invalid number: 01'],
  ['-', 'json.decode: at offset 1, invalid number: -'],
  ['-a', 'json.decode: at offset 1, invalid number: -'],
  ['1.', 'OK'],
  ['.5', "json.decode: at offset 0, unexpected character '.'"],
  ['1e', 'json.decode: at offset 2, invalid number: 1e'],
  ['"abc', 'json.decode: at offset 0, unclosed string literal'],
  ['{"a":1,}', "json.decode: at offset 7, unexpected character '}'"],
  ['{"a":1 "b":2}', "json.decode: at offset 7, in object, got '\"', want ',' or '}'"],
  ['[1 2]', "json.decode: at offset 3, got '2', want ',' or ']'"],
  ['{"a":[}', "json.decode: at offset 6, unexpected character '}'"],
  ['tru', "json.decode: at offset 0, unexpected character 't'"],
  ['[-]', 'json.decode: at offset 2, invalid number: -'],
  ['1e999', 'json.decode: at offset 5, invalid number: 1e999'],
  ['{', 'json.decode: at offset 1, unexpected end of file'],
  ['[', 'json.decode: at offset 1, unexpected end of file'],
  ['{"a"', 'json.decode: at offset 4, unexpected end of file'],
  ['{"a":', 'json.decode: at offset 5, unexpected end of file'],
  ['"\\ud800"', 'OK'],
  ['"\\u12"', "json.decode: at offset 6, invalid character '1' in \\u hexadecimal character escape"],
  ['[1]x', "json.decode: at offset 3, unexpected character 'x' after value"],
  ['{]', "json.decode: at offset 1, unexpected character ']'"],
  ['{"a":1]', "json.decode: at offset 6, in object, got ']', want ',' or '}'"],
  ['[}', "json.decode: at offset 1, unexpected character '}'"],
  ['+1', "json.decode: at offset 0, unexpected character '+'"],
  ['00', 'json.decode: at offset 2, invalid number: 00'],
  ['-01', 'json.decode: at offset 3, invalid number: -01'],
  ['1.5.5', 'json.decode: at offset 5, invalid number: 1.5.5'],
  ['0x10', "json.decode: at offset 1, unexpected character 'x' after value"],
  ['"a\\', 'json.decode: at offset 0, unclosed string literal'],
  ['[true false]', "json.decode: at offset 6, got 'f', want ',' or ']'"],
];

test('invalid texts fail with the same message at the same offset', (t) => {
  for (const [text, want] of ERRORS) {
    if (want === 'OK') t.notThrows(() => decodeJSON(text), text);
    else t.is(t.throws(() => decodeJSON(text))?.message, want, text);
  }
});

/** A JSON value as generated: what its text must decode to, and its text. */
interface Case {
  want: unknown;
  text: string;
}

const space = fc.constantFrom('', ' ', '\n  ', '\t');
// Strings: ASCII, non-ASCII, quotes, backslashes and control characters, some written as \u escapes.
const strings = fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), fc.boolean()).map(([s, escape]) => ({
  value: s,
  text: escape
    ? `"${[...s].map((ch) => (ch.length === 1 ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : bytes(JSON.stringify(ch).slice(1, -1)))).join('')}"`
    : bytes(JSON.stringify(s)),
}));
const cases: fc.Arbitrary<Case> = fc.letrec<{ value: Case }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer().map((n) => ({ want: ['int', String(n)], text: String(n) })),
    fc
      .bigInt({ min: -(10n ** 22n), max: 10n ** 22n })
      .map((n) => ({ want: ['int', String(n)], text: String(n) })),
    fc.integer({ min: -1000, max: 1000 }).map((n) => ({ want: ['float', n], text: `${n}.0` })),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => ({
      want: ['float', d === 0 ? 0 : d],
      text: Number.isInteger(d) && !String(d).includes('e') ? `${d}.0` : String(d),
    })),
    fc.constantFrom<Case>(
      { want: true, text: 'true' },
      { want: false, text: 'false' },
      { want: null, text: 'null' },
    ),
    strings.map((s) => ({ want: bytes(s.value), text: s.text })),
    fc.tuple(fc.array(tie('value'), { maxLength: 5 }), space).map(([items, sp]) => ({
      want: ['list', items.map((c) => c.want)],
      text: `[${sp}${items.map((c) => c.text).join(`,${sp}`)}${sp}]`,
    })),
    fc.tuple(fc.array(fc.tuple(strings, tie('value')), { maxLength: 5 }), space).map(([entries, sp]) => {
      // A key given twice keeps its first place and takes its last value.
      const m = new Map<string, unknown>();
      for (const [k, c] of entries) m.set(bytes(k.value), c.want);
      return {
        want: ['dict', [...m]],
        text: `{${sp}${entries.map(([k, c]) => `${k.text}${sp}:${sp}${c.text}`).join(`,${sp}`)}${sp}}`,
      };
    }),
  ),
})).value;

test('generated JSON decodes to the values it was written from', (t) => {
  fc.assert(
    fc.property(cases, space, (c, sp) => {
      t.deepEqual(shape(decodeJSON(`${sp}${c.text}${sp}`)), c.want);
    }),
    { numRuns: 3000, seed: 18 },
  );
  // The cases the int fast path must leave alone, and a -0.
  t.deepEqual(shape(decodeJSON('[123456789012345, -12345678901234, 9007199254740993, -0, 1.0]')), [
    'list',
    [
      ['int', '123456789012345'],
      ['int', '-12345678901234'],
      ['int', '9007199254740993'],
      ['int', '0'],
      ['float', 1],
    ],
  ]);
  // A string whose quote follows a backslash, after strings without one.
  t.deepEqual(shape(decodeJSON('["a", "b\\"c", "d"]')), ['list', ['a', 'b"c', 'd']]);
});

test('a key at the place of a key of the previous object or text is taken as that key only when the text is exactly it', (t) => {
  // The decoder keeps the keys it read last at each depth and position: each text below is
  // decoded after one whose object had "ab" (or "cd") there.
  const ab = (v: unknown) => ['list', [['dict', [['ab', v]]]]];
  const cases: Array<[string, unknown]> = [
    [
      '[{"ab": 1, "cd": 2}, {"ab": 3, "cd": 4}]',
      [
        'list',
        [
          [
            'dict',
            [
              ['ab', ['int', '1']],
              ['cd', ['int', '2']],
            ],
          ],
          [
            'dict',
            [
              ['ab', ['int', '3']],
              ['cd', ['int', '4']],
            ],
          ],
        ],
      ],
    ],
    ['[{"a": 1}]', ['list', [['dict', [['a', ['int', '1']]]]]]],
    ['[{"ab": 1}]', ab(['int', '1'])],
    ['[{"abc": 1}]', ['list', [['dict', [['abc', ['int', '1']]]]]]],
    ['[{"ab": 1}]', ab(['int', '1'])],
    ['[{"ab\\"": 1}]', ['list', [['dict', [['ab"', ['int', '1']]]]]]],
    ['[{"ab\\\\": 1}]', ['list', [['dict', [['ab\\', ['int', '1']]]]]]],
    ['[{"\\u0061b": 2}]', ab(['int', '2'])],
    ['[{"ab": 1, "ab": 2}]', ab(['int', '2'])],
    [
      '[{"ab": 1, "cd": 2}]',
      [
        'list',
        [
          [
            'dict',
            [
              ['ab', ['int', '1']],
              ['cd', ['int', '2']],
            ],
          ],
        ],
      ],
    ],
    [
      '[{"cd": 1, "ab": 2}]',
      [
        'list',
        [
          [
            'dict',
            [
              ['cd', ['int', '1']],
              ['ab', ['int', '2']],
            ],
          ],
        ],
      ],
    ],
    [
      bytes('[{"ab": 1}, {"ab": "é"}]'),
      [
        'list',
        [
          ['dict', [['ab', ['int', '1']]]],
          ['dict', [['ab', bytes('é')]]],
        ],
      ],
    ],
    [bytes('[{"é": 1}]'), ['list', [['dict', [[bytes('é'), ['int', '1']]]]]]],
  ];
  for (const [text, want] of cases) t.deepEqual(shape(decodeJSON(text)), want, text);
  // Texts that are not JSON fail as before, after a key was read at that place: "ab", or the
  // key written "ab\\"" (its text is not the string it decodes to, so it is never taken from there).
  const invalid: Array<[string, string, string]> = [
    ['[{"ab": 1}]', '[{"ab"c": 1}]', "json.decode: at offset 6, after object key, got 'c', want ':' "],
    ['[{"ab": 1}]', '[{"ab"', 'json.decode: at offset 6, unexpected end of file'],
    ['[{"ab": 1}]', '[{"ab', 'json.decode: at offset 2, unclosed string literal'],
    ['[{"ab\\"": 1}]', '[{"ab"": 1}]', `json.decode: at offset 6, after object key, got '"', want ':' `],
  ];
  for (const [before, text, want] of invalid) {
    decodeJSON(before);
    t.is(t.throws(() => decodeJSON(text))?.message, want, text);
  }
});

test('non-ASCII bytes are found in short and long texts alike (a scratch buffer, or a regexp past 1 MiB)', (t) => {
  // An ASCII string with a control character is taken as it is; with a non-ASCII byte it is
  // unquoted by JSON's rules, which refuse the control character.
  for (const pad of [0, 20_000, (1 << 20) + 5]) {
    const a = 'a'.repeat(pad);
    t.deepEqual(shape(decodeJSON(`["${a}b\x01"]`)), ['list', [`${a}b\x01`]]);
    t.is(
      t.throws(() => decodeJSON(bytes(`["${a}é\x01"]`)))?.message,
      `json.decode: at offset ${pad + 6}, invalid character '\\x01' in string literal`,
    );
    t.deepEqual(shape(decodeJSON(bytes(`{"${a}": "é"}`))), ['dict', [[a, bytes('é')]]]);
  }
});

// Large arrays inside a value are checked and left unmade (JsonArray, scan.ts), made when first
// read. Whether an array is left unmade must change nothing: the same values, and for a text
// that is not JSON the same error at the same offset, raised by json.decode itself. unmadeFrom
// 0 leaves every nested array unmade; Infinity none (the eager decoder as before).

/** outcome is what json.decode gives for text: the value's shape, or its error's message. */
function outcome(text: string, unmadeFrom: number): unknown {
  let v: Value;
  try {
    v = decodeJSON(text, unmadeFrom);
  } catch (e) {
    return (e as Error).message;
  }
  // Outside the try: making an unmade array must never fail.
  return shape(v);
}

/** Texts that are not JSON inside arrays and objects, each at offsets the scan must get right. */
const nested = (text: string) => [
  `[${text}]`,
  `[[${text}]]`,
  `{"a": [1, ${text}]}`,
  `[{"a": [${text}, 2]}, 3]`,
  `[[{"b": "x\\"y"}, [${text}]], [[]]]`,
];

test('arrays left unmade decode to the same values, and a text that is not JSON fails at once as before', (t) => {
  // 16: some arrays are left unmade, others scanned, found small and parsed.
  const same = (x: string) => {
    const eager = outcome(x, Infinity);
    t.deepEqual(outcome(x, 0), eager, x);
    t.deepEqual(outcome(x, 16), eager, x);
  };
  for (const [text] of ERRORS) for (const x of [text, ...nested(text)]) same(x);
  // Every edit of a generated text: the same value or error either way.
  const edits = fc.tuple(
    cases,
    fc.nat(),
    fc.constantFrom(
      '',
      '[',
      ']',
      '{',
      '}',
      ',',
      ':',
      '"',
      '\\',
      '\x01',
      '-',
      '0',
      'e',
      '.',
      ' ',
      'n',
      '\xe9',
    ),
  );
  fc.assert(
    fc.property(edits, ([c, at, ch]) => {
      for (const x of nested(c.text)) {
        const k = at % (x.length + 1);
        for (const edited of [x.slice(0, k) + ch + x.slice(k), x.slice(0, k) + ch + x.slice(k + 1)])
          same(edited);
      }
    }),
    { numRuns: 1500, seed: 6 },
  );
});

test('an array inside the value is left unmade only when large and well formed', (t) => {
  const list = (v: Value, key: string) => (v as Dict).ht.get(key) as List;
  const big = `[${Array.from({ length: 200 }, (_, i) => `{"id": "${i}", "tags": ["a", "b"]}`).join(', ')}]`;
  const mid = `[${Array.from({ length: 20 }, (_, i) => `[${i}]`).join(', ')}]`;
  const long = `[${Array.from({ length: 300 }, (_, i) => i).join(', ')}]`;
  const d = decodeJSON(`{"big": ${big}, "long": ${long}, "mid": ${mid}, "small": [1, 2], "empty": []}`);
  t.not(list(d, 'big').unmade, null);
  t.is(list(d, 'big').len, 200);
  t.not(list(d, 'long').unmade, null);
  t.is(list(d, 'long').len, 300);
  t.is(list(d, 'mid').unmade, null);
  t.is(list(d, 'small').unmade, null);
  t.is(list(d, 'empty').unmade, null);
  // The value itself is read at once; an array large but not JSON is parsed (and fails).
  t.is((decodeJSON(big) as List).unmade, null);
  t.is(
    t.throws(() => decodeJSON(`{"big": ${big.slice(0, -1)}}`))?.message,
    `json.decode: at offset ${big.length + 7}, got '}', want ',' or ']'`,
  );
  // Made when first read, once: the same element objects on every read.
  const l = list(d, 'big');
  const first = l.elems[0];
  t.is(l.unmade, null);
  t.is(l.elems[0], first);
  t.deepEqual(shape(first!), [
    'dict',
    [
      ['id', '0'],
      ['tags', ['list', ['a', 'b']]],
    ],
  ]);
});

test('arrays inside one the scan gave up on are not scanned again: each character once, however deep', (t) => {
  // 100 nested arrays: the scan of the first gives up at the 65th '[' (64 levels deep), so the
  // 2nd to 64th are parsed without a scan of their own (each would scan on to the same place:
  // quadratic in the depth); the 65th is scanned and left unmade (36 levels inside it).
  const depth = 100;
  const d = decodeJSON(`{"a": ${'['.repeat(depth)}1${']'.repeat(depth)}}`, 0) as Dict;
  const unmade: number[] = [];
  let v = d.ht.get('a') as Value;
  for (let level = 1; level <= depth; level++) {
    const l = v as List;
    if (l.unmade !== null) unmade.push(level);
    v = l.elems[0]!;
  }
  t.is(v, 1);
  t.is(unmade[0], 65);
  // Deep texts decode as before.
  for (const text of [`${'['.repeat(3000)}${']'.repeat(3000)}`, `[${'[1],'.repeat(20_000)}[2]]`])
    t.deepEqual(outcome(text, 1024), outcome(text, Infinity));
});
