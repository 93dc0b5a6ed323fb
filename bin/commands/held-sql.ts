// SQL that starts with a comment (`-- …`) or a minus would be taken for an option: an argument
// of `ebb sql` with a space or a line break in it is never an option, so it is held apart from
// yargs (replaced by a placeholder) and given back as the statement by unheld.

const held: string[] = [];

/** holdSql replaces the arguments of `ebb sql` that yargs would read as options by placeholders. */
export function holdSql(args: readonly string[]): string[] {
  return args.map((a, i) =>
    i > 0 && a.startsWith('-') && /\s/.test(a) ? `\u0000sql${held.push(a) - 1}` : a,
  );
}

/** unheld is the argument a placeholder stands for (any other text as it is). */
export function unheld(text: string): string {
  return text.replace(/^\u0000sql(\d+)$/, (_m, i: string) => held[Number(i)]!);
}
