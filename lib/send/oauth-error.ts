// The error of OAuth 2.0 token handling (oauth.ts, jwt.ts, token-cache.ts): a token endpoint
// that refused a grant or could not be reached, a private key that cannot sign. Its message
// names the endpoint (origin and path, never a query string) and what to check; it never holds
// a secret, a token or a key.

import { CODE } from '../error-codes.js';
import { SendError } from './errors.js';

export class OAuthError extends SendError {
  /** The OAuth `error` code of the endpoint's answer (`invalid_grant`, …), when it gave one. */
  readonly oauthError: string | undefined;
  /** The HTTP status of the endpoint's answer; undefined when none came. */
  readonly status: number | undefined;
  constructor(message: string, details: { oauthError?: string; status?: number; cause?: unknown } = {}) {
    super(CODE.EBB_OAUTH, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'OAuthError';
    this.oauthError = details.oauthError;
    this.status = details.status;
  }
}
