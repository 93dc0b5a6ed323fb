// What a save waiting for its outcome function keeps of its rows (lib/runtime/held-rows.ts):
// rows of a page as the page's source, not the row objects; rows the source could not make the
// same (a dict, a row whose list value was read, a before read as a dict) as themselves. The
// list the function gets makes the rows when read, each equal to the row saved.

import test from 'ava';
import { heldList, holdRows } from '../lib/runtime/held-rows.js';
import { Row, RowShape } from '../lib/runtime/row.js';
import { pageRows, type RowsPage } from '../lib/runtime/rows-page.js';
import { equal, makeDict, makeString, repr, toStarlark } from '../lib/starlark/index.js';
import type { List } from '../lib/starlark/eval/value.js';

const PAGE: RowsPage = {
  columns: ['id', 'email', 'tags'],
  first: 11,
  count: 3,
  data: [
    { kind: 'int', values: BigInt64Array.of(1n, 2n, 3n), nulls: undefined },
    { kind: 'any', values: ['a@x', 'b@x', 'c@x'] },
    { kind: 'any', values: [[1n], [2n], [3n]] },
  ],
  change: Uint8Array.of(0, 1, 0),
  before: [null, { id: 2n, email: 'old@x', tags: [] }, null],
};

function rows(): Row[] {
  const page = pageRows(PAGE, new RowShape(PAGE.columns), 'tracked');
  return [0, 1, 2].map((i) => page.row(i));
}

test('rows whose read values are strings and ints are held as their source, and made again equal with the same values', (t) => {
  const saved = rows();
  t.is(saved[0]!.attr('email'), 'a@x');
  const held = holdRows(saved, [11, 12, 13]);
  t.false('rows' in held, 'the rows themselves are not held');
  const list = heldList(held) as unknown as List;
  t.is(list.len, 3);
  t.not(list.unmade, null, 'len makes no row');
  const made = list.elems as Row[];
  for (let i = 0; i < 3; i++) {
    t.not(made[i], saved[i], 'made again');
    t.true(equal(made[i]!, saved[i]!));
    t.is(made[i]!.seq, saved[i]!.seq);
    t.is(made[i]!.change, saved[i]!.change);
    t.is(repr(made[i]!), repr(saved[i]!));
  }
  t.false(equal(made[0]!, saved[1]!));
  t.is(repr(made[1]!.before), repr(saved[1]!.before));
});

test('a save holding a row whose list or before was read, or a dict, holds its rows themselves', (t) => {
  const listRead = rows();
  listRead[2]!.attr('tags');
  t.true('rows' in holdRows(listRead, [11, 12, 13]));
  const beforeRead = rows();
  beforeRead[1]!.before;
  t.true('rows' in holdRows(beforeRead, [11, 12, 13]));
  const noBefore = rows();
  t.is(repr(noBefore[0]!.before), 'None');
  t.false('rows' in holdRows(noBefore, [11, 12, 13]), 'a before read as None changes nothing');
  const dict = makeDict([[makeString('id'), toStarlark(1n)]]);
  const held = holdRows([dict], [11]);
  t.true('rows' in held);
  t.is((heldList(held) as unknown as List).elems[0], dict);
});
