// The project key of `ebb test`'s scratch states. A real state keys idempotency keys with a
// random secret of its own (lib/store/state/project-key.ts); a scratch state is new on every run,
// so a random one would change every key in every golden. This one is fixed and public: keys in
// goldens are stable, and a request holding a secret has its key redacted in the recording
// (lib/send/offline/request-record.ts), since a public key lets anyone test guesses against it.

export const TEST_PROJECT_KEY: Uint8Array = new TextEncoder().encode('ebb test: fixed, public project key');
