/**
 * A simulator of HubSpot's CRM v3 objects batch API, for the @ebb/hubspot.star library's tests:
 * `POST /crm/v3/objects/{objectType}/batch/upsert` and `.../batch/archive`, a private-app token
 * (Bearer), the 100-input maximum, per-input errors in a 207 Multi-Status, and 429 with the
 * X-HubSpot-RateLimit-* headers.
 *
 * Sources (read 2026-12-05):
 * - https://developers.hubspot.com/docs/api-reference/latest/crm/objects/contacts/batch/upsert-contacts
 *   (inputs `{idProperty, id, properties, objectWriteTraceId}`; a batch response with `status`,
 *   `results[]` carrying `objectWriteTraceId`, `errors[]` of `{status, category, message, context,
 *   errors[]}` and `numErrors`)
 * - https://developers.hubspot.com/docs/api-reference/latest/crm/objects/custom-objects/batch/upsert-custom-objects
 * - https://developers.hubspot.com/docs/faq/api-error-responses (401, 429; error body
 *   `{status, message, correlationId, category}`)
 * - https://community.hubspot.com/t5/APIs-Integrations/Improvements-to-authentication-errors-for-V3-endpoints-in/m-p/325369
 *   (401 body with category INVALID_AUTHENTICATION)
 * - https://www.throttleproxy.com/docs/rate-limits/hubspot and HubSpot's usage-details page as
 *   quoted in community.hubspot.com (429 body `{status, message, errorType: "RATE_LIMIT",
 *   correlationId, policyName}`, X-HubSpot-RateLimit-* headers; private apps: 100 or 190 requests
 *   per 10 s by plan)
 *
 * Choices where the docs are silent: every failing input gets its own error whose context is
 * `{objectWriteTraceId: [trace]}` when the input carried one (else `{id: [value]}`); archive
 * answers 204 for unknown ids as for known ones.
 */
import {
  type FaultOptions,
  type Route,
  type SimRequest,
  type SimResponse,
  WindowCounter,
  bearer,
  parseJson,
  serve,
} from './common.js';

/** The documented maximum of inputs per batch call. */
export const HUBSPOT_BATCH_MAX = 100;
/** The published limit of a private app on a Free or Starter portal: 100 requests per 10 s, rolling. */
export const HUBSPOT_PUBLISHED_RATE = { limit: 100, windowMs: 10_000 } as const;

export interface HubSpotInput {
  readonly idProperty?: string;
  readonly id?: string;
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly objectWriteTraceId?: string;
}

export interface HubSpotOptions extends FaultOptions {
  /** The private-app token the simulator accepts. */
  readonly token: string;
  /** Requests allowed per rolling window (HubSpot's TEN_SECONDLY_ROLLING), e.g. HUBSPOT_PUBLISHED_RATE. */
  readonly rate?: { readonly limit: number; readonly windowMs: number };
  /** Marks an input invalid; it is refused with HubSpot's INVALID_EMAIL error on `email`. */
  readonly invalid?: (input: HubSpotInput) => boolean;
}

export interface HubSpotRecord {
  readonly hsId: string;
  readonly properties: Record<string, string>;
}

export interface HubSpotSimulator {
  readonly url: string;
  /** Records by object type, then by the value of the unique property they were upserted by. */
  records(objectType: string): Map<string, HubSpotRecord>;
  /** Requests received, `METHOD path`. */
  readonly log: readonly string[];
  close(): Promise<void>;
}

const correlationId = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

export async function startHubSpot(options: HubSpotOptions): Promise<HubSpotSimulator> {
  const store = new Map<string, Map<string, HubSpotRecord>>();
  const records = (type: string): Map<string, HubSpotRecord> => {
    let m = store.get(type);
    if (!m) store.set(type, (m = new Map()));
    return m;
  };
  const window = new WindowCounter(options.rate, true);
  let seq = 0;
  let nextHsId = 1001;

  const guard = (req: SimRequest, then: (body: unknown) => SimResponse): SimResponse => {
    const state = window.take();
    const headers = {
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(state.windowMs),
      'X-HubSpot-RateLimit-Max': String(state.limit),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(0, state.remaining)),
    };
    if (bearer(req) !== options.token) {
      return {
        status: 401,
        json: {
          status: 'error',
          message: 'Authentication credentials not found.',
          correlationId: correlationId(++seq),
          category: 'INVALID_AUTHENTICATION',
        },
      };
    }
    if (!state.allowed) {
      return {
        status: 429,
        headers,
        json: {
          status: 'error',
          message: 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          correlationId: correlationId(++seq),
          policyName: 'TEN_SECONDLY_ROLLING',
        },
      };
    }
    const answer = then(parseJson(req));
    return { ...answer, headers: { ...headers, ...answer.headers } };
  };

  const badRequest = (message: string): SimResponse => ({
    status: 400,
    json: { status: 'error', message, correlationId: correlationId(++seq), category: 'VALIDATION_ERROR' },
  });

  const inputsOf = (body: unknown): HubSpotInput[] | SimResponse => {
    const inputs = (body as { inputs?: unknown } | undefined)?.inputs;
    if (!Array.isArray(inputs)) return badRequest('Invalid input JSON: the body needs an "inputs" array.');
    if (inputs.length > HUBSPOT_BATCH_MAX) {
      return badRequest(`Batch input of ${inputs.length} exceeds the limit of ${HUBSPOT_BATCH_MAX} inputs.`);
    }
    return inputs as HubSpotInput[];
  };

  const upsert = (req: SimRequest): SimResponse =>
    guard(req, (body) => {
      const inputs = inputsOf(body);
      if (!Array.isArray(inputs)) return inputs;
      const type = req.params[0]!;
      const now = new Date().toISOString();
      const results: unknown[] = [];
      const errors: unknown[] = [];
      for (const input of inputs) {
        const idProperty = input.idProperty ?? req.query.get('idProperty') ?? undefined;
        const context = input.objectWriteTraceId
          ? { objectWriteTraceId: [input.objectWriteTraceId] }
          : { id: [String(input.id)] };
        if (!idProperty || input.id === undefined || input.id === '') {
          errors.push(inputError('Each input needs an idProperty and an id.', 'VALIDATION_ERROR', context));
          continue;
        }
        if (options.invalid?.(input)) {
          errors.push(invalidEmail(String(input.properties?.['email'] ?? input.id), context));
          continue;
        }
        const props: Record<string, string> = {};
        for (const [k, v] of Object.entries(input.properties ?? {})) if (v !== null) props[k] = String(v);
        props[idProperty] = String(input.id);
        const existing = records(type).get(String(input.id));
        const rec: HubSpotRecord = {
          hsId: existing?.hsId ?? String(nextHsId++),
          properties: { ...existing?.properties, ...props },
        };
        records(type).set(String(input.id), rec);
        results.push({
          id: rec.hsId,
          properties: rec.properties,
          createdAt: now,
          updatedAt: now,
          archived: false,
          new: existing === undefined,
          ...(input.objectWriteTraceId ? { objectWriteTraceId: input.objectWriteTraceId } : {}),
        });
      }
      const json = {
        status: 'COMPLETE',
        results,
        ...(errors.length ? { numErrors: errors.length, errors } : {}),
        requestedAt: now,
        startedAt: now,
        completedAt: now,
      };
      return { status: errors.length ? 207 : 200, json };
    });

  const archive = (req: SimRequest): SimResponse =>
    guard(req, (body) => {
      const inputs = inputsOf(body);
      if (!Array.isArray(inputs)) return inputs;
      const type = req.params[0]!;
      const byProperty = req.query.get('idProperty');
      for (const input of inputs) {
        const id = String(input.id);
        if (byProperty) records(type).delete(id);
        else for (const [k, r] of records(type)) if (r.hsId === id) records(type).delete(k);
      }
      return { status: 204 };
    });

  const routes: Route[] = [
    { method: 'POST', pattern: /^\/crm\/v3\/objects\/([^/]+)\/batch\/upsert$/, handle: upsert },
    { method: 'POST', pattern: /^\/crm\/v3\/objects\/([^/]+)\/batch\/archive$/, handle: archive },
  ];
  const served = await serve(
    routes,
    () => ({
      status: 404,
      json: { status: 'error', message: 'Resource not found', correlationId: correlationId(++seq) },
    }),
    options,
  );
  return { url: served.url, log: served.log, records, close: served.close };
}

function inputError(message: string, category: string, context: unknown): unknown {
  return { status: 'error', category, message, context, errors: [] };
}

/** HubSpot's refusal of an invalid email: the property error list, JSON inside the message. */
function invalidEmail(value: string, context: unknown): unknown {
  const detail = [
    { isValid: false, message: `Email address ${value} is invalid`, error: 'INVALID_EMAIL', name: 'email' },
  ];
  return {
    status: 'error',
    category: 'VALIDATION_ERROR',
    message: `Property values were not valid: ${JSON.stringify(detail)}`,
    context,
    errors: [{ message: `Email address ${value} is invalid`, code: 'INVALID_EMAIL', in: 'email' }],
  };
}
