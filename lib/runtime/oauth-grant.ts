// What the worker and the main thread share about OAuth grants (oauth-module.ts registers them,
// oauth-transport.ts uses them): the registration message and the internal header a request
// names its grant with. Types only and a constant, so the worker pulls in nothing of lib/send.

import type { OAuthGrant } from '../send/oauth.js';

/** The internal header naming a registered grant; the OAuth transport swaps it for Authorization. */
export const OAUTH_HEADER = 'x-ebb-oauth-grant';

/** A grant as a script registers it (the `oauth` op). */
export interface OAuthRegistration {
  readonly id: number;
  readonly tokenUrl: string;
  readonly grant: OAuthGrant;
}
