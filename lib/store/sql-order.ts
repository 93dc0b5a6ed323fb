// orderedBy asks DuckDB's parser what a SELECT's own result is sorted by: the column names
// of its top-level ORDER BY when every term is a plain column, ascending (or the default).
// A tracked model's query is usually `… ORDER BY <key>`; its delta can then keep that order
// instead of sorting the rows a second time.

import { serializedSql } from './sql-tables.js';
import type { Store } from './store.js';

interface OrderTerm {
  readonly type?: string;
  readonly expression?: { readonly class?: string; readonly column_names?: readonly string[] };
}

interface Modifier {
  readonly type?: string;
  readonly orders?: readonly OrderTerm[];
}

/** orderedBy gives the columns `sql` is sorted by (see above), or undefined: unknown, or not sorted that way. */
export async function orderedBy(store: Store, sql: string): Promise<string[] | undefined> {
  try {
    const tree = await serializedSql(store, sql);
    if (tree.error || tree.statements?.length !== 1) return undefined;
    const statement = tree.statements[0] as { node?: { modifiers?: readonly Modifier[] } };
    const modifiers = statement.node?.modifiers ?? [];
    // The last ORDER BY decides the order; a LIMIT or OFFSET after it keeps that order.
    const order = [...modifiers].reverse().find((m) => m.type === 'ORDER_MODIFIER');
    if (order === undefined || (order.orders ?? []).length === 0) return undefined;
    const names: string[] = [];
    for (const term of order.orders ?? []) {
      const parts = term.expression?.column_names;
      if (term.expression?.class !== 'COLUMN_REF' || parts?.length !== 1) return undefined;
      if (term.type !== 'ORDER_DEFAULT' && term.type !== 'ASCENDING') return undefined;
      names.push(parts[0]!);
    }
    return names;
  } catch {
    // Not parsable on its own (parameters, say): the delta sorts the rows itself.
    return undefined;
  }
}
