// queryBody turns a model's query text into an expression that can be nested as a subquery:
// `(body)`. The text may end with semicolons, comments and blank space in any order
// (`SELECT 1; -- the users`); those are dropped. Quotes and comments are followed, so a
// `;` or `--` inside a string or an identifier is never taken for the end.

/** queryBody returns `sql` without its trailing semicolons and comments. */
export function queryBody(sql: string): string {
  let end = 0; // just after the last character that is part of the statement
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === "'" || c === '"') {
      i = closingQuote(sql, i, c);
      end = i;
    } else if (c === '$' && /^\$[A-Za-z_]*\$/.test(sql.slice(i))) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))![0];
      const close = sql.indexOf(tag, i + tag.length);
      i = close < 0 ? n : close + tag.length;
      end = i;
    } else if (c === ';' || /\s/.test(c)) {
      i++;
    } else {
      i++;
      end = i;
    }
  }
  return sql.slice(0, end);
}

/** closingQuote returns the index after the quote that closes the one at `start` ('' and "" escape). */
function closingQuote(sql: string, start: number, q: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === q) {
      if (sql[i + 1] === q) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}
