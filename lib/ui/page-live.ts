// The live page: what a running `ebb run` is doing, from the status file it rewrites about once
// a second. The page's script polls /live/body and redraws the counters (the first paint is
// here), and charts the series from /api/live: 429s, time waited and latency over time.

import { html, layout, type Html } from './html.js';
import type { LiveStatus } from './live.js';
import { badge, count, seconds } from './page-parts.js';

export function livePage(live: LiveStatus | undefined): string {
  return layout({
    title: 'Live',
    scripts: ['uPlot.iife.min.js', 'live.js'],
    styles: ['uPlot.min.css'],
    body: html`<div id="live">${liveBody(live)}</div>
<section class="charts" id="live-charts"><h2>429s (per second)</h2><div id="chart-429"></div><h2>Waited before sending (s per second)</h2><div id="chart-wait"></div><h2>Latency (ms, mean per second)</h2><div id="chart-latency"></div></section>`,
  });
}

/** liveBody is the part the script replaces at each poll (it fetches it from /live/body). */
export function liveBody(live: LiveStatus | undefined): Html {
  if (!live) return html`<p id="live-state">No run has published its status here yet.</p>`;
  const c = live.current;
  const state = live.running ? 'running' : live.finished ? 'finished' : 'stopped without finishing';
  const models = live.models.map(
    (m) =>
      html`<tr><td>${m.model}</td><td>${badge(m.status)}</td><td class="num">${count(m.rows)}</td><td class="num">${seconds(m.duration_ms)}</td><td class="error">${m.error ?? ''}</td></tr>`,
  );
  const pct = c && c.total ? Math.min(100, (100 * c.done) / c.total) : undefined;
  const current = c
    ? html`<section id="current"><h2>${c.model}</h2>
${pct === undefined ? html`<progress></progress>` : html`<progress max="100" value="${pct.toFixed(1)}"></progress>`}
<dl class="counters"><div><dt>rows done</dt><dd id="done">${count(c.done)}${c.total === null ? '' : html` / ${count(c.total)}`}</dd></div>
<div><dt>rows/s</dt><dd id="rate">${count(c.rows_per_s)}</dd></div><div><dt>in flight</dt><dd id="in-flight">${count(c.in_flight)}</dd></div>
<div><dt>requests</dt><dd id="requests">${count(c.requests)}</dd></div><div><dt>failed</dt><dd id="failed">${count(c.failed)}</dd></div>
<div><dt>elapsed</dt><dd>${seconds(c.elapsed_ms)}</dd></div></dl>
<dl class="counters"><div><dt>attempts</dt><dd id="attempts">${count(c.attempts)}</dd></div><div><dt>429s</dt><dd id="too-many">${count(c.too_many)}</dd></div>
<div><dt>waited</dt><dd id="waited">${seconds(c.waited_ms)}</dd></div><div><dt>mean latency</dt><dd id="latency">${c.latency_ms === null ? '–' : `${count(c.latency_ms)} ms`}</dd></div></dl></section>`
    : '';
  return html`<p id="live-state" class="${live.running ? 'running' : ''}">Run <span class="mono">${live.run_id}</span> (${live.command}) ${state}; started ${live.started_at}, updated ${live.updated_at}.</p>
${current}
<table class="list" id="live-models"><thead><tr><th>model</th><th>status</th><th class="num">rows</th><th class="num">duration</th><th>error</th></tr></thead><tbody>${models}</tbody></table>`;
}
