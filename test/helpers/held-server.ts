/**
 * A server on port 0 that holds every request open until `release()`: `holding` resolves when
 * the first one arrives. Tests use it to keep a run inside a model (holding its state file or
 * lock) while they try something beside it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeldServer {
  readonly url: string;
  /** Resolves when the first request has arrived (and is being held). */
  readonly holding: Promise<void>;
  /** Answers every held request (and any later one) with `{}`. */
  release(): void;
  close(): void;
}

export async function startHeldServer(): Promise<HeldServer> {
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  let arrived: () => void = () => undefined;
  const holding = new Promise<void>((r) => (arrived = r));
  const api = createServer((req, res) => {
    req.resume();
    arrived();
    void released.then(() => res.end('{}'));
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    holding,
    release,
    close: () => {
      release();
      api.closeAllConnections();
      api.close();
    },
  };
}
