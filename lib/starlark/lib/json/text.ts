/**
 * The rules of JSON text that json.decode's parser (decode.ts) and its check of an array it
 * leaves unmade (scan.ts) share, so that the two accept exactly the same texts: numbers, a string
 * literal's escapes, and how an error names a character.
 */
import { encodeUTF8 } from '../../eval/value.js';

/** DecodeFail is a decoding error's reason; the decoder adds the offset (json.decode's message). */
export class DecodeFail {
  readonly msg: string;
  constructor(msg: string) {
    this.msg = msg;
  }
}

function fail(m: string): never {
  throw new DecodeFail(m);
}

/** strconv.ParseFloat's syntax over the characters a number may have. */
const FLOAT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * badNumber tells whether the number text s[i:j] (a '-' or a digit, then digits and . e E + -;
 * float when any of . e E + - follows its first character) is invalid: no digit, a leading zero
 * before a digit, or a float Go's ParseFloat refuses or that is out of range.
 */
export function badNumber(s: string, i: number, j: number, float: boolean): boolean {
  const d = s.charCodeAt(i) === 45 ? i + 1 : i;
  if (d === j) return true;
  if (s.charCodeAt(d) === 48 && d + 1 < j && isDigit(s.charCodeAt(d + 1))) return true;
  if (!float) return false;
  const num = s.slice(i, j);
  return !FLOAT.test(num) || !Number.isFinite(Number(num));
}

/** isDigit tells an ASCII digit's char code. */
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * unquoteJSON decodes the escapes of a string literal's body. An error is thrown as a DecodeFail;
 * the decoder adds its offset.
 */
export function unquoteJSON(body: string): string {
  if (!/[\\\x00-\x1f]/.test(body)) return body;
  let out = '';
  for (let k = 0; k < body.length; k++) {
    const c = body[k]!;
    if (c < ' ') fail(`invalid character ${charRepr(c)} in string literal`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++k]!;
    switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        const h = body.slice(k + 1, k + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(h))
          fail(`invalid character ${charRepr(body[k + 1] ?? '"')} in \\u hexadecimal character escape`);
        let cp = parseInt(h, 16);
        k += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && body[k + 1] === '\\' && body[k + 2] === 'u') {
          const h2 = body.slice(k + 3, k + 7);
          const lo = /^[0-9a-fA-F]{4}$/.test(h2) ? parseInt(h2, 16) : -1;
          if (lo >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            k += 6;
          }
        }
        if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd;
        out += encodeUTF8(String.fromCodePoint(cp));
        break;
      }
      default:
        fail(`invalid character ${charRepr(e)} in string escape code`);
    }
  }
  return out;
}

const NAMED_ESCAPES: Record<string, string> = {
  '\x07': 'a',
  '\b': 'b',
  '\f': 'f',
  '\n': 'n',
  '\r': 'r',
  '\t': 't',
  '\v': 'v',
};

/** charRepr quotes a byte as Go's %q does. */
export function charRepr(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '\\') return "'\\\\'";
  const code = c.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) {
    const named = NAMED_ESCAPES[c];
    return named !== undefined ? `'\\${named}'` : `'\\x${code.toString(16).padStart(2, '0')}'`;
  }
  return `'${c}'`;
}
