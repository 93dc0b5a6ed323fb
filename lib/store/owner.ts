// Owner is a small file beside the state database that says who holds it: the command, its
// process id, since when and (for a run) which model it is on. DuckDB's lock only names a
// PID; a second ebb that finds the state locked reads this file to say more. The file is
// trusted only when its PID is the one DuckDB reports, so one left by `kill -9` misleads nobody.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';

interface OwnerInfo {
  readonly pid: number;
  readonly command: string;
  readonly since: string;
  readonly model?: string;
}

function ownerPath(statePath: string): string {
  return `${statePath}.owner.json`;
}

export class Owner {
  readonly #path: string;
  readonly #info: OwnerInfo;

  constructor(statePath: string, command: string) {
    this.#path = ownerPath(statePath);
    this.#info = { pid: process.pid, command, since: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    this.#write(this.#info);
  }

  note(model: string | undefined): void {
    this.#write(model === undefined ? this.#info : { ...this.#info, model });
  }

  release(): void {
    rmSync(this.#path, { force: true });
  }

  #write(info: OwnerInfo): void {
    try {
      writeFileSync(this.#path, JSON.stringify(info) + '\n');
    } catch {
      // Only a nicer lock message depends on this file; a read-only folder must not stop a command.
    }
  }
}

/** describeOwner says who holds the state, from the owner file when it matches DuckDB's PID. */
export function describeOwner(statePath: string, pid: number): string {
  let info: OwnerInfo | undefined;
  try {
    info = JSON.parse(readFileSync(ownerPath(statePath), 'utf8')) as OwnerInfo;
  } catch {
    info = undefined;
  }
  if (!info || info.pid !== pid) return `PID ${pid}`;
  return `${info.command}, PID ${pid}, since ${info.since}${info.model ? `, on model ${info.model}` : ''}`;
}
