// RunTimeout is the reason a run's signal is aborted when its deadline passes (ebb run
// --timeout): the run stops as on Ctrl-C — no new requests, those in flight finish, their
// acknowledgements are committed — and is recorded as timed out.

export class RunTimeout {
  /** The deadline as the user wrote it (e.g. "10m"). */
  readonly what: string;
  constructor(what: string) {
    this.what = what;
  }
}
