// schemaChange compares a tracked model's table with its query's columns: columns the query
// gained (added to the table, NULL for delivered rows — a NULL column does not change a hash)
// and columns whose type changed (adopted when every stored value keeps its canonical form,
// else refused; see TrackedSession). Pure: decided from the two column lists.

import type { Column } from './canonical.js';

export interface Retype {
  readonly name: string;
  readonly from: Column['type'];
  readonly to: Column['type'];
}

export interface SchemaChange {
  readonly added: readonly Column[];
  readonly retyped: readonly Retype[];
  /** Key columns the table does not have: the @unique_key changed. */
  readonly missingKeys: readonly string[];
}

export function schemaChange(
  stored: readonly Column[],
  current: readonly Column[],
  keys: readonly string[],
): SchemaChange {
  const have = new Map(stored.map((c) => [c.name.toLowerCase(), c]));
  const added: Column[] = [];
  const retyped: Retype[] = [];
  for (const c of current) {
    const old = have.get(c.name.toLowerCase());
    if (!old) added.push(c);
    // The full type text tells DECIMAL widths, MAP value types, ENUM members, ARRAY sizes and STRUCT fields apart.
    else if (old.type.toString() !== c.type.toString())
      retyped.push({ name: old.name, from: old.type, to: c.type });
  }
  const missingKeys = keys.filter((k) => !have.has(k.toLowerCase()));
  return { added, retyped, missingKeys };
}

export function isEmpty(change: SchemaChange): boolean {
  return change.added.length === 0 && change.retyped.length === 0;
}
