// The models' DAG drawn as SVG: a model's column is its depth (the longest path from a model
// that reads no other), nodes stacked in name order within a column, edges as curves from a
// model to those that read it. Simple and stable: the same project draws the same picture.

import { html, modelHref, type Html } from './html.js';

export interface DagNode {
  readonly name: string;
  readonly upstream: readonly string[];
  /** A CSS class of its last status: ok, error, interrupted, skipped, never, failures. */
  readonly status: string;
  /** The text under its name (last status, rows, failures pending). */
  readonly caption: string;
}

const W = 200; // px, a node's width
const H = 44; // px, a node's height
const GAP_X = 70; // px between columns
const GAP_Y = 16; // px between nodes of a column

export function depths(nodes: readonly DagNode[]): Map<string, number> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const of = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return 0; // a cycle: ebb refuses to run it; draw it flat
    visiting.add(name);
    const ups = (byName.get(name)?.upstream ?? []).filter((u) => byName.has(u));
    const d = ups.length === 0 ? 0 : Math.max(...ups.map(of)) + 1;
    visiting.delete(name);
    depth.set(name, d);
    return d;
  };
  for (const n of nodes) of(n.name);
  return depth;
}

export function dagSvg(nodes: readonly DagNode[]): Html {
  const depth = depths(nodes);
  const columns: DagNode[][] = [];
  for (const n of [...nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    (columns[depth.get(n.name)!] ??= []).push(n);
  }
  const at = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) =>
    col.forEach((n, i) => at.set(n.name, { x: c * (W + GAP_X), y: i * (H + GAP_Y) })),
  );
  const width = Math.max(1, columns.length) * (W + GAP_X) - GAP_X + 2;
  const height = Math.max(1, ...columns.map((c) => c.length)) * (H + GAP_Y) - GAP_Y + 2;
  const edges = nodes.flatMap((n) =>
    n.upstream
      .filter((u) => at.has(u))
      .map((u) => {
        const a = at.get(u)!;
        const b = at.get(n.name)!;
        const [x1, y1, x2, y2] = [a.x + W, a.y + H / 2, b.x, b.y + H / 2];
        const mx = (x1 + x2) / 2;
        return html`<path class="edge" d="M${x1 + 1} ${y1 + 1} C${mx} ${y1 + 1}, ${mx} ${y2 + 1}, ${x2 + 1} ${y2 + 1}"/>`;
      }),
  );
  const boxes = nodes.map((n) => {
    const p = at.get(n.name)!;
    return html`<a href="${modelHref(n.name)}" class="node ${n.status}" data-model="${n.name}"><g transform="translate(${p.x + 1},${p.y + 1})"><rect width="${W}" height="${H}" rx="6"/><text x="10" y="18" class="name">${clip(n.name, 26)}</text><text x="10" y="35" class="caption">${clip(n.caption, 30)}</text><title>${n.name}</title></g></a>`;
  });
  return html`<svg class="dag" role="img" aria-label="models and their dependencies" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${edges}${boxes}</svg>`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
