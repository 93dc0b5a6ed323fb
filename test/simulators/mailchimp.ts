/**
 * A simulator of Mailchimp's Marketing API as the @ebb/mailchimp.star library uses it: batch
 * subscribe/update of list members (`POST /3.0/lists/{list_id}`, at most 500 members, per-email
 * errors in a 200), archiving a member (`DELETE /3.0/lists/{list_id}/members/{subscriber_hash}`,
 * the MD5 of the lower-cased email), HTTP Basic auth with any user name and the API key, and
 * Mailchimp's limit of 10 simultaneous connections (429).
 *
 * Sources (read 2026-12-05):
 * - Mailchimp Marketing API reference, "Batch subscribe or unsubscribe" (members up to 500,
 *   update_existing; response new_members, updated_members, errors[] of {email_address, error,
 *   error_code}, total_created, total_updated, error_count), as mirrored in
 *   https://docs.rs/mailchimp/0.1.10/mailchimp/types/struct.ListBatchParam.html and
 *   https://kestra.io/plugins/plugin-mailchimp/mailchimp-audiences/io.kestra.plugin.mailchimp.audiences.batchsubscribe
 *   ("Mailchimp answers 200 even when some members were rejected")
 * - Mailchimp's error glossary, problem-detail bodies {type, title, status, detail, instance}, as
 *   shown in https://github.com/ebizmarts/mailchimp-lib/issues/12 (400 Invalid Resource) and the
 *   API Key Invalid 401; "Archive list member" answers 204
 * - Mailchimp's API limits: 10 simultaneous connections per key, 429 beyond
 *
 * Error codes used: ERROR_CONTACT_EXISTS (member exists and update_existing is false),
 * ERROR_GENERIC (an address Mailchimp refuses as fake or invalid).
 */
import { createHash } from 'node:crypto';
import {
  type FaultOptions,
  type Route,
  type SimRequest,
  type SimResponse,
  WindowCounter,
  basic,
  parseJson,
  serve,
} from './common.js';

/** The documented maximum of members per batch subscribe request. */
export const MAILCHIMP_BATCH_MAX = 500;
const GLOSSARY = 'https://mailchimp.com/developer/marketing/docs/errors/';

/** The published limit: 10 simultaneous connections per API key. */
export const MAILCHIMP_MAX_CONNECTIONS = 10;

export interface MailchimpOptions extends FaultOptions {
  /** The API key, e.g. `0123…-us6`. */
  readonly apiKey: string;
  /** The lists (audiences) that exist. */
  readonly lists: readonly string[];
  /** Marks a member invalid: it is refused in errors[] as a fake or invalid address. */
  readonly invalid?: (member: Readonly<Record<string, unknown>>) => boolean;
  /** Simultaneous connections allowed before 429 (Mailchimp: 10). */
  readonly maxConnections?: number;
}

export interface MailchimpMember {
  readonly id: string;
  readonly email_address: string;
  readonly status: string;
  readonly merge_fields: Record<string, unknown>;
}

export interface MailchimpSimulator {
  readonly url: string;
  /** Members of a list by lower-cased email; archived members have status "archived". */
  members(listId: string): Map<string, MailchimpMember>;
  readonly log: readonly string[];
  close(): Promise<void>;
}

/** subscriberHash is Mailchimp's member id: the MD5 hex of the lower-cased email. */
export function subscriberHash(email: string): string {
  return createHash('md5').update(email.toLowerCase()).digest('hex');
}

const problem = (status: number, title: string, detail: string): SimResponse => ({
  status,
  headers: { 'content-type': 'application/problem+json; charset=utf-8' },
  json: { type: GLOSSARY, title, status, detail, instance: '00000000-0000-4000-8000-000000000000' },
});

export async function startMailchimp(options: MailchimpOptions): Promise<MailchimpSimulator> {
  const lists = new Map(options.lists.map((id) => [id, new Map<string, MailchimpMember>()]));
  const members = (id: string): Map<string, MailchimpMember> => lists.get(id) ?? new Map();
  const window = new WindowCounter(options.rate);

  const guard = (req: SimRequest, then: () => SimResponse): SimResponse => {
    if (basic(req)?.password !== options.apiKey) {
      return problem(
        401,
        'API Key Invalid',
        "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
      );
    }
    const tooMany = options.maxConnections !== undefined && req.inFlight > options.maxConnections;
    if (tooMany || !window.take().allowed) {
      return problem(
        429,
        'Too Many Requests',
        'You have exceeded the limit of simultaneous connections or requests.',
      );
    }
    if (!lists.has(req.params[0]!))
      return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
    return then();
  };

  const batch = (req: SimRequest): SimResponse =>
    guard(req, () => {
      const body = parseJson(req) as
        | { members?: Record<string, unknown>[]; update_existing?: boolean }
        | undefined;
      if (!body || !Array.isArray(body.members)) {
        return problem(
          400,
          'Invalid Resource',
          "The resource submitted could not be validated: 'members' is required.",
        );
      }
      if (body.members.length > MAILCHIMP_BATCH_MAX) {
        return problem(
          400,
          'Invalid Resource',
          `Maximum of ${MAILCHIMP_BATCH_MAX} members per batch, got ${body.members.length}.`,
        );
      }
      const list = members(req.params[0]!);
      const created: MailchimpMember[] = [];
      const updated: MailchimpMember[] = [];
      const errors: unknown[] = [];
      for (const m of body.members) {
        const email = String(m['email_address'] ?? '');
        const key = email.toLowerCase();
        const existing = list.get(key);
        if (options.invalid?.(m) || !email) {
          errors.push({
            email_address: email,
            error: `${email} looks fake or invalid, please enter a real email address.`,
            error_code: 'ERROR_GENERIC',
          });
        } else if (existing && existing.status !== 'archived' && body.update_existing !== true) {
          errors.push({
            email_address: email,
            error: `${email} is already a list member. Use PUT to insert or update list members.`,
            error_code: 'ERROR_CONTACT_EXISTS',
          });
        } else {
          const member: MailchimpMember = {
            id: subscriberHash(email),
            email_address: email,
            status: String(m['status'] ?? existing?.status ?? 'subscribed'),
            merge_fields: {
              ...existing?.merge_fields,
              ...(m['merge_fields'] as Record<string, unknown> | undefined),
            },
          };
          list.set(key, member);
          (existing ? updated : created).push(member);
        }
      }
      return {
        status: 200,
        json: {
          new_members: created,
          updated_members: updated,
          errors,
          total_created: created.length,
          total_updated: updated.length,
          error_count: errors.length,
        },
      };
    });

  const archive = (req: SimRequest): SimResponse =>
    guard(req, () => {
      const list = members(req.params[0]!);
      for (const [k, m] of list) {
        if (m.id === req.params[1] && m.status !== 'archived') {
          list.set(k, { ...m, status: 'archived' });
          return { status: 204 };
        }
      }
      return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
    });

  const routes: Route[] = [
    { method: 'POST', pattern: /^\/3\.0\/lists\/([^/]+)$/, handle: batch },
    { method: 'DELETE', pattern: /^\/3\.0\/lists\/([^/]+)\/members\/([0-9a-f]{32})$/, handle: archive },
  ];
  const served = await serve(
    routes,
    () => problem(404, 'Resource Not Found', 'The requested resource could not be found.'),
    options,
  );
  return { url: served.url, members, log: served.log, close: served.close };
}
