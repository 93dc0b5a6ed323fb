/**
 * workerEntry is the module a .star model's worker thread runs. From the compiled package it is
 * worker.js beside this file. From the TypeScript sources (the tests) it is worker.ts bundled
 * into one JavaScript file by esbuild (tsx's own dependency): a worker that loads its ~70
 * modules through tsx's loader hooks spends ~0.6 s of CPU on it (the hooks thread boots, and
 * every import is a round trip to it), which the test suite paid on every Starlark model run;
 * the bundle loads like compiled code. Bundles are kept in the temp folder under a key made of
 * the size and time of every source file under lib/, so an edit makes a new one and the CLI
 * processes that tests start reuse it. The worker imports node: modules and one package,
 * xxhash-wasm (plain JavaScript, its wasm inline), so the bundle holds all of its code, and it
 * is started without the process's tsx preload (`--import=tsx`, which a worker inherits and
 * would resolve from the working folder: an `ebb test` step runs in a temporary one).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface WorkerEntry {
  readonly url: URL;
  /** The worker's node options, when they differ from the process's. */
  readonly execArgv?: string[];
}

let bundle: WorkerEntry | undefined;

export function workerEntry(): WorkerEntry {
  if (!import.meta.url.endsWith('.ts')) return { url: new URL('./worker.js', import.meta.url) };
  bundle ??= {
    url: bundleWorker(fileURLToPath(new URL('./worker.ts', import.meta.url))),
    execArgv: process.execArgv.filter(
      (a, i, all) => !/tsx/.test(a) && !(/^--(import|loader)$/.test(a) && /tsx/.test(all[i + 1] ?? '')),
    ),
  };
  return bundle;
}

interface Esbuild {
  buildSync(options: Record<string, unknown>): { outputFiles: Array<{ text: string }> };
}

function bundleWorker(source: string): URL {
  const lib = fileURLToPath(new URL('..', import.meta.url));
  const hash = createHash('sha256');
  for (const f of sourceFiles(lib)) {
    const s = statSync(f);
    hash.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
  }
  const dir = join(tmpdir(), 'ebb-worker-bundles');
  const file = join(dir, `${hash.digest('hex').slice(0, 24)}.mjs`);
  if (!existsSync(file)) {
    const esbuild = createRequire(import.meta.resolve('tsx/esm/api'))('esbuild') as Esbuild;
    const { outputFiles } = esbuild.buildSync({
      entryPoints: [source],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
    });
    mkdirSync(dir, { recursive: true });
    // Written beside and renamed: a process starting a worker never reads half a bundle.
    const part = `${file}.${process.pid}.part`;
    writeFileSync(part, outputFiles[0]!.text);
    renameSync(part, file);
    removeStale(dir, file);
  }
  return pathToFileURL(file);
}

/** A bundle untouched this long belongs to sources no test runs any more (a day: never one in use). */
const STALE_MS = 24 * 3600 * 1000;

/** removeStale deletes other bundles not modified for STALE_MS, when a new one is written. */
export function removeStale(dir: string, keep: string): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    try {
      if (p !== keep && Date.now() - statSync(p).mtimeMs > STALE_MS) unlinkSync(p);
    } catch {
      // Removed by another process meanwhile.
    }
  }
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out.sort();
}
