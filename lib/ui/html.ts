// HTML for the dashboard's pages: a tagged template that escapes every value put into it (model
// names, error messages and keys are user data), and the layout every page shares. Scripts are
// files under /assets (the pages' Content-Security-Policy allows no inline script).

/** Html is text already safe to put in a page. */
export class Html {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Part = Html | string | number | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(part);
}

/** html`<p>${value}</p>`: values are escaped unless they are Html; arrays are joined. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** modelHref is the link of a model's page. */
export function modelHref(model: string): string {
  return `/model/${encodeURIComponent(model)}`;
}

export interface PageOptions {
  readonly title: string;
  readonly body: Html;
  /** A notice above the content (the state is busy, the state does not exist yet). */
  readonly notice?: Html | undefined;
  /** Scripts under /assets the page loads. */
  readonly scripts?: readonly string[];
  readonly styles?: readonly string[];
}

export function layout(o: PageOptions): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${o.title} · ebb</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/ebb.css">${(o.styles ?? []).map((s) => html`<link rel="stylesheet" href="/assets/${s}">`)}
</head><body>
<nav><a href="/" class="brand">ebb</a> <a href="/">Models</a> <a href="/runs">Runs</a> <a href="/live">Live</a></nav>
<main>${o.notice ? html`<p class="notice" id="notice">${o.notice}</p>` : ''}<h1>${o.title}</h1>
${o.body}</main>
${(o.scripts ?? []).map((s) => html`<script src="/assets/${s}"></script>`)}
</body></html>`.text;
}
