// Starlark benchmark: ebb's interpreter vs starlark-go (the reference, built by
// bench/starlark/build-peer.sh from Debian's sources) on bench/starlark/workloads/*.star.
// Each workload runs as a whole process, best of N wall times per implementation; both
// must print the same output (a checksum), else the benchmark fails loudly.
//
// Usage: node --import=tsx bench/starlark/run.ts [--runs N] [--json] [WORKLOAD...]
//   (npm run bench:starlark). Prints workload / go s / ebb s / ratio (go ÷ ebb, higher is
//   better for ebb) and the geometric mean of the ratios.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WORKLOADS = join(ROOT, 'bench/starlark/workloads');

interface Cmd {
  argv: string[];
  label: string;
}
interface Run {
  seconds: number;
  stdout: string;
}

function runOnce(cmd: Cmd, file: string): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd.argv[0]!, [...cmd.argv.slice(1), file], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 600_000,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 || r.signal) {
    throw new Error(
      `${cmd.label} failed on ${basename(file)} (exit ${r.status}, signal ${r.signal}):\n${r.stderr}${r.error ? String(r.error) : ''}`,
    );
  }
  return { seconds, stdout: r.stdout };
}

/** ebb via the built CLI when dist has `ebb star`, else via the tsx runner. */
function ebbCommand(): Cmd {
  const dist = join(ROOT, 'dist/bin/ebb.js');
  if (existsSync(dist)) {
    const dir = mkdtempSync(join(tmpdir(), 'ebb-star-probe-'));
    const probe = join(dir, 'probe.star');
    writeFileSync(probe, 'print("probe", 1 + 1)\n');
    try {
      const r = spawnSync(process.execPath, [dist, 'star', probe], { encoding: 'utf8', timeout: 60_000 });
      if (r.status === 0 && r.stdout.trim() === 'probe 2') {
        return { argv: [process.execPath, dist, 'star'], label: 'ebb (node dist/bin/ebb.js star)' };
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return {
    argv: [process.execPath, '--import=tsx', join(ROOT, 'bench/starlark/run-ebb.ts')],
    label: 'ebb (tsx bench/starlark/run-ebb.ts; includes tsx start-up)',
  };
}

function main(argv: string[]): number {
  let runs = 3,
    json = false;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Math.max(1, Number(argv[++i]));
    else if (argv[i] === '--json') json = true;
    else only.push(basename(argv[i]!, '.star'));
  }
  const peerPath = execFileSync('bash', [join(ROOT, 'bench/starlark/build-peer.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .pop()!;
  const go: Cmd = { argv: [peerPath], label: 'starlark-go' };
  const ebb = ebbCommand();
  const log = json ? (s: string) => process.stderr.write(s + '\n') : (s: string) => console.log(s);
  log(`go:  ${go.label} (${peerPath})`);
  log(`ebb: ${ebb.label}`);
  log(`best of ${runs} wall-clock runs per implementation`);

  const files = readdirSync(WORKLOADS)
    .filter((f) => f.endsWith('.star'))
    .sort()
    .filter((f) => only.length === 0 || only.includes(basename(f, '.star')))
    .map((f) => join(WORKLOADS, f));
  const rows: Array<{ workload: string; go: number; ebb: number; ratio: number; output: string }> = [];
  let mismatch = false;
  if (!json)
    console.log(
      `\n${'workload'.padEnd(16)}${'go s'.padStart(9)}${'ebb s'.padStart(9)}${'ratio'.padStart(8)}`,
    );
  for (const file of files) {
    const name = basename(file, '.star');
    let goBest = Infinity,
      ebbBest = Infinity,
      goOut = '',
      ebbOut = '';
    for (let i = 0; i < runs; i++) {
      const g = runOnce(go, file);
      const e = runOnce(ebb, file);
      goBest = Math.min(goBest, g.seconds);
      ebbBest = Math.min(ebbBest, e.seconds);
      if (i === 0) {
        goOut = g.stdout;
        ebbOut = e.stdout;
      }
      if (g.stdout !== goOut || e.stdout !== ebbOut) throw new Error(`${name}: output not deterministic`);
    }
    if (goOut !== ebbOut) {
      mismatch = true;
      console.error(
        `OUTPUT MISMATCH on ${name}:\n  go:  ${JSON.stringify(goOut)}\n  ebb: ${JSON.stringify(ebbOut)}`,
      );
    }
    const ratio = goBest / ebbBest;
    rows.push({ workload: name, go: goBest, ebb: ebbBest, ratio, output: goOut.trim() });
    if (!json)
      console.log(
        `${name.padEnd(16)}${goBest.toFixed(2).padStart(9)}${ebbBest.toFixed(2).padStart(9)}${ratio.toFixed(2).padStart(8)}`,
      );
  }
  const geomean = Math.exp(rows.reduce((a, r) => a + Math.log(r.ratio), 0) / Math.max(1, rows.length));
  if (json)
    console.log(
      JSON.stringify(
        { date: new Date().toISOString(), runs, ebb: ebb.label, rows, geomean, mismatch },
        null,
        2,
      ),
    );
  else
    console.log(
      `${'geomean'.padEnd(16)}${''.padStart(18)}${geomean.toFixed(2).padStart(8)}   (target >= 1.00)`,
    );
  if (mismatch) {
    console.error("FAIL: ebb's output differs from starlark-go's");
    return 1;
  }
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(`bench:starlark: ${(e as Error).message}`);
  process.exitCode = 1;
}
