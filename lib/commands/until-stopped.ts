// untilStopped: how a long-running command (ebb serve, ebb ui) waits to be stopped — by SIGTERM
// (a container's stop), Ctrl-C, or the abort signal tests use instead of signals.

export function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      process.off('SIGTERM', done);
      process.off('SIGINT', done);
      resolve();
    };
    signal?.addEventListener('abort', done, { once: true });
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
  });
}
