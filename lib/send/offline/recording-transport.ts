// RecordingTransport is the Transport of offline runs (`ebb run --offline`, `ebb test`): it
// never opens a socket. Each request is written as one NDJSON line (see request-record.ts) and
// answered from a Responses list, or `200 {}`.
//
// Order and retries: a line is written when the request's FIRST attempt reaches the
// transport, synchronously inside request(), so the file is in the order the sender starts
// requests — the order the script issued them, since the sender starts first attempts in
// submission order — and never in completion order. A retry is not a new line: it would
// land wherever its backoff (with random jitter) put it, and the file would differ from run
// to run. The sender hands every attempt of one request the same HttpRequest object, so an
// object seen before is a retry; two requests with the same content are two lines.

import { closeSync, openSync, writeSync } from 'node:fs';
import { CODE } from '../../error-codes.js';
import { SendError } from '../errors.js';
import type { HttpRequest, HttpResponse, Transport } from '../types.js';
import { toRecord, type Redact, type RequestRecord } from './request-record.js';
import { Responses } from './responses.js';

export interface RecordingOptions {
  /** The NDJSON file to write (created or truncated). */
  readonly file?: string;
  /** Called with each record, in issue order (besides or instead of the file). */
  readonly onRecord?: (record: RequestRecord) => void;
  /** How to answer; unmatched requests get 200 {}. */
  readonly responses?: Responses;
  /** Redacts secrets from the URL, header values and body strings (the run's redactor). */
  readonly redact?: Redact;
  /** Adds a secret learnt during the run (an OAuth token) to what `redact` hides. */
  readonly learn?: (secret: string) => void;
}

/** Bytes of NDJSON buffered before a write to the file. */
const FLUSH_BYTES = 64 * 1024;

export class RecordingTransport implements Transport {
  readonly #fd: number | undefined;
  readonly #onRecord: ((record: RequestRecord) => void) | undefined;
  readonly #responses: Responses;
  readonly #redact: Redact;
  readonly #learn: ((secret: string) => void) | undefined;
  /** Requests already recorded: another attempt of one of them is a retry. */
  readonly #seen = new WeakSet<HttpRequest>();
  #buffer: string[] = [];
  #buffered = 0;
  #count = 0;
  #closed = false;

  constructor(options: RecordingOptions = {}) {
    this.#fd = options.file === undefined ? undefined : openSync(options.file, 'w');
    this.#onRecord = options.onRecord;
    this.#responses = options.responses ?? new Responses();
    this.#redact = options.redact ?? ((t) => t);
    this.#learn = options.learn;
  }

  /** redactAlso hides `secret` in every request recorded from now on (an OAuth token: see Transport). */
  redactAlso(secret: string): void {
    this.#learn?.(secret);
  }

  /** How many requests (first attempts) were recorded. */
  get count(): number {
    return this.#count;
  }

  request(req: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
    if (this.#closed)
      return Promise.reject(
        new SendError(CODE.EBB_OFFLINE_CLOSED, `${req.method} ${req.url}: the offline recorder is closed`),
      );
    if (signal.aborted)
      return Promise.reject(
        new SendError(CODE.EBB_OFFLINE_ABORTED, `${req.method} ${req.url}: aborted before it was recorded`),
      );
    const record = toRecord(req, this.#redact);
    if (!this.#seen.has(req)) {
      this.#seen.add(req);
      this.#write(record);
    }
    return Promise.resolve(this.#responses.answer(record));
  }

  #write(record: RequestRecord): void {
    this.#count++;
    this.#onRecord?.(record);
    if (this.#fd === undefined) return;
    const line = JSON.stringify(record) + '\n';
    this.#buffer.push(line);
    this.#buffered += line.length;
    if (this.#buffered >= FLUSH_BYTES) this.#flush();
  }

  #flush(): void {
    if (this.#fd === undefined || this.#buffer.length === 0) return;
    writeSync(this.#fd, this.#buffer.join(''));
    this.#buffer = [];
    this.#buffered = 0;
  }

  /** close writes what is buffered and closes the file; later requests are refused. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#flush();
    if (this.#fd !== undefined) closeSync(this.#fd);
    return Promise.resolve();
  }
}
