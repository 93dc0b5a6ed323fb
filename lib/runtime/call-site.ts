// CallSite names where a script is (file:line:col) at the host call running now, for messages
// about what that call caused later (a failed save, a failed request). A loop calls from the
// same place over and over, so the text is built once per place, not once per call.

import type { Thread } from '../starlark/index.js';

export class CallSite {
  #file: string | undefined;
  #line = 0;
  #col = 0;
  #text: string | undefined;

  of(th: Thread): string | undefined {
    const p = th.position();
    if (p === undefined) return undefined;
    if (p.line !== this.#line || p.col !== this.#col || p.file !== this.#file) {
      this.#file = p.file;
      this.#line = p.line;
      this.#col = p.col;
      this.#text = `${p.file}:${p.line}:${p.col}`;
    }
    return this.#text;
  }
}
