// align lines up two sequences (the golden requests and the requests made) so that one added or
// removed request reads as one difference instead of shifting every request after it. It is
// Myers' O(ND) shortest edit script, run between the common prefix and suffix, and bounded:
// past `maxEdits` it gives up and pairs the sequences by position.

/** One step of the alignment: a pair (`=` equal, `~` changed), or an item of one side only. */
export type Aligned =
  | { readonly op: '=' | '~'; readonly a: number; readonly b: number }
  | { readonly op: '-'; readonly a: number }
  | { readonly op: '+'; readonly b: number };

/** align returns the alignment of `a` and `b` (compared with ===) in order. */
export function align(a: readonly string[], b: readonly string[], maxEdits = 2000): Aligned[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const middle =
    editScript(a.slice(start, endA), b.slice(start, endB), maxEdits) ??
    byPosition(endA - start, endB - start);
  const out: Aligned[] = [];
  for (let i = 0; i < start; i++) out.push({ op: '=', a: i, b: i });
  out.push(...pairChanges(middle.map((s) => shift(s, start))));
  for (let i = 0; endA + i < a.length; i++) out.push({ op: '=', a: endA + i, b: endB + i });
  return out;
}

function shift(s: Aligned, by: number): Aligned {
  if (s.op === '-') return { op: '-', a: s.a + by };
  if (s.op === '+') return { op: '+', b: s.b + by };
  return { op: s.op, a: s.a + by, b: s.b + by };
}

/** pairChanges turns each run of removals followed by additions into changed pairs first. */
function pairChanges(steps: Aligned[]): Aligned[] {
  const out: Aligned[] = [];
  let i = 0;
  while (i < steps.length) {
    if (steps[i]!.op === '=' || steps[i]!.op === '~') {
      out.push(steps[i++]!);
      continue;
    }
    const removed: number[] = [];
    const added: number[] = [];
    while (i < steps.length && (steps[i]!.op === '-' || steps[i]!.op === '+')) {
      const s = steps[i++]!;
      if (s.op === '-') removed.push(s.a);
      else if (s.op === '+') added.push(s.b);
    }
    const n = Math.min(removed.length, added.length);
    for (let k = 0; k < n; k++) out.push({ op: '~', a: removed[k]!, b: added[k]! });
    for (let k = n; k < removed.length; k++) out.push({ op: '-', a: removed[k]! });
    for (let k = n; k < added.length; k++) out.push({ op: '+', b: added[k]! });
  }
  return out;
}

function byPosition(n: number, m: number): Aligned[] {
  const out: Aligned[] = [];
  for (let i = 0; i < Math.min(n, m); i++) out.push({ op: '~', a: i, b: i });
  for (let i = m; i < n; i++) out.push({ op: '-', a: i });
  for (let i = n; i < m; i++) out.push({ op: '+', b: i });
  return out;
}

/** editScript is Myers' algorithm; undefined when more than maxEdits edits are needed. */
function editScript(a: readonly string[], b: readonly string[], maxEdits: number): Aligned[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)
          ? v[offset + k + 1]!
          : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, offset, n, m, d);
    }
  }
  return undefined;
}

function backtrack(
  trace: readonly Int32Array[],
  offset: number,
  n: number,
  m: number,
  dEnd: number,
): Aligned[] {
  const out: Aligned[] = [];
  let x = n;
  let y = m;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d]!;
    const k = x - y;
    const down = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!);
    const prevK = down ? k + 1 : k - 1;
    const prevX = v[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) out.push({ op: '=', a: --x, b: --y });
    if (down) out.push({ op: '+', b: --y });
    else out.push({ op: '-', a: --x });
  }
  while (x > 0 && y > 0) out.push({ op: '=', a: --x, b: --y });
  return out.reverse();
}
