// Test helpers: temporary projects on disk, commands run in-process with captured output,
// and the CLI run as a real process.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { IO } from '../../lib/commands/io.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The --import flag that lets a child node process run the TypeScript sources from any cwd. */
export const TSX_IMPORT = `--import=${pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href}`;

/**
 * EBB_ARGV runs the CLI in a child node process: the compiled build when it is newer than every
 * source (`npm ci` and `npm run build` make it), else the sources through tsx — which costs about
 * half a second more a process (measured: `ebb ls` 1.16 s vs 0.60 s), and tests start hundreds.
 */
export const EBB_ARGV: readonly string[] = buildIsFresh()
  ? [join(REPO, 'dist', 'bin', 'ebb.js')]
  : [TSX_IMPORT, join(REPO, 'bin', 'ebb.ts')];

function buildIsFresh(): boolean {
  let built: number;
  try {
    built = statSync(join(REPO, 'dist', 'bin', 'ebb.js')).mtimeMs;
  } catch {
    return false;
  }
  const newest = (dir: string): number => {
    let m = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) m = Math.max(m, newest(p));
      else if (/\.(ts|json|star)$/.test(e.name)) m = Math.max(m, statSync(p).mtimeMs);
    }
    return m;
  };
  return built >= Math.max(newest(join(REPO, 'lib')), newest(join(REPO, 'bin')));
}

const temps: string[] = [];
process.on('exit', () => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** tempDir makes a folder that is removed when the test process exits. */
export function tempDir(prefix = 'ebb-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** makeProject writes `files` (path → content) under a new temp folder and returns it. */
export function makeProject(files: Record<string, string>): string {
  const root = tempDir();
  mkdirSync(join(root, 'models'), { recursive: true });
  writeFiles(root, files);
  return root;
}

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

export interface Captured {
  readonly io: IO;
  readonly out: () => string;
  readonly err: () => string;
  /** stdout parsed as NDJSON, without the summary line `run --json` ends with. */
  readonly json: () => Array<Record<string, unknown>>;
  /** The summary line of `run --json`. */
  readonly summary: () => Record<string, unknown> | undefined;
}

export function capture(): Captured {
  let out = '';
  let err = '';
  return {
    io: { stdout: (t) => (out += t), stderr: (t) => (err += t), isTTY: false },
    out: () => out,
    err: () => err,
    json: () => ndjson(out),
    summary: () => allLines(out).find((l) => l['summary'] === true),
  };
}

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** ebb runs the CLI as a separate process (EBB_ARGV). */
export function ebb(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<ProcessResult> {
  return node([...EBB_ARGV, ...args], options);
}

/** node runs Node with these arguments and collects its exit code and output. */
export function node(
  argv: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A node process left running (ebb serve, a run to interrupt): its output so far and its exit. */
export interface Started {
  readonly child: ChildProcess;
  /** output is what it wrote so far, stdout and stderr interleaved. */
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** started spawns Node with these arguments, collecting its output; killed at the test's end. */
export function started(
  t: { teardown(fn: () => void): void },
  argv: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Started {
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.teardown(() => void child.kill('SIGKILL'));
  return { child, output: () => output, exited };
}

/** ndjson parses NDJSON output, leaving out the summary line `run --json` ends with. */
export function ndjson(text: string): Array<Record<string, unknown>> {
  return allLines(text).filter((l) => l['summary'] !== true);
}

function allLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
