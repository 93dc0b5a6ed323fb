// A model's page: what it reads and what reads it, its last runs with their counts (new,
// changed, deleted, saved, failed, unsaved), and its failed rows grouped by message, with the
// rows themselves listed and searchable by key; for a tracked model, what the next run would
// send (fetched by the page's script once shown: see page-plan.ts).

import type { ModelData } from './data.js';
import { html, layout, modelHref } from './html.js';
import {
  when,
  badge,
  count,
  DETAIL_COUNTS,
  detailsOf,
  seconds,
  shardCell,
  shardHead,
  unavailableNotice,
} from './page-parts.js';

/** modelPage: `csrf` is what the page's form (send rejected rows again) posts with it. */
export function modelPage(data: ModelData, csrf: string): string {
  const m = data.model;
  const links = (names: readonly string[]) =>
    names.length === 0
      ? html`<em>none</em>`
      : names.map((n, i) => html`${i > 0 ? ', ' : ''}<a href="${modelHref(n)}">${n}</a>`);
  const sharded =
    data.runs.some((r) => r.shard !== undefined) || data.failure_groups.some((g) => g.shard !== undefined);
  const runs = data.runs.map((r) => {
    const d = detailsOf(r.details);
    return html`<tr><td>${when(r.started_at)}</td>${shardCell(sharded, r.shard)}<td>${badge(r.status)}</td><td class="num">${count(r.rows)}</td>${DETAIL_COUNTS.map((k) => html`<td class="num">${count(d[k])}</td>`)}<td class="num">${seconds(r.duration_ms)}</td><td class="error">${r.error ?? ''}</td></tr>`;
  });
  const groups = data.failure_groups.map(
    (g) =>
      html`<tr>${shardCell(sharded, g.shard)}<td class="num">${count(g.rows)}</td><td class="num">${g.status ?? ''}</td><td class="error">${g.error}</td><td>${when(g.last_failed_at)}</td></tr>`,
  );
  const failures = data.failures.map(
    (f) =>
      html`<tr>${shardCell(sharded, f.shard)}<td class="mono key">${f.key}</td><td>${f.change}</td><td class="mono">${f.method} ${f.url}</td><td class="num">${f.status ?? ''}</td><td class="num">${f.attempts}</td><td class="error">${f.error}</td></tr>`,
  );
  return layout({
    title: m.name,
    notice: unavailableNotice(data.unavailable),
    body: html`<p class="meta">${m.kind} model · <span class="mono">${m.file}</span> · reads ${links(m.upstream)} · read by ${links(data.downstream)} · <a href="${modelHref(m.name)}/requests" id="requests-link">requests</a></p>
<h2>Last runs</h2>
<table class="list" id="model-runs"><thead><tr><th>started</th>${shardHead(sharded)}<th>status</th><th class="num">rows</th>${DETAIL_COUNTS.map((k) => html`<th class="num">${k}</th>`)}<th class="num">duration</th><th>error</th></tr></thead><tbody>${runs}</tbody></table>
<h2>Failures by message</h2>
${groups.length === 0 ? html`<p id="no-failures">No failed rows are waiting.</p>` : html`<table class="list" id="failure-groups"><thead><tr>${shardHead(sharded)}<th class="num">rows</th><th class="num">status</th><th>message</th><th>last failed</th></tr></thead><tbody>${groups}</tbody></table>`}
${data.rejected > 0 ? html`<form method="post" action="${modelHref(m.name)}/retry" id="retry-form" class="search"><input type="hidden" name="csrf" value="${csrf}"><button>Send rejected rows again</button> <span class="meta">${count(data.rejected)} ${data.rejected === 1 ? 'row' : 'rows'} the API rejected: sent again by the next run (as <code>ebb retry ${m.name}</code>)</span></form>` : ''}
<h2>Failed rows</h2>
<form method="get" class="search"><input type="search" name="key" placeholder="search by key" value="${data.search}" aria-label="search by key"> <button>Search</button></form>
<table class="list" id="failures"><thead><tr>${shardHead(sharded)}<th>key</th><th>change</th><th>request</th><th class="num">status</th><th class="num">attempts</th><th>message</th></tr></thead><tbody>${failures}</tbody></table>
${m.kind === 'tracked' ? html`<h2>Next run</h2><section id="plan" data-src="${modelHref(m.name)}/plan"><p>Working out what the next run would send…</p></section>` : ''}`,
    scripts: ['plan.js'],
  });
}
