// The request inspector: a model's newest HTTP attempts from the request log (_ebb.requests),
// newest first, all or only the failed ones, each with its status, attempt and latency and the
// request and response bodies as the log keeps them (cut at 4 KiB, every secret redacted by the
// run before they were written), so a user sees exactly what the API answered.

import type { RequestRow, RequestsData } from './data.js';
import { html, layout, modelHref, type Html } from './html.js';
import { badge, unavailableNotice, when } from './page-parts.js';

export function requestsPage(data: RequestsData): string {
  const m = data.model;
  const base = `${modelHref(m.name)}/requests`;
  const filter = data.failed_only
    ? html`<a href="${base}">all requests</a> · <strong>failed only</strong>`
    : html`<strong>all requests</strong> · <a href="${base}?failed=1">failed only</a>`;
  const rows = data.requests.map(requestRow);
  return layout({
    title: `${m.name}: requests`,
    notice: unavailableNotice(data.unavailable),
    body: html`<p class="meta"><a href="${modelHref(m.name)}">${m.name}</a> · the newest ${data.requests.length} logged attempts, newest first · ${filter}</p>
${rows.length === 0 ? html`<p id="no-requests">No ${data.failed_only ? 'failed ' : ''}requests are logged for this model.</p>` : html`<table class="list" id="requests"><thead><tr><th>sent</th><th>request</th><th class="num">status</th><th class="num">attempt</th><th class="num">latency</th><th>bodies</th></tr></thead><tbody>${rows}</tbody></table>`}`,
  });
}

function requestRow(r: RequestRow): Html {
  const status =
    r.status === null
      ? badge('error')
      : html`<span class="badge ${r.failed ? 'error' : 'ok'}">${r.status}</span>`;
  return html`<tr class="${r.failed ? 'failed' : 'ok'}"><td>${when(r.sent_at)}</td><td class="mono">${r.method} ${r.url}</td><td class="num">${status}</td><td class="num">${r.attempt}</td><td class="num">${Math.round(r.latency_ms)} ms</td><td>${r.error === null ? '' : html`<p class="error">${r.error}</p>`}<details><summary>request and response</summary><h3>request</h3><pre class="body request-body">${r.request_body ?? ''}</pre><h3>response</h3><pre class="body response-body">${r.response_body ?? ''}</pre></details></td></tr>`;
}
