// The files the pages load from /assets: the stylesheet and two small scripts written here, and
// uPlot (a small, dependency-free chart library) read from its installed package. Nothing is
// fetched from the network: the dashboard works on a machine without internet.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface Asset {
  readonly type: string;
  readonly body: string;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
nav{background:#1d2430;padding:10px 24px}nav a{color:#cfd6e4;margin-right:18px;text-decoration:none}nav a.brand{color:#fff;font-weight:700}
main{padding:8px 24px 40px;max-width:1400px}h1{font-size:22px;margin:14px 0}h2{font-size:16px;margin:22px 0 8px}
a{color:#2356c7}.mono,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
.notice{background:#fff4d6;border:1px solid #e8c766;padding:8px 12px;border-radius:6px}.running{color:#2356c7}
table.list{border-collapse:collapse;background:#fff;width:100%;box-shadow:0 1px 2px #0001}
table.list th,table.list td{padding:5px 10px;border-bottom:1px solid #e6e8ec;text-align:left;vertical-align:top}
table.list th{font-weight:600;background:#eef1f5}.num{text-align:right!important;font-variant-numeric:tabular-nums}
td.error{color:#a3272b;max-width:520px;word-break:break-word}.meta{color:#556}
.badge{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;background:#dde2ea}
.badge.ok{background:#d4f0dc;color:#17602c}.badge.error{background:#f8d7d9;color:#8d1d22}.badge.interrupted{background:#fbe6c9;color:#7a4a06}
.dag-box{overflow:auto;background:#fff;padding:12px;margin-bottom:18px;box-shadow:0 1px 2px #0001}
svg.dag .edge{fill:none;stroke:#9aa6b8;stroke-width:1.5}svg.dag rect{fill:#eef1f5;stroke:#9aa6b8}
svg.dag .ok rect{fill:#e3f6e8;stroke:#2f9a4f}svg.dag .error rect{fill:#fbe3e4;stroke:#c23a40}
svg.dag .failures rect{fill:#fff1dc;stroke:#d88a12}svg.dag .interrupted rect{fill:#fff1dc;stroke:#d88a12}
svg.dag text.name{font-weight:600;font-size:13px;fill:#1d2430}svg.dag text.caption{font-size:11.5px;fill:#556}
.when{white-space:nowrap}.search{margin:8px 0}.search input{padding:4px 8px;width:280px}
.counters{display:flex;gap:28px;margin:10px 0}.counters dt{color:#556;font-size:12px}.counters dd{margin:0;font-size:22px;font-weight:600}
pre.body{white-space:pre-wrap;word-break:break-all;max-height:320px;overflow:auto;background:#f6f7f9;padding:6px;margin:2px 0}details h3{font-size:12px;margin:6px 0 0;color:#556}
progress{width:420px;height:14px}.charts{background:#fff;padding:4px 12px 12px;margin-bottom:18px;box-shadow:0 1px 2px #0001}
`;

/** runs.js: the run history's charts, one series per model, from /api/runs. */
const RUNS_JS = `(function(){
var box=document.querySelector('.charts');if(!box)return;
var colors=['#2356c7','#c23a40','#2f9a4f','#d88a12','#7b3fb5','#0f8b8d','#8a6d3b','#d6336c'];
fetch('/api/runs?limit='+box.dataset.limit).then(function(r){return r.json()}).then(function(d){
var runs=d.runs.slice().reverse(),models=[],xs=[],seen={};
runs.forEach(function(r){if(models.indexOf(r.model)<0)models.push(r.model);var t=Date.parse(r.started_at)/1000;if(!seen[t]){seen[t]=1;xs.push(t)}});
xs.sort(function(a,b){return a-b});var at={};xs.forEach(function(x,i){at[x]=i});
function series(f){return models.map(function(m){var ys=xs.map(function(){return null});
runs.forEach(function(r){if(r.model===m)ys[at[Date.parse(r.started_at)/1000]]=f(r)});return ys})}
function chart(el,f,unit){var w=Math.max(400,box.clientWidth-24);
new uPlot({width:w,height:200,series:[{}].concat(models.map(function(m,i){return{label:m,stroke:colors[i%colors.length],width:1.5,spanGaps:true,points:{show:true,size:5},value:function(u,v){return v==null?'-':v+unit}}})),axes:[{},{size:60}]},[xs].concat(series(f)),document.getElementById(el))}
chart('chart-duration',function(r){return r.duration_ms/1000},' s');
chart('chart-rows',function(r){return r.rows},'');
box.dataset.drawn=String(models.length);
});
})();`;

/** live.js: the live page redraws its status from /live/body every second, and charts /api/live's series. */
const LIVE_JS = `(function(){
var box=document.getElementById('live'),charts=document.getElementById('live-charts'),plots={};
var defs=[['chart-429','429s',function(p){return p.too_many}],['chart-wait','waited',function(p){return p.waited_ms/1000}],['chart-latency','latency',function(p){return p.latency_ms}]];
function draw(series){
if(!charts||typeof uPlot==='undefined')return;
var xs=series.map(function(p){return p.at/1000});
defs.forEach(function(d){var data=[xs,series.map(d[2])];
if(plots[d[0]])plots[d[0]].setData(data);
else plots[d[0]]=new uPlot({width:Math.max(300,charts.clientWidth-24),height:140,series:[{},{label:d[1],stroke:'#2356c7',width:1.5,spanGaps:true,points:{show:true,size:4}}],axes:[{},{size:60}]},data,document.getElementById(d[0]))});
charts.dataset.points=String(series.length);
}
function poll(){
fetch('/live/body').then(function(r){return r.ok?r.text():null}).then(function(t){if(t!==null)box.innerHTML=t});
fetch('/api/live').then(function(r){return r.ok?r.json():null}).then(function(s){if(s)draw(s.series||[])});
}
poll();setInterval(poll,1000);
})();`;

/** plan.js: a model's page asks for its next run's plan once shown (it reads the model's whole query). */
const PLAN_JS = `(function(){
var box=document.getElementById('plan');if(!box)return;
fetch(box.dataset.src).then(function(r){return r.text()}).then(function(t){box.innerHTML=t;box.dataset.loaded='1'});
})();`;

let uplot: { js: string; css: string } | undefined;

function uplotFiles(): { js: string; css: string } {
  if (!uplot) {
    const dir = dirname(createRequire(import.meta.url).resolve('uplot'));
    uplot = {
      js: readFileSync(join(dir, 'uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(join(dir, 'uPlot.min.css'), 'utf8'),
    };
  }
  return uplot;
}

/** asset returns the file served at /assets/NAME, or undefined. */
export function asset(name: string): Asset | undefined {
  switch (name) {
    case 'ebb.css':
      return { type: 'text/css; charset=utf-8', body: CSS };
    case 'runs.js':
      return { type: 'text/javascript; charset=utf-8', body: RUNS_JS };
    case 'plan.js':
      return { type: 'text/javascript; charset=utf-8', body: PLAN_JS };
    case 'live.js':
      return { type: 'text/javascript; charset=utf-8', body: LIVE_JS };
    case 'uPlot.iife.min.js':
      return { type: 'text/javascript; charset=utf-8', body: uplotFiles().js };
    case 'uPlot.min.css':
      return { type: 'text/css; charset=utf-8', body: uplotFiles().css };
    default:
      return undefined;
  }
}
