// Run history: a timeline chart (duration and rows of each model run, one series per model;
// drawn by uPlot from /api/runs in the page's script) and the table of the same runs.

import type { RunsData } from './data.js';
import { html, layout, modelHref } from './html.js';
import { when, badge, count, seconds, shardCell, shardHead, unavailableNotice } from './page-parts.js';

/** How many model runs the history page lists and charts. */
export const RUNS_PAGE_LIMIT = 500;

export function runsPage(data: RunsData): string {
  const sharded = data.runs.some((r) => r.shard !== undefined);
  const rows = data.runs.map(
    (r) =>
      html`<tr><td>${when(r.started_at)}</td>${shardCell(sharded, r.shard)}<td><a href="${modelHref(r.model)}">${r.model}</a></td><td>${badge(r.status)}</td><td class="num">${count(r.rows)}</td><td class="num">${seconds(r.duration_ms)}</td><td class="mono">${r.run_id}</td><td class="error">${r.error ?? ''}</td></tr>`,
  );
  return layout({
    title: 'Runs',
    notice: unavailableNotice(data.unavailable),
    scripts: ['uPlot.iife.min.js', 'runs.js'],
    styles: ['uPlot.min.css'],
    body: html`<section class="charts" data-limit="${RUNS_PAGE_LIMIT}"><h2>Duration per run (s)</h2><div id="chart-duration"></div><h2>Rows per run</h2><div id="chart-rows"></div></section>
<table class="list" id="runs"><thead><tr><th>started</th>${shardHead(sharded)}<th>model</th><th>status</th><th class="num">rows</th><th class="num">duration</th><th>run</th><th>error</th></tr></thead>
<tbody>${rows}</tbody></table>`,
  });
}
