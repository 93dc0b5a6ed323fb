/**
 * A simulator of Salesforce's REST API as the @ebb/salesforce.star library and lib/send/oauth.ts
 * use it: sObject Collections upsert by an external-ID field, delete by external ID, and the
 * OAuth 2.0 token endpoint (client credentials, refresh token, JWT bearer with an RS256
 * assertion verified against a test public key). Access tokens can be expired on demand, after
 * which the API answers 401 INVALID_SESSION_ID, as a real org does when a session times out.
 *
 * Sources (read 2026-12-05):
 * - https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-upsert.html
 *   (PATCH /services/data/vXX.X/composite/sobjects/{sObject}/{ExternalIdField}, `allOrNone`,
 *   `records` with `attributes.type`, at most 200, results in request order as UpsertResult
 *   `{id, success, errors[], created}`; 400 when the request is malformed, else 200)
 * - https://developer.salesforce.com/docs/platform/api-rest/guide/resources-sobject-upsert-delete.html
 *   (DELETE /services/data/vXX.X/sobjects/{sObject}/{fieldName}/{fieldValue}: the documented way
 *   to delete by external ID; sObject Collections delete takes record ids only)
 * - https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_error_handling_session_exp.htm
 *   and https://nango.dev/blog/fix-salesforce-invalid-session-id-error (401 with
 *   `[{errorCode: "INVALID_SESSION_ID", message}]`)
 * - https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_jwt_flow.htm (JWT
 *   bearer: iss = consumer key, sub = username, aud = login URL, exp; RS256) and
 *   https://jsforce.github.io/jsforce/types/oauth2.TokenResponse.html (token response fields:
 *   access_token, instance_url, id, token_type, issued_at, signature; no expires_in)
 *
 * Salesforce has no 429: an org over its API request limit answers 403 REQUEST_LIMIT_EXCEEDED,
 * and every response carries `Sforce-Limit-Info: api-usage=N/LIMIT`; the `rate` option simulates
 * that. Choices where the docs are silent: an allOrNone failure marks the valid records with
 * ALL_OR_NONE_OPERATION_ROLLED_BACK; more than 200 records is 400 EXCEEDED_ID_LIMIT.
 */
import { createHmac, verify } from 'node:crypto';
import {
  type FaultOptions,
  type Route,
  type SimRequest,
  type SimResponse,
  WindowCounter,
  bearer,
  basic,
  hexId,
  parseJson,
  serve,
} from './common.js';

/** The documented maximum of records per sObject Collections request. */
export const SALESFORCE_BATCH_MAX = 200;
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface SalesforceOptions extends FaultOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  /** A refresh token the token endpoint accepts. */
  readonly refreshToken?: string;
  /** The JWT bearer flow: the certificate's public key, the username and the audience. */
  readonly jwt?: { readonly publicKeyPem: string; readonly subject: string; readonly audience: string };
  /** Marks a record invalid; it fails with INVALID_EMAIL_ADDRESS on its Email field. */
  readonly invalid?: (record: Readonly<Record<string, unknown>>) => boolean;
}

export interface SalesforceSimulator {
  readonly url: string;
  /** Records by sObject, then by external-ID value; each has its `Id`. */
  records(sObject: string): Map<string, Record<string, unknown>>;
  /** Grants the token endpoint answered, by grant_type, in order. */
  readonly grants: readonly string[];
  /** issueToken gives a valid access token without going through the token endpoint. */
  issueToken(): string;
  /** expireTokens makes every token issued so far invalid (a session timeout). */
  expireTokens(): void;
  readonly log: readonly string[];
  close(): Promise<void>;
}

type Rec = Record<string, unknown>;

const DATA = '/services/data/v(\\d+\\.\\d+)';

export async function startSalesforce(options: SalesforceOptions): Promise<SalesforceSimulator> {
  const store = new Map<string, Map<string, Rec>>();
  const records = (o: string): Map<string, Rec> => {
    let m = store.get(o);
    if (!m) store.set(o, (m = new Map()));
    return m;
  };
  const live = new Set<string>();
  const grants: string[] = [];
  const window = new WindowCounter(options.rate);
  let tokens = 0;
  let ids = 0;
  let used = 0;
  const issueToken = (): string => {
    const t = `00Dsim!${hexId(++tokens, 8)}.${createHmac('sha256', 'sim').update(String(tokens)).digest('hex')}`;
    live.add(t);
    return t;
  };
  let base = '';

  const api = (handle: (req: SimRequest) => SimResponse) => (req: SimRequest) => {
    const state = window.take();
    used++;
    const limitInfo = { 'Sforce-Limit-Info': `api-usage=${used}/${state.limit}` };
    const token = bearer(req);
    if (token === undefined || !live.has(token)) {
      return {
        status: 401,
        json: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
      };
    }
    if (!state.allowed) {
      return {
        status: 403,
        headers: limitInfo,
        json: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
      };
    }
    const answer = handle(req);
    return { ...answer, headers: { ...limitInfo, ...answer.headers } };
  };

  const upsert = (req: SimRequest): SimResponse => {
    const [, sObject, field] = req.params as [string, string, string];
    const body = parseJson(req) as { allOrNone?: boolean; records?: Rec[] } | undefined;
    if (!body || !Array.isArray(body.records)) {
      return {
        status: 400,
        json: [{ message: 'The request body needs a records array.', errorCode: 'JSON_PARSER_ERROR' }],
      };
    }
    if (body.records.length > SALESFORCE_BATCH_MAX) {
      const message = `record limit reached. cannot submit more than ${SALESFORCE_BATCH_MAX} records into this call`;
      return { status: 400, json: [{ message, errorCode: 'EXCEEDED_ID_LIMIT' }] };
    }
    const staged = new Map<string, Rec>();
    const results = body.records.map((r) => upsertOne(r, sObject, field, staged));
    const failed = results.some((r) => !r.success);
    if (body.allOrNone === true && failed) {
      return { status: 200, json: results.map(rolledBack) };
    }
    for (const [k, v] of staged) records(sObject).set(k, v);
    return { status: 200, json: results };
  };

  const upsertOne = (r: Rec, sObject: string, field: string, staged: Map<string, Rec>) => {
    const type = (r['attributes'] as { type?: string } | undefined)?.type;
    if (type !== sObject) {
      return fail('INVALID_TYPE', `attributes.type must be ${sObject}`, []);
    }
    const key = r[field];
    if (key === undefined || key === null || key === '') {
      return fail('MISSING_ARGUMENT', `${field} not specified`, [field]);
    }
    if (options.invalid?.(r)) {
      return fail('INVALID_EMAIL_ADDRESS', `Email: invalid email address: ${String(r['Email'])}`, ['Email']);
    }
    const existing = staged.get(String(key)) ?? records(sObject).get(String(key));
    const { attributes: _, ...fields } = r;
    const id = (existing?.['Id'] as string | undefined) ?? `003sim${hexId(++ids, 12)}`;
    staged.set(String(key), { ...existing, ...fields, Id: id });
    return { id, success: true, errors: [], created: existing === undefined };
  };

  const deleteByExternalId = (req: SimRequest): SimResponse => {
    const [, sObject, field, value] = req.params as [string, string, string, string];
    const m = records(sObject);
    const hit = m.get(value);
    if (!hit || field === 'Id') {
      return {
        status: 404,
        json: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
      };
    }
    m.delete(value);
    return { status: 204 };
  };

  const token = (req: SimRequest): SimResponse => {
    const form = new URLSearchParams(req.raw.toString('utf8'));
    for (const [k, v] of req.query) if (!form.has(k)) form.set(k, v);
    const grant = form.get('grant_type') ?? '';
    const refused = checkGrant(grant, form, basic(req), options);
    if (refused) return { status: 400, json: refused };
    grants.push(grant);
    const access = issueToken();
    return {
      status: 200,
      json: {
        access_token: access,
        instance_url: base,
        id: `${base}/id/00Dsim0000000001/005sim0000000001`,
        token_type: 'Bearer',
        issued_at: String(Date.now()),
        signature: createHmac('sha256', 'sim').update(access).digest('base64'),
        scope: 'api',
      },
    };
  };

  const routes: Route[] = [
    { method: 'POST', pattern: /^\/services\/oauth2\/token$/, handle: token },
    {
      method: 'PATCH',
      pattern: new RegExp(`^${DATA}/composite/sobjects/([^/]+)/([^/]+)$`),
      handle: api(upsert),
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^${DATA}/sobjects/([^/]+)/([^/]+)/([^/]+)$`),
      handle: api(deleteByExternalId),
    },
  ];
  const served = await serve(
    routes,
    () => ({
      status: 404,
      json: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
    }),
    options,
  );
  base = served.url;
  return {
    url: served.url,
    log: served.log,
    records,
    grants,
    issueToken,
    expireTokens: () => live.clear(),
    close: served.close,
  };
}

function fail(statusCode: string, message: string, fields: string[]) {
  return { success: false, errors: [{ statusCode, message, fields }] } as const;
}

function rolledBack(r: { success: boolean; errors: readonly unknown[] }) {
  if (!r.success) return r;
  const message =
    'Record rolled back because not all records were valid and the request was using AllOrNone header';
  return {
    success: false,
    errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message, fields: [] }],
  };
}

type OAuthError = { error: string; error_description: string };

/** checkGrant returns the token endpoint's OAuth error for a refused grant, or undefined. */
function checkGrant(
  grant: string,
  form: URLSearchParams,
  auth: { user: string; password: string } | undefined,
  options: SalesforceOptions,
): OAuthError | undefined {
  const clientId = form.get('client_id') ?? auth?.user;
  const secret = form.get('client_secret') ?? auth?.password;
  switch (grant) {
    case 'client_credentials':
      if (clientId !== options.clientId || secret !== options.clientSecret) {
        return { error: 'invalid_client', error_description: 'invalid client credentials' };
      }
      return undefined;
    case 'refresh_token':
      if (clientId !== options.clientId)
        return { error: 'invalid_client_id', error_description: 'client identifier invalid' };
      if (secret !== undefined && secret !== options.clientSecret) {
        return { error: 'invalid_client', error_description: 'invalid client credentials' };
      }
      if (!options.refreshToken || form.get('refresh_token') !== options.refreshToken) {
        return { error: 'invalid_grant', error_description: 'expired access/refresh token' };
      }
      return undefined;
    case JWT_BEARER:
      return checkAssertion(form.get('assertion') ?? '', options);
    default:
      return { error: 'unsupported_grant_type', error_description: 'grant type not supported' };
  }
}

/** checkAssertion verifies an RS256 JWT's signature and its iss, sub, aud and exp claims. */
function checkAssertion(assertion: string, options: SalesforceOptions): OAuthError | undefined {
  const invalid = { error: 'invalid_grant', error_description: 'invalid assertion' };
  const jwt = options.jwt;
  const parts = assertion.split('.');
  if (!jwt || parts.length !== 3) return invalid;
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: string };
  let claims: { iss?: string; sub?: string; aud?: string; exp?: number };
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return invalid;
  }
  if (header.alg !== 'RS256') return invalid;
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), jwt.publicKeyPem, Buffer.from(s, 'base64url')))
    return invalid;
  if (claims.iss !== options.clientId)
    return { error: 'invalid_client_id', error_description: 'client identifier invalid' };
  if (claims.sub !== jwt.subject)
    return { error: 'invalid_grant', error_description: "user hasn't approved this consumer" };
  if (claims.aud !== jwt.audience)
    return { error: 'invalid_grant', error_description: 'audience is invalid' };
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) {
    return { error: 'invalid_grant', error_description: 'expired authorization code' };
  }
  return undefined;
}
