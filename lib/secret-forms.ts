// The forms a secret takes on its way out, so that redaction finds it in each: a secret read
// with env.get travels percent-encoded in a query string (`params=`), base64-encoded in a Basic
// `Authorization` header (`user:secret`), JSON-escaped in a body an API echoes back or a script
// prints with json.encode or repr. Matching the raw text only left all of these in failures,
// output, goldens and the state file. The Redactor (redact.ts) redacts every form listed here.

/** Characters a secret needs before it is redacted: shorter values would mangle output ("123"
 *  inside every count); env.get warns about them (README: the redaction rule). */
export const MIN_SECRET = 4;

/**
 * Base64 chunks this long or longer stand for a secret inside a larger base64 text (Basic
 * credentials with any user name, a base64 body): 6 characters carry 36 bits of the secret,
 * too many to occur by chance in text.
 */
const MIN_BASE64_CORE = 6;

const encoder = new TextEncoder();

/** secretForms lists the texts to redact for one secret (itself first), each at least MIN_SECRET long. */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  for (const f of percentForms(secret)) forms.add(f);
  for (const f of base64Forms(secret)) forms.add(f);
  for (const f of jsonForms(secret)) forms.add(f);
  return [...forms].filter((f) => f.length >= MIN_SECRET);
}

/**
 * Percent-encoded: `%2F` and `+` for a space (forms: `params=`), `%20`, as the URL parser leaves
 * a secret joined into a query or a path by hand (it encodes `"`, a space and non-ASCII only),
 * each with upper- and lower-case hex.
 */
function percentForms(secret: string): string[] {
  const uri = encodeURIComponent(secret);
  const form = new URLSearchParams([['', secret]]).toString().slice(1);
  const out: string[] = [];
  for (const f of [uri, form, uri.replace(/%20/g, '+'), form.replace(/\+/g, '%20'), ...parsed(secret)]) {
    out.push(
      f,
      f.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    );
  }
  return out;
}

/** The secret as the URL parser writes it in a query and in a path, when it stays in one piece. */
function parsed(secret: string): string[] {
  const out: string[] = [];
  if (!secret.includes('#')) out.push(new URL(`http://h/?${secret}`).search.slice(1));
  if (!/[#?\\]/.test(secret)) out.push(new URL(`http://h/${secret}`).pathname.slice(1));
  return out;
}

/**
 * Base64 of the whole value (standard, unpadded, URL-safe), and of the secret at each of the three
 * byte alignments it can have inside a longer base64 text: the characters that depend on the
 * secret's bytes alone. `user:secret` puts the secret at the alignment of the user name's
 * length, so the credentials are found whatever the user.
 */
function base64Forms(secret: string): string[] {
  const bytes = encoder.encode(secret);
  const whole = Buffer.from(bytes).toString('base64');
  const out = [whole, whole.replace(/=+$/, ''), Buffer.from(bytes).toString('base64url')];
  for (let k = 0; k < 3; k++) {
    const padded = new Uint8Array(k + bytes.length);
    padded.set(bytes, k);
    const text = Buffer.from(padded).toString('base64');
    const core = text.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    if (core.length >= MIN_BASE64_CORE) out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

/**
 * JSON-escaped (a `"` or `\` in the secret; `\/` as some encoders write `/`; non-ASCII as
 * `\uXXXX` in either case, as encoders that keep to ASCII write it), and escaped twice (a JSON
 * body quoted inside another JSON string, as an API's error echoes a request).
 */
function jsonForms(secret: string): string[] {
  const once = JSON.stringify(secret).slice(1, -1);
  const ascii = once.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const out = [
    once,
    once.replace(/\//g, '\\/'),
    ascii,
    ascii.replace(/\\u[0-9a-f]{4}/g, (m) => m.toUpperCase().replace('\\U', '\\u')),
  ];
  for (const f of [...out]) out.push(JSON.stringify(f).slice(1, -1));
  return out;
}
