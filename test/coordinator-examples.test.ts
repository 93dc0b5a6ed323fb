/**
 * The shipped examples of N workers (docs/examples/): a Kubernetes Indexed Job and a GitHub
 * Actions matrix. They are read with the `yaml` library and the fields that make them work are
 * checked: N workers where the shard says N (completions = parallelism, the matrix's shards
 * 0…N-1), the shard's index where Kubernetes and Actions put it, the coordinator's URL from a
 * secret, the state where the image and the shard layout put it, and every EBB_ variable they
 * set documented in docs/.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { REPO } from './helpers/project.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');

const DOCS = readdirSync(join(REPO, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => read(`docs/${f}`))
  .join('\n');

/** Every EBB_ variable an example sets is one the docs describe. */
function undocumented(names: readonly string[]): string[] {
  return names.filter((n) => n.startsWith('EBB_') && !DOCS.includes(n));
}

test('the Kubernetes example: an Indexed Job of N workers, shard $(JOB_COMPLETION_INDEX)/N, the coordinator from a Secret', (t) => {
  const docs = parseAllDocuments(read('docs/examples/kubernetes-indexed-job.yaml'));
  t.deepEqual(
    docs.flatMap((d) => d.errors.map((e) => e.message)),
    [],
  );
  const [secret, claim, job] = docs.map((d) => obj(d.toJS()));
  t.is(secret!['kind'], 'Secret');
  t.is(claim!['kind'], 'PersistentVolumeClaim');
  t.is(job!['kind'], 'Job');
  const spec = obj(job!['spec']);
  t.is(spec['completionMode'], 'Indexed');
  const pod = obj(obj(spec['template'])['spec']);
  const [container] = list(pod['containers']).map(obj);
  const env = list(container!['env']).map(obj);
  const names = env.map((e) => String(e['name']));
  const shard = env.find((e) => e['name'] === 'EBB_SHARD');
  const m = /^\$\(JOB_COMPLETION_INDEX\)\/(\d+)$/.exec(String(shard?.['value']));
  t.truthy(m, String(shard?.['value']));
  const n = Number(m![1]);
  t.is(spec['completions'], n);
  t.is(spec['parallelism'], n);
  // $(NAME) refers only to variables set before it in the list.
  t.true(names.indexOf('JOB_COMPLETION_INDEX') >= 0);
  t.true(names.indexOf('JOB_COMPLETION_INDEX') < names.indexOf('EBB_SHARD'));
  const index = env.find((e) => e['name'] === 'JOB_COMPLETION_INDEX');
  t.regex(
    String(obj(obj(index?.['valueFrom'])['fieldRef'])['fieldPath']),
    /batch\.kubernetes\.io\/job-completion-index/,
  );
  const coordinator = env.find((e) => e['name'] === 'EBB_COORDINATOR');
  const ref = obj(obj(coordinator?.['valueFrom'])['secretKeyRef']);
  t.is(ref['name'], obj(secret!['metadata'])['name']);
  t.true(String(ref['key']) in obj(secret!['stringData']));
  t.regex(String(obj(secret!['stringData'])[String(ref['key'])]), /^postgres:\/\//);
  t.is(pod['restartPolicy'], 'Never');
  // The state: the image's state folder (Dockerfile), on the claim of this file.
  t.regex(read('Dockerfile'), /VOLUME \["\/app\/state"\]/);
  const mount = list(container!['volumeMounts']).map(obj)[0]!;
  t.is(mount['mountPath'], '/app/state');
  const volume = list(pod['volumes'])
    .map(obj)
    .find((v) => v['name'] === mount['name']);
  t.is(obj(volume?.['persistentVolumeClaim'])['claimName'], obj(claim!['metadata'])['name']);
  // One volume for every worker: one state folder, so one idempotency secret the first worker makes.
  t.deepEqual(obj(claim!['spec'])['accessModes'], ['ReadWriteMany']);
  t.deepEqual(undocumented(names), []);
});

test('the GitHub Actions example: a matrix of shards 0…N-1, EBB_SHARD of N, a postgres service, a state file per shard', (t) => {
  const workflow = obj(parse(read('docs/examples/github-actions-shards.yml')));
  const job = obj(obj(workflow['jobs'])['sync']);
  const shards = list(obj(obj(job['strategy'])['matrix'])['shard']);
  const env = obj(job['env']);
  const m = /^\$\{\{ matrix\.shard \}\}\/(\d+)$/.exec(String(env['EBB_SHARD']));
  t.truthy(m, String(env['EBB_SHARD']));
  const n = Number(m![1]);
  t.deepEqual(
    shards,
    Array.from({ length: n }, (_, i) => i),
  );
  t.is(obj(job['strategy'])['fail-fast'], false);
  const postgres = obj(obj(job['services'])['postgres']);
  t.regex(String(postgres['image']), /^postgres:/);
  t.regex(String(env['EBB_COORDINATOR']), /secrets\.EBB_COORDINATOR/);
  // The shard's state file, named as ebb run --shard names it.
  const paths = list(job['steps'])
    .map(obj)
    .map((s) => obj(s['with'])['path'])
    .filter((p) => p !== undefined);
  t.true(paths.length >= 2);
  for (const p of paths) t.is(p, `state/ebb.shard-\${{ matrix.shard }}-of-${n}.duckdb`);
  const run = list(job['steps'])
    .map(obj)
    .map((s) => String(s['run'] ?? ''));
  t.true(run.some((r) => /\bebb run\b/.test(r)));
  t.deepEqual(undocumented(Object.keys(env)), []);
});

test('docs/scale.md links both examples and names the state layout they use', (t) => {
  const scale = read('docs/scale.md');
  t.true(scale.includes('(examples/kubernetes-indexed-job.yaml)'));
  t.true(scale.includes('(examples/github-actions-shards.yml)'));
  t.true(scale.includes('state/ebb.shard-0-of-4.duckdb'));
  for (const name of ['EBB_SHARD', 'EBB_COORDINATOR']) t.true(scale.includes(name), name);
});
