// The first page: the models as a DAG with each one's last status, and the same as a table
// (kind, last run, rows, failed rows waiting; over a sharded state, the totals and each shard's
// last status and failed rows). A run in progress is announced at the top.

import type { ModelInShard, ModelsData } from './data.js';
import { dagSvg, type DagNode } from './dag-svg.js';
import { html, layout, modelHref, type Html } from './html.js';
import { when, badge, count, unavailableNotice } from './page-parts.js';

export function modelsPage(data: ModelsData): string {
  const nodes: DagNode[] = data.models.map((m) => ({
    name: m.name,
    upstream: m.upstream,
    status: m.failures > 0 && m.last_run?.status === 'ok' ? 'failures' : (m.last_run?.status ?? 'never'),
    caption: m.last_run
      ? `${m.last_run.status} · ${count(m.last_run.rows)} rows${m.failures > 0 ? ` · ${count(m.failures)} failed` : ''}`
      : 'never run',
  }));
  const live = data.live?.running
    ? html`<p class="running">A run is in progress (${data.live.command}, since ${data.live.started_at}): <a href="/live">follow it live</a>.</p>`
    : '';
  const sharded = data.models.some((m) => m.shards !== undefined);
  const rows = data.models.map(
    (m) =>
      html`<tr><td><a href="${modelHref(m.name)}">${m.name}</a></td><td>${m.kind}</td><td>${m.last_run ? badge(m.last_run.status) : badge('never')}</td><td>${when(m.last_run?.started_at)}</td><td class="num">${count(m.last_run?.rows)}</td><td class="num">${m.failures > 0 ? count(m.failures) : ''}</td>${sharded ? html`<td class="shards">${perShard(m.shards ?? [])}</td>` : ''}</tr>`,
  );
  return layout({
    title: 'Models',
    notice: unavailableNotice(data.unavailable),
    body: html`${live}<section class="dag-box">${dagSvg(nodes)}</section>
<table class="list"><thead><tr><th>model</th><th>kind</th><th>last run</th><th>started</th><th class="num">rows</th><th class="num">failed rows</th>${sharded ? html`<th>per shard</th>` : ''}</tr></thead>
<tbody>${rows}</tbody></table>`,
  });
}

/** perShard is a model's line per shard: its last status and failed rows. */
function perShard(shards: readonly ModelInShard[]): Html[] {
  return shards.map(
    (s, i) =>
      html`${i > 0 ? html`<br>` : ''}<span class="mono">${s.shard}</span> ${s.last_run ? badge(s.last_run.status) : badge('never')}${s.failures > 0 ? ` · ${count(s.failures)} failed` : ''}`,
  );
}
