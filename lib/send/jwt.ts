// RS256 JSON Web Tokens, signed with node:crypto, for OAuth 2.0's JWT bearer grant (RFC 7523) as
// Salesforce uses it: a header {alg: RS256, typ: JWT}, the claims, and an RSASSA-PKCS1-v1_5
// SHA-256 signature, each base64url-encoded. The private key comes as a PEM string (from a file
// or an env value); a key that cannot sign is an OAuthError that never quotes the key.

import { type KeyObject, createPrivateKey, sign } from 'node:crypto';
import { OAuthError } from './oauth-error.js';

const b64url = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

/** privateKeyFromPem parses a PKCS#1 or PKCS#8 RSA private key; the error says what to fix. */
export function privateKeyFromPem(pem: string): KeyObject {
  let key: KeyObject;
  try {
    // A key kept in an env value often has its newlines written as "\n": restore them.
    key = createPrivateKey(pem.includes('\\n') && !pem.includes('\n') ? pem.replace(/\\n/g, '\n') : pem);
  } catch (err) {
    throw new OAuthError(
      'the JWT private key is not a PEM private key (expected "-----BEGIN PRIVATE KEY-----" or ' +
        '"-----BEGIN RSA PRIVATE KEY-----"); check the file or variable that holds it',
      { cause: err },
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new OAuthError(
      `the JWT private key is ${key.asymmetricKeyType ?? 'not'} an RSA key; RS256 needs RSA`,
    );
  }
  return key;
}

/** signJwtRs256 returns the compact JWT of `claims`, signed with the key. */
export function signJwtRs256(claims: Readonly<Record<string, unknown>>, key: KeyObject): string {
  const signingInput = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${signingInput}.${b64url(sign('RSA-SHA256', Buffer.from(signingInput), key))}`;
}
