// Calling the observers a caller hands to the Sender (onAttempt, onOutcome, onTrip). An
// observer that throws must not leave a request unresolved or a slot taken, so its error is
// rethrown on its own (an uncaught exception, loud) after the sender's bookkeeping is done.

export function observe(call: () => void): void {
  try {
    call();
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}
