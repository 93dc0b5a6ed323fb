// Where syntax errors are reported, pinned to line:col. A parse error at a newline or at the
// end of the file goes where the statement or bracket was left unfinished (the end of its
// last token), with an unclosed bracket named: starlark-go reports these at the start of the
// next line, a line after the mistake (test/conformance/known-differences.json). Errors at any
// other token keep starlark-go's positions.

import test from 'ava';
import { parseFile, ScanOrSyntaxError } from '../lib/starlark/index.js';

function syntaxError(src: string): string {
  try {
    parseFile('m.star', src);
  } catch (e) {
    if (e instanceof ScanOrSyntaxError) return e.message;
    throw e;
  }
  return 'no error';
}

test('an unfinished line is reported on that line, at the end of its last token', (t) => {
  t.is(syntaxError('x = 1 +\ny = 2\n'), 'm.star:1:8: got newline, want primary expression');
  t.is(syntaxError('x = 1 +   # note\n\ny = 2\n'), 'm.star:1:8: got newline, want primary expression');
  t.is(syntaxError('a = 1\nb = \n\n\n# c\n'), 'm.star:2:4: got newline, want primary expression');
  t.is(syntaxError('if x\n  y = 1\n'), "m.star:1:5: got newline, want ':'");
  t.is(syntaxError('for x in y\n  pass\n'), "m.star:1:11: got newline, want ':'");
  t.is(syntaxError('x = a.\ny = 1\n'), 'm.star:1:7: not an identifier');
  t.is(syntaxError('x = 1\nif x:\n'), 'm.star:2:6: got end of file, want indent');
});

test('a bracket left open at the end of the file is named, and the error is on the last line with a token', (t) => {
  t.is(syntaxError('x = (1,\n'), "m.star:1:8: got end of file, want ')' (the '(' at 1:5 is not closed)");
  t.is(
    syntaxError('x = [\n1,\n2\n\n'),
    "m.star:3:2: got end of file, want ']' (the '[' at 1:5 is not closed)",
  );
  t.is(
    syntaxError('def f(\n  a,\n  b\n'),
    "m.star:3:4: got end of file, want ')' (the '(' at 1:6 is not closed)",
  );
  t.is(
    syntaxError('x = {"a": [1, 2]\n'),
    "m.star:1:17: got end of file, want '}' (the '{' at 1:5 is not closed)",
  );
  t.is(
    syntaxError('x = a[\n'),
    "m.star:1:7: got end of file, want primary expression (the '[' at 1:6 is not closed)",
  );
});

test("errors at other tokens keep starlark-go's positions and wording", (t) => {
  t.is(syntaxError('x = [1, 2\ny = 3\n'), "m.star:2:2: got identifier, want ']'");
  t.is(syntaxError('x = "abc\ny = 1\n'), 'm.star:1:5: unexpected newline in string');
  t.is(syntaxError('x = """abc\n'), 'm.star:1:5: unexpected EOF in string');
  t.is(syntaxError('x = 1 1\n'), 'm.star:1:8: got int literal, want newline');
  t.is(syntaxError('x = 1)\n'), "m.star:1:6: unexpected ')'");
  t.is(syntaxError('x = 1\n  y = 2\n'), 'm.star:2:3: got indent, want primary expression');
  t.is(syntaxError('x = 1 $\n'), "m.star:1:7: unexpected input character '$'");
  t.is(syntaxError('x = 1 \u0001\n'), "m.star:1:7: unexpected input character '\\x01'");
  t.is(syntaxError('x =`\n'), "m.star:1:4: unexpected input character '`'");
});
