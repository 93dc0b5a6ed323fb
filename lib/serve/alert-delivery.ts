// postAlert delivers one alert message: a JSON POST with a timeout, sent again when the receiver
// asks to wait (429, honouring Retry-After, as Slack's incoming webhooks answer past one message
// a second) or fails for a moment (5xx, no answer), a few times at most. An alert goes out once
// per change of a model's health, so a message lost to a burst of alerts would be lost for good.

/** How long one attempt may take before it is given up. */
const ATTEMPT_TIMEOUT_MS = 10_000; // ms
/** Attempts of one message, the first included. */
const ATTEMPTS = 3;
/** The longest wait a Retry-After may ask for before the next attempt; longer is given up. */
const MAX_WAIT_MS = 30_000; // ms
/** The wait after a 5xx or no answer, and after a 429 without Retry-After. */
const DEFAULT_WAIT_MS = 1_000; // ms

/** What became of a message: delivered, or why not (a status and the start of its body, or an error). */
export type Delivery = { readonly ok: true } | { readonly ok: false; readonly why: string };

export async function postAlert(url: string, body: string): Promise<Delivery> {
  let why = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    let wait = DEFAULT_WAIT_MS;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      const text = (await res.text()).trim().slice(0, 200);
      if (res.ok) return { ok: true };
      why = `status ${res.status}${text ? ` (${text})` : ''}`;
      if (res.status !== 429 && res.status < 500) return { ok: false, why };
      const after = Number(res.headers.get('retry-after'));
      if (res.status === 429 && Number.isFinite(after) && after >= 0) wait = after * 1000;
    } catch (err) {
      why = String((err as Error).message);
    }
    if (attempt === ATTEMPTS || wait > MAX_WAIT_MS) break;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return { ok: false, why };
}
