// Outcomes runs the outcome functions of a tracked script's saves (save.rows(rows, outcome=fn))
// on the worker. A save with an outcome function depends on the requests issued since the
// previous save, like any save; instead of "all 2xx or nothing", fn(response, rows) says per row
// whether the API accepted it, rejected it (a reason about the record) or failed (transient).
// fn is never called while the script waits for it: a save is held here, and its function is
// called for each of its requests once the reply is in, at the script's next host call (after an
// http.* call or a save) or at the end of the script. When every request of a save has had its
// call, the decision goes to the main thread in an `outcome` message (Delivery commits it); the
// decisions of saves made at the same line join one message while it waits in the outbox (a
// message per page of decisions, not one per request: 2,000 fewer in the outcomes bench).
//
// Several requests: a row is failed if any call says failed, else rejected if any says
// rejected, else accepted. fn returning None keeps the rule of saves without a function: every
// row accepted if the response is a 2xx, else failed with the response's error. An error raised
// in fn, or a result that is not one outcome per row, fails the model (through the host call
// running then), and that save is never sent: none of its rows is acknowledged.

import { CODE } from '../error-codes.js';
import { SeqRuns } from '../detect/seq-runs.js';
import { call, definedAt, elements, None, typeName, type Thread, type Value } from '../starlark/index.js';
import type { Client } from './channel.js';
import type { HttpReply } from './http-reply.js';
import { heldList, holdRows, type HeldRows } from './held-rows.js';
import type { Response } from './http-module.js';
import { RowOutcome } from './outcome-module.js';
import type { ModelOps, RefusedRow } from './protocol.js';

/** Verdicts, ordered so that the stronger one wins when a save depends on several requests (accepted: none). */
const REJECTED = 1;
const FAILED = 2;

/** What a save with an outcome function hands over to be held (rows and seqs: one per row). */
interface SaveToHold {
  readonly fn: Value;
  readonly deps: readonly Response[];
  readonly rows: readonly Value[];
  readonly seqs: readonly number[];
  readonly deleted: boolean;
  readonly at: string | undefined;
}

interface HeldSave {
  readonly fn: Value;
  readonly deps: readonly Response[];
  /** The rows, kept as little as they can be until the function is called (held-rows.ts). */
  readonly rows: HeldRows;
  readonly seqs: readonly number[];
  readonly deleted: boolean;
  readonly at: string | undefined;
  /**
   * Per row, the strongest verdict so far and its message and request; undefined while every
   * row is accepted (most saves: no array per save, nor a typed array's off-heap buffer).
   */
  verdicts: Array<Verdict | undefined> | undefined;
  /** The requests whose calls are done (deps are taken in order). */
  done: number;
}

/** Verdict is a row's verdict other than accepted, with its message and the request it came from. */
interface Verdict {
  readonly verdict: number;
  readonly message: string;
  readonly response: Response;
}

type OutcomeReq = ModelOps['outcome']['req'];

export class Outcomes {
  readonly #client: Client<ModelOps>;
  #held: HeldSave[] = [];
  /** The last outcome message posted, with its runs (whose pairs are its `runs`): while it is the
   *  newest in the outbox, the next decision of the same kind and line joins it. */
  #queued: { req: OutcomeReq; runs: SeqRuns } | undefined;
  /** An outcome function is running: a host call it makes must not start another. */
  #running = false;

  constructor(client: Client<ModelOps>) {
    this.#client = client;
  }

  get pending(): number {
    return this.#held.length;
  }

  /** hold keeps a save until its requests are over, then runs what is ready already. */
  hold(th: Thread, save: SaveToHold): void {
    this.#held.push({
      fn: save.fn,
      deps: save.deps,
      rows: holdRows(save.rows, save.seqs),
      seqs: save.seqs,
      deleted: save.deleted,
      at: save.at,
      verdicts: undefined,
      done: 0,
    });
    this.run(th);
  }

  /** run calls the outcome functions whose requests' replies are in and sends finished saves. */
  run(th: Thread): void {
    if (this.#running || this.#held.length === 0) return;
    this.#running = true;
    try {
      let kept = 0;
      for (const save of this.#held) {
        while (save.done < save.deps.length && save.deps[save.done]!.settled) {
          // A request the stop of the run kept from being sent decides nothing: the save is
          // dropped unacknowledged, and its rows are sent by the next run.
          if (save.deps[save.done]!.reply!.error?.code === CODE.EBB_SEND_STOPPED) break;
          this.#apply(th, save, save.deps[save.done]!);
          save.done++;
        }
        if (save.done === save.deps.length) this.#send(save);
        else if (!save.deps[save.done]!.settled) this.#held[kept++] = save;
      }
      this.#held.length = kept;
    } finally {
      this.#running = false;
    }
  }

  #apply(th: Thread, save: HeldSave, response: Response): void {
    const result = call(th, save.fn, [response, heldList(save.rows)]);
    const n = save.seqs.length;
    if (result === None) {
      if (response.reply!.ok) return;
      const message = replyError(response.reply!);
      for (let i = 0; i < n; i++) mark(save, i, FAILED, message, response);
      return;
    }
    // Only read, at once: the list's own elements, not a copy.
    const list = typeName(result) === 'list' || typeName(result) === 'tuple' ? elements(result)! : undefined;
    if (list === undefined || list.length !== n) {
      throw new Error(
        `${fnName(save.fn)} returned ${list === undefined ? `a ${typeName(result)}` : `${list.length} outcome(s)`} for ${n} row(s) of ${response.method} ${response.url}; ` +
          'return None (every row accepted on a 2xx) or a list with one outcome.accepted / outcome.rejected(message) / outcome.failed(message) per row, in the order of rows',
      );
    }
    for (let i = 0; i < n; i++) {
      const o = list[i];
      if (!(o instanceof RowOutcome))
        throw new Error(
          `${fnName(save.fn)} returned a ${typeName(o!)} for row ${i}; want outcome.accepted, outcome.rejected(message) or outcome.failed(message)`,
        );
      if (o.kind !== 'accepted')
        mark(save, i, o.kind === 'rejected' ? REJECTED : FAILED, o.message, response);
    }
  }

  #send(save: HeldSave): void {
    const accepted = new SeqRuns();
    const refused: RefusedRow[] = [];
    const seqs = save.seqs;
    const verdicts = save.verdicts;
    for (let i = 0; i < seqs.length; i++) {
      const v = verdicts?.[i];
      if (v === undefined) {
        accepted.add(seqs[i]!);
        continue;
      }
      const r = v.response;
      refused.push({
        seq: seqs[i]!,
        kind: v.verdict === REJECTED ? 'rejected' : 'failed',
        message: v.message,
        method: r.method,
        url: r.url,
        status: r.reply!.status,
        attempts: r.reply!.attempts,
      });
    }
    const deps: number[] = [];
    for (let k = 0; k < save.deps.length; k++) deps.push(save.deps[k]!.id);
    const q = this.#queued;
    if (
      q !== undefined &&
      this.#client.lastQueued()?.req === q.req &&
      q.req.deleted === save.deleted &&
      q.req.at === save.at
    ) {
      // Still in the outbox: this decision joins it (appending to the runs extends q.req.runs).
      // Index loops, not for-of: an empty refused[] and a full one are arrays of different
      // maps, and for-of over both threw away #send's optimized code twice a run.
      q.runs.append(accepted);
      for (let k = 0; k < deps.length; k++) q.req.deps.push(deps[k]!);
      for (let k = 0; k < refused.length; k++) q.req.refused.push(refused[k]!);
      return;
    }
    const req: OutcomeReq = { runs: accepted.pairs, deleted: save.deleted, deps, refused };
    if (save.at !== undefined) req.at = save.at;
    this.#queued = { req, runs: accepted };
    this.#client.post('outcome', req, 'outcome');
  }
}

function mark(save: HeldSave, i: number, verdict: number, message: string, response: Response): void {
  // As long as the rows: #send reads every row's place (past the end of a shorter array it
  // would read out of bounds, which threw away its optimized code).
  save.verdicts ??= new Array<Verdict | undefined>(save.seqs.length);
  const was = save.verdicts[i];
  if (was !== undefined && verdict <= was.verdict) return;
  save.verdicts[i] = { verdict, message, response };
}

/** fnName names an outcome function in errors (only then: where it is defined is a string built anew). */
function fnName(fn: Value): string {
  const at = definedAt(fn);
  return `the outcome function${at === undefined ? '' : ` defined at ${at}`}`;
}

/** replyError is what a failed request is recorded with: its error, or its status. */
export function replyError(r: HttpReply): string {
  return r.error?.message ?? (r.status === null ? 'no response' : `status ${r.status}`);
}
