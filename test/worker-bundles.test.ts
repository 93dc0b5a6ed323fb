// Tests run models' workers from esbuild bundles cached in the temp folder, one per version of
// the sources; writing a new one removes those nobody has written for a day.

import test from 'ava';
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStale } from '../lib/runtime/worker-entry.js';

test('old bundles are removed, recent ones and the current one kept', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ebb-bundles-'));
  const old = join(dir, 'old.mjs');
  const recent = join(dir, 'recent.mjs');
  const current = join(dir, 'current.mjs');
  for (const f of [old, recent, current]) writeFileSync(f, 'export {};\n');
  const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
  utimesSync(old, twoDaysAgo, twoDaysAgo);
  utimesSync(current, twoDaysAgo, twoDaysAgo);
  removeStale(dir, current);
  t.false(existsSync(old));
  t.true(existsSync(recent));
  t.true(existsSync(current), 'the bundle just written is never removed');
});
