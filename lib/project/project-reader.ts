// Reader: how the project file's sections are read — each value checked for its type, each
// problem recorded with the line of the YAML node it is about (through the `yaml` library's
// LineCounter), an unknown key with the closest known one — so that every mistake of the file is
// reported at once (./project-file.ts gathers them).

import { isMap, isScalar, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import { PROBLEM_CODES, type ProjectProblem } from '../errors.js';
import { closest } from '../suggest.js';

export type ScalarValue = string | number | boolean;

/** Where problems of one file are gathered, each with the line of the node it is about. */
export class Reader {
  readonly problems: ProjectProblem[] = [];
  readonly #lines: LineCounter;
  readonly #file: string;

  constructor(file: string, lines: LineCounter) {
    this.#file = file;
    this.#lines = lines;
  }

  line(node: Node | Pair | null | undefined): number {
    const start = node && 'range' in node && node.range ? node.range[0] : undefined;
    const key = node && 'key' in node ? (node.key as Node | null) : undefined;
    const offset = start ?? (key?.range ? key.range[0] : 0);
    return this.#lines.linePos(offset).line;
  }

  problem(at: Node | Pair | null | undefined, message: string): void {
    this.problems.push({ code: PROBLEM_CODES.projectFile, file: this.#file, line: this.line(at), message });
  }

  /** entries lists a mapping's `key: value` pairs, reporting a non-mapping or a non-string key. */
  entries(node: unknown, what: string): Array<{ key: string; value: unknown; pair: Pair }> {
    if (!isMap(node)) {
      this.problem(node as Node, `${what} must be a mapping of names to values`);
      return [];
    }
    const out: Array<{ key: string; value: unknown; pair: Pair }> = [];
    for (const pair of (node as YAMLMap).items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) this.problem(pair, `${what}: a key must be a plain name`);
      else out.push({ key, value: pair.value, pair });
    }
    return out;
  }

  scalar(node: unknown, what: string): ScalarValue | undefined {
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    }
    this.problem(node as Node, `${what} must be a string, a number or true/false`);
    return undefined;
  }

  string(node: unknown, what: string): string | undefined {
    if (isScalar(node) && typeof node.value === 'string' && node.value !== '') return node.value;
    this.problem(node as Node, `${what} must be a non-empty string`);
    return undefined;
  }

  /** unknownKey reports a key that is not one of `known`, with the closest one. */
  unknownKey(pair: Pair, key: string, known: readonly string[], where: string): void {
    const guess = closest(key, known);
    this.problem(
      pair,
      `unknown key "${key}" in ${where}${guess ? `; did you mean "${guess}"?` : ''} (known: ${known.join(', ')})`,
    );
  }
}
