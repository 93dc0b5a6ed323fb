// Shared helpers for benchmark scripts: timing whole processes and printing ratios.

import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE = join(REPO, 'bench', '.cache');
export const EBB = join(REPO, 'dist', 'bin', 'ebb.js');
mkdirSync(CACHE, { recursive: true });

/** timeProcess runs a command to completion and returns its wall time in ms; it throws on failure. */
export function timeProcess(cmd, args, options = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...options });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  }
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

/** best returns the fastest of n runs of fn (each returning ms). */
export function best(n, fn) {
  let min = Infinity;
  for (let i = 0; i < n; i++) min = Math.min(min, fn());
  return min;
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function fmt(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

export function machine() {
  return `${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${process.platform}/${process.arch}`;
}
