// runProject runs `ebb run` in-process on a project with its output captured: the exit code,
// the NDJSON lines of --json (on by default) and their summary, stderr, and what each model
// printed, taken from the run's print hook rather than scraped from stderr.

import { runCommand, type RunOptions } from '../../lib/commands/run.js';
import { capture } from './project.js';

/** One line a model printed. */
export interface Print {
  readonly model: string;
  readonly line: string;
}

export interface Ran {
  readonly code: number;
  /** The NDJSON lines of --json, without the summary. */
  readonly results: Array<Record<string, unknown>>;
  readonly summary: Record<string, unknown> | undefined;
  readonly out: string;
  readonly err: string;
  readonly prints: readonly Print[];
}

/** runProject runs the project at `root` (all its models, --json, unless `options` say otherwise). */
export async function runProject(root: string, options: Partial<RunOptions> = {}): Promise<Ran> {
  const c = capture();
  const prints: Print[] = [];
  const code = await runCommand(
    {
      cwd: root,
      selectors: [],
      json: true,
      ...options,
      onPrint: (model, line) => {
        prints.push({ model, line });
        options.onPrint?.(model, line);
      },
    },
    c.io,
  );
  return { code, results: c.json(), summary: c.summary(), out: c.out(), err: c.err(), prints };
}

/** linesOf is what the models printed, each line without its model's name. */
export function linesOf(ran: Ran, model?: string): string[] {
  return ran.prints.filter((p) => model === undefined || p.model === model).map((p) => p.line);
}

/** sentLines is what the models printed as "sent …" (the demo scripts' own trace), without "sent ". */
export function sentLines(ran: Ran): string[] {
  return linesOf(ran)
    .filter((l) => l.startsWith('sent '))
    .map((l) => l.slice('sent '.length));
}
