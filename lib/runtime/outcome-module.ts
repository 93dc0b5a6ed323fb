// The `outcome` module of models and their libraries: the values an outcome function (the
// `outcome=` of save.row/rows/delete) returns per row — `outcome.accepted`, `outcome.rejected(
// message)` (the API refused the record: not sent again until it changes) and
// `outcome.failed(message)` (transient: sent again next run). They are plain tagged values; what
// they mean for delivery is decided in outcomes.ts.

import { Builtin, HostValue, makeModule, makeString, string, unpack, type Value } from '../starlark/index.js';

export type OutcomeKind = 'accepted' | 'rejected' | 'failed';

/** Characters of a rejected or failed row's message kept (the rest of a long API message is cut). */
export const MAX_MESSAGE = 1000;

/** RowOutcome is one row's outcome as an outcome function returns it. */
export class RowOutcome extends HostValue {
  readonly kind: OutcomeKind;
  readonly message: string;

  constructor(kind: OutcomeKind, message: string) {
    super();
    this.kind = kind;
    this.message = message;
  }

  type(): string {
    return 'outcome';
  }

  override repr(): string {
    return this.kind === 'accepted'
      ? 'outcome.accepted'
      : `outcome.${this.kind}(${JSON.stringify(this.message)})`;
  }

  override attr(name: string): Value | undefined {
    if (name === 'kind') return makeString(this.kind);
    if (name === 'message') return makeString(this.message);
    return undefined;
  }

  override attrNames(): string[] {
    return ['kind', 'message'];
  }
}

export const ACCEPTED = new RowOutcome('accepted', '');

/** outcomeModule is the predeclared `outcome`. */
export function outcomeModule(): Value {
  const withMessage = (kind: 'rejected' | 'failed') =>
    new Builtin(`outcome.${kind}`, (_th, fn, args, kwargs) => {
      const [message] = unpack(fn.name, args, kwargs, ['message', string]);
      return new RowOutcome(kind, message.slice(0, MAX_MESSAGE));
    });
  return makeModule('outcome', {
    accepted: ACCEPTED,
    rejected: withMessage('rejected'),
    failed: withMessage('failed'),
  });
}
