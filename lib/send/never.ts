// A signal that never aborts. The Sender gives it to every attempt (stop() lets attempts in
// flight finish), and a transport may compare against it to skip registering an abort
// listener per request, which is measurable at thousands of requests a second.

import { setMaxListeners } from 'node:events';

export const NEVER_ABORTED: AbortSignal = new AbortController().signal;
setMaxListeners(0, NEVER_ABORTED);
