// The "next run" part of a model's page: how many rows the next run would send as new, changed
// and deleted, and a few of them (the fields that changed, with their saved and new values).
// Computing it reads the model's whole query, so the page asks for it after it is shown.

import { jsonText } from '../json.js';
import type { PlanData } from './data.js';
import { html, type Html } from './html.js';
import { count, unavailableNotice } from './page-parts.js';

export function planFragment(data: PlanData): Html {
  if (data.unavailable) return html`<p class="notice">${unavailableNotice(data.unavailable)}</p>`;
  const p = data.plan;
  if (!p) return html`<p>Only tracked models send rows.</p>`;
  if (p.error) return html`<p class="error" id="plan-error">${p.error}</p>`;
  const samples = p.samples.map(
    (s) =>
      html`<tr><td>${s.change}</td><td class="mono key">${jsonText(s.key)}</td><td class="mono">${
        s.fields
          ? Object.entries(s.fields).map(
              ([f, v]) => html`<div>${f}: ${jsonText(v.before)} → ${jsonText(v.after)}</div>`,
            )
          : jsonText(s.row)
      }</td></tr>`,
  );
  return html`<dl class="counters" id="plan-counts"><div><dt>new</dt><dd>${count(p.new)}</dd></div><div><dt>changed</dt><dd>${count(p.changed)}</dd></div><div><dt>deleted</dt><dd>${count(p.deleted)}</dd></div></dl>
${samples.length === 0 ? html`<p>Nothing to send.</p>` : html`<table class="list" id="plan-samples"><thead><tr><th>change</th><th>key</th><th>fields</th></tr></thead><tbody>${samples}</tbody></table>`}
<p class="meta">From the upstream tables as they are now; <code>ebb plan ${p.model}</code> rebuilds them first.</p>`;
}
