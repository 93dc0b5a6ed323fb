// A response's headers as one string of `name: value` lines, the form they arrive in, parsed
// into an object only when something reads them. Most responses' headers are never read (a
// seed loop's 100,000 answers: the Sender reads Retry-After or Location of a failure only, the
// script rarely reads r.headers), yet undici's parsed form cost the main thread a lookup and two
// strings per header, an object per response, and the reply to the worker a string per name and
// value to clone. headerLines takes undici's raw pieces (views of the socket's read, in order):
// when they lie in one buffer with only the separators between them, the whole block is one
// slice; otherwise the lines are joined from the pieces.

/** The lines' separator, and what parseHeaderLines splits on. */
const EOL = '\r\n';
const COLON = 0x3a;
const SP = 0x20;
const HTAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;

/** headerLines is undici's raw headers ([name, value, name, value, …] as bytes) as `name: value` lines. */
export function headerLines(raw: readonly Buffer[]): string {
  const n = raw.length;
  if (n === 0) return '';
  const first = raw[0]!;
  const last = raw[n - 1]!;
  if (contiguous(raw)) {
    const start = first.byteOffset;
    return Buffer.from(first.buffer, start, last.byteOffset + last.length - start).toString('latin1');
  }
  let out = '';
  for (let i = 0; i + 1 < n; i += 2) {
    out += `${i === 0 ? '' : EOL}${raw[i]!.toString('latin1')}: ${raw[i + 1]!.toString('latin1')}`;
  }
  return out;
}

/**
 * contiguous tells whether the pieces are one block of the buffer they share with only a
 * header's separators between them: `:` and blanks after a name, blanks and one line end after
 * a value (what parseHeaderLines reads back the same way).
 */
function contiguous(raw: readonly Buffer[]): boolean {
  const buffer = raw[0]!.buffer;
  const bytes = new Uint8Array(buffer);
  for (let i = 1; i < raw.length; i++) {
    const prev = raw[i - 1]!;
    const piece = raw[i]!;
    if (piece.buffer !== buffer) return false;
    const from = prev.byteOffset + prev.length;
    const to = piece.byteOffset;
    if (to < from) return false;
    if ((i & 1) === 1) {
      // after a name: `:` then blanks
      if (to === from || bytes[from] !== COLON) return false;
      for (let k = from + 1; k < to; k++) if (bytes[k] !== SP && bytes[k] !== HTAB) return false;
    } else {
      // after a value: blanks, CR LF (or LF), nothing else
      let k = from;
      while (k < to && (bytes[k] === SP || bytes[k] === HTAB)) k++;
      if (k < to && bytes[k] === CR) k++;
      if (k >= to || bytes[k] !== LF || k + 1 !== to) return false;
    }
  }
  return true;
}

/**
 * parseHeaderLines is the headers of `headerLines` as an object: lower-case names, values
 * without surrounding blanks, a repeated header's values joined with ", ".
 */
export function parseHeaderLines(text: string): Record<string, string> {
  return collectHeaders(text, undefined);
}

/**
 * headerLinesValue is one header of `headerLines` (name in lower case), as parseHeaderLines would
 * give it, without cutting out the others' values: a failed attempt's Retry-After is all the
 * sender reads of its headers.
 */
export function headerLinesValue(text: string, name: string): string | undefined {
  return collectHeaders(text, name)[name];
}

/** collectHeaders is parseHeaderLines of the header named `only`, or of every header. */
function collectHeaders(text: string, only: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === '') return out;
  let at = 0;
  while (at <= text.length) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const line = text.slice(at, end > at && text.charCodeAt(end - 1) === CR ? end - 1 : end);
    at = end + 1;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === '__proto__' || (only !== undefined && name !== only)) continue;
    const value = line.slice(colon + 1).trim();
    const before = out[name];
    out[name] = before === undefined ? value : `${before}, ${value}`;
  }
  return out;
}

/**
 * WithHeaderLines is a response, outcome or reply whose headers are kept as their lines:
 * `headers` parses them when first read. (A class rather than a getter in an object literal: no
 * closure per response. Build a copy field by field: a spread would leave `headers` behind.)
 */
export abstract class WithHeaderLines {
  readonly headerLines: string;
  #headers: Record<string, string> | undefined;

  constructor(lines: string) {
    this.headerLines = lines;
  }

  get headers(): Readonly<Record<string, string>> {
    this.#headers ??= parseHeaderLines(this.headerLines);
    return this.#headers;
  }

  /** header is one header (name in lower case), without parsing the others unless they were. */
  header(name: string): string | undefined {
    return this.#headers !== undefined ? this.#headers[name] : headerLinesValue(this.headerLines, name);
  }
}

/** headerOf is one header of a response (name in lower case), from its lines when it kept them. */
export function headerOf(
  response: { readonly headers: Readonly<Record<string, string>> },
  name: string,
): string | undefined {
  return response instanceof WithHeaderLines ? response.header(name) : response.headers[name];
}
