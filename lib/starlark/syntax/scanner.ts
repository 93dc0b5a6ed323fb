/**
 * The scanner: Starlark source text to tokens, the first phase (scanner → parser →
 * resolver → compiler).
 *
 * Tokens come one at a time (Scanner.next), each with its 1-based line and column, the
 * position just after it (where a parse error about it is reported) and its value: a string
 * or bytes literal decoded to an interpreter byte string (UTF-8 bytes as characters), a
 * number, or an identifier's name. Keywords and punctuation are token kinds spelt as
 * themselves; words Python reserves but Starlark lacks (class, import, ...) scan as ILLEGAL
 * tokens, which the parser refuses.
 *
 * Key ideas:
 *  - Layout becomes tokens. At the start of each line the indentation is measured (a tab
 *    advances to the next multiple of 8) and compared with a stack of open indentation
 *    levels: deeper pushes one INDENT, shallower pops levels, one OUTDENT each, and must land
 *    exactly on an outer level. Blank and comment-only lines, and every line inside (), [] or
 *    {}, are not layout. A logical line ends with a NEWLINE token; at the end of the file a
 *    last NEWLINE and the pending OUTDENTs close what is open, then EOF.
 *  - Brackets are counted, and the open ones remembered, so that an error at the end of the
 *    file can name the bracket left unclosed; a backslash joins a line to the next.
 *  - Positions count code points: a character outside the BMP is one column, as in
 *    starlark-go, although it is two UTF-16 units here; CR LF and CR read as LF.
 *  - Errors throw ScanOrSyntaxError at once: scanning stops at the first error.
 */
import { ScanOrSyntaxError } from './position.js';

/** Tok is a token kind: punctuation and keywords are their own spelling. */
export type Tok =
  | 'EOF'
  | 'ILLEGAL'
  | 'NEWLINE'
  | 'INDENT'
  | 'OUTDENT'
  | 'IDENT'
  | 'INT'
  | 'FLOAT'
  | 'STRING'
  | 'BYTES'
  | '+'
  | '-'
  | '*'
  | '/'
  | '//'
  | '%'
  | '&'
  | '|'
  | '^'
  | '<<'
  | '>>'
  | '~'
  | '.'
  | ','
  | '='
  | ';'
  | ':'
  | '('
  | ')'
  | '['
  | ']'
  | '{'
  | '}'
  | '<'
  | '>'
  | '>='
  | '<='
  | '=='
  | '!='
  | '+='
  | '-='
  | '*='
  | '/='
  | '//='
  | '%='
  | '&='
  | '|='
  | '^='
  | '<<='
  | '>>='
  | '**'
  | '->'
  | 'and'
  | 'break'
  | 'continue'
  | 'def'
  | 'elif'
  | 'else'
  | 'for'
  | 'if'
  | 'in'
  | 'lambda'
  | 'load'
  | 'not'
  | 'or'
  | 'pass'
  | 'return'
  | 'while'
  | 'not in';

const KEYWORDS = new Set([
  'and',
  'break',
  'continue',
  'def',
  'elif',
  'else',
  'for',
  'if',
  'in',
  'lambda',
  'load',
  'not',
  'or',
  'pass',
  'return',
  'while',
]);
const RESERVED = new Set([
  'as',
  'class',
  'del',
  'except',
  'finally',
  'from',
  'global',
  'import',
  'is',
  'nonlocal',
  'raise',
  'try',
  'with',
  'yield',
]);

/** tokenName renders a token kind the way parse errors mention it. */
export function tokenName(t: Tok): string {
  switch (t) {
    case 'EOF':
      return 'end of file';
    case 'ILLEGAL':
      return 'illegal token';
    case 'NEWLINE':
      return 'newline';
    case 'INDENT':
      return 'indent';
    case 'OUTDENT':
      return 'outdent';
    case 'IDENT':
      return 'identifier';
    case 'INT':
      return 'int literal';
    case 'FLOAT':
      return 'float literal';
    case 'STRING':
      return 'string literal';
    case 'BYTES':
      return 'bytes literal';
  }
  if (KEYWORDS.has(t) || t === 'not in') return t;
  return `'${t}'`;
}

/** utf8Bytes encodes a JS string as UTF-8, one char code per byte (the internal string form). */
export function utf8Bytes(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(s)) return s;
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** Token is one lexical token with its value and 1-based position. */
export interface Token {
  tok: Tok;
  line: number;
  col: number;
  raw: string;
  /** string/bytes value (UTF-8 byte string), identifier name, or number value */
  value: string | number | bigint;
  /** position just after the token (where starlark-go reports parse errors) */
  endLine?: number;
  endCol?: number;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdentStart = (c: number) =>
  (c >= 97 && c <= 122) ||
  (c >= 65 && c <= 90) ||
  c === 95 ||
  (c >= 0x80 && /\p{L}/u.test(String.fromCodePoint(c)));
const isIdentPart = (c: number) =>
  isIdentStart(c) || isDigit(c) || (c >= 0x80 && /\p{N}/u.test(String.fromCodePoint(c)));

/** quoteRune quotes a character as Go's %q does for a rune (so messages read as starlark-go's). */
function quoteRune(c: number): string {
  if (c === 39 || c === 92) return `'\\${String.fromCharCode(c)}'`;
  const ch = String.fromCodePoint(c);
  if (/^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch) || c === 32) return `'${ch}'`;
  const named: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r' };
  if (named[c] !== undefined) return `'\\${named[c]}'`;
  if (c < 0x80) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  return c < 0x10000 ? `'\\u${c.toString(16).padStart(4, '0')}'` : `'\\U${c.toString(16).padStart(8, '0')}'`;
}

/** Scanner turns source text into tokens, synthesising NEWLINE/INDENT/OUTDENT. */
export class Scanner {
  readonly #src: string;
  readonly #file: string;
  #i = 0;
  #line = 1;
  #col = 1;
  #depth = 0;
  /** the brackets open at this point, innermost last (for the EOF error naming the unclosed one) */
  #open: Array<{ readonly ch: string; readonly line: number; readonly col: number }> = [];
  /** where the last token of the source text (not NEWLINE, INDENT, OUTDENT) ended */
  #lastEndLine = 1;
  #lastEndCol = 1;
  #indents: number[] = [0];
  #dents = 0;
  #lineStart = true;

  constructor(file: string, src: string) {
    this.#file = file;
    this.#src = src;
  }

  error(line: number, col: number, msg: string): never {
    throw new ScanOrSyntaxError({ file: this.#file, line, col }, msg);
  }

  #peek(): number {
    if (this.#i >= this.#src.length) return 0;
    const c = this.#src.charCodeAt(this.#i);
    if (c === 13) return 10;
    // a character outside the BMP is one code point (𝔘 is a letter, as #read reads it)
    if (c >= 0xd800 && c < 0xdc00) return this.#src.codePointAt(this.#i)!;
    return c;
  }
  #peekAt(k: number): number {
    return this.#i + k < this.#src.length ? this.#src.charCodeAt(this.#i + k) : 0;
  }
  #read(): number {
    const s = this.#src;
    if (this.#i >= s.length) return 0;
    let c = s.charCodeAt(this.#i++);
    if (c === 13) {
      if (s.charCodeAt(this.#i) === 10) this.#i++;
      c = 10;
    }
    if (c === 10) {
      this.#line++;
      this.#col = 1;
    } else if (c >= 0xd800 && c < 0xdc00 && this.#i < s.length) {
      const d = s.charCodeAt(this.#i);
      if (d >= 0xdc00 && d < 0xe000) {
        this.#i++;
        c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
      }
      this.#col++;
    } else {
      this.#col++;
    }
    return c;
  }

  next(): Token {
    const t = this.#next();
    if (t.tok === 'NEWLINE' || t.tok === 'EOF') {
      // starlark-go reports a parse error just after the offending token, which for a newline
      // (or the end of the file) is the start of the next line, a line after the mistake: a
      // statement or bracket left unfinished. The error goes where it was left unfinished.
      t.endLine = this.#lastEndLine;
      t.endCol = this.#lastEndCol;
      return t;
    }
    t.endLine = this.#line;
    t.endCol = this.#col;
    if (t.tok !== 'INDENT' && t.tok !== 'OUTDENT') {
      this.#lastEndLine = this.#line;
      this.#lastEndCol = this.#col;
    }
    return t;
  }

  /** openBracket is the innermost bracket not closed so far, if any. */
  openBracket(): { readonly ch: string; readonly line: number; readonly col: number } | undefined {
    return this.#open[this.#open.length - 1];
  }

  #next(): Token {
    for (;;) {
      let c: number;
      let blank = false;
      const savedLineStart = this.#lineStart;
      if (this.#lineStart) {
        this.#lineStart = false;
        let col = 0;
        for (;;) {
          c = this.#peek();
          if (c === 32) {
            col++;
            this.#read();
          } else if (c === 9) {
            col += 8 - ((this.#col - 1) % 8);
            this.#read();
          } else break;
        }
        if (c === 35 || c === 10 || c === 0) blank = true;
        if (!blank && this.#depth === 0) {
          const cur = this.#indents[this.#indents.length - 1]!;
          if (col > cur) {
            this.#dents++;
            this.#indents.push(col);
          } else if (col < cur) {
            while (this.#indents.length > 0 && col < this.#indents[this.#indents.length - 1]!) {
              this.#dents--;
              this.#indents.pop();
            }
            if (this.#indents.length === 0 || col !== this.#indents[this.#indents.length - 1]) {
              this.error(this.#line, this.#col, 'unindent does not match any outer indentation level');
            }
          }
        }
      }
      if (this.#dents !== 0) {
        const t = this.#tok(this.#dents < 0 ? 'OUTDENT' : 'INDENT', this.#line, this.#col, '', '');
        if (this.#dents < 0) this.#dents++;
        else this.#dents--;
        return t;
      }
      c = this.#peek();
      while (c === 32 || c === 9) {
        this.#read();
        c = this.#peek();
      }
      if (c === 35) {
        while (c !== 0 && c !== 10) {
          this.#read();
          c = this.#peek();
        }
      }
      if (c === 10) {
        this.#lineStart = true;
        if (blank || this.#depth > 0) {
          this.#read();
          continue;
        }
        const t = this.#tok('NEWLINE', this.#line, this.#col, '\n', '');
        this.#read();
        return t;
      }
      if (c === 0) {
        if (this.#indents.length > 1) {
          if (savedLineStart) {
            this.#dents = 1 - this.#indents.length;
            this.#indents.length = 1;
            continue;
          }
          this.#lineStart = true;
          return this.#tok('NEWLINE', this.#line, this.#col, '\n', '');
        }
        return this.#tok('EOF', this.#line, this.#col, '', '');
      }
      if (c === 92) {
        this.#read();
        if (this.#peek() !== 10) this.error(this.#line, this.#col, 'stray backslash in program');
        this.#read();
        continue;
      }
      return this.#scanToken(c);
    }
  }

  #tok(tok: Tok, line: number, col: number, raw: string, value: string | number | bigint): Token {
    return { tok, line, col, raw, value };
  }

  #scanToken(c: number): Token {
    const line = this.#line;
    const col = this.#col;
    const start = this.#i;
    if (c === 44) {
      this.#read();
      return this.#tok(',', line, col, ',', '');
    }
    if (c === 34 || c === 39) return this.#scanString(line, col, false, false);
    if (isIdentStart(c)) {
      const n1 = this.#peekAt(1);
      const n2 = this.#peekAt(2);
      if ((c === 114 || c === 98) && (n1 === 34 || n1 === 39)) {
        this.#read();
        return this.#scanString(line, col, c === 114, c === 98);
      }
      if (((c === 114 && n1 === 98) || (c === 98 && n1 === 114)) && (n2 === 34 || n2 === 39)) {
        this.#read();
        this.#read();
        return this.#scanString(line, col, true, true);
      }
      while (isIdentPart(c)) {
        this.#read();
        c = this.#peek();
      }
      const raw = this.#src.slice(start, this.#i);
      if (KEYWORDS.has(raw)) return this.#tok(raw as Tok, line, col, raw, raw);
      if (RESERVED.has(raw)) return this.#tok('ILLEGAL', line, col, raw, raw);
      return this.#tok('IDENT', line, col, raw, utf8Bytes(raw));
    }
    if (isDigit(c) || (c === 46 && isDigit(this.#peekAt(1)))) return this.#scanNumber(line, col);
    switch (c) {
      case 91:
      case 40:
      case 123:
        this.#depth++;
        this.#open.push({ ch: String.fromCharCode(c), line, col });
        this.#read();
        return this.#tok(String.fromCharCode(c) as Tok, line, col, '', '');
      case 93:
      case 41:
      case 125:
        if (this.#depth === 0) this.error(line, col, `unexpected '${String.fromCharCode(c)}'`);
        this.#depth--;
        this.#open.pop();
        this.#read();
        return this.#tok(String.fromCharCode(c) as Tok, line, col, '', '');
    }
    const three = this.#src.slice(this.#i, this.#i + 3);
    const two = three.slice(0, 2);
    let op: string | undefined;
    if (three === '//=' || three === '<<=' || three === '>>=') op = three;
    else if (
      two === '//' ||
      two === '<<' ||
      two === '>>' ||
      two === '**' ||
      two === '<=' ||
      two === '>=' ||
      two === '==' ||
      two === '!=' ||
      two === '+=' ||
      two === '-=' ||
      two === '*=' ||
      two === '/=' ||
      two === '%=' ||
      two === '&=' ||
      two === '|=' ||
      two === '^=' ||
      two === '->'
    )
      op = two;
    else if ('+-*/%&|^~.=;:<>'.includes(String.fromCharCode(c))) op = String.fromCharCode(c);
    if (op === undefined) {
      if (c === 33) this.error(line, col, "unexpected input character '!'");
      this.error(line, col, `unexpected input character ${quoteRune(c)}`);
    }
    for (let k = 0; k < op.length; k++) this.#read();
    return this.#tok(op as Tok, line, col, op, '');
  }

  #scanString(line: number, col: number, raw: boolean, bytes: boolean): Token {
    const q = this.#peek();
    const src = this.#src;
    let triple = false;
    this.#read();
    if (this.#peek() === q && this.#peekAt(1) === q) {
      this.#read();
      this.#read();
      triple = true;
    }
    const bodyStart = this.#i;
    let bodyEnd: number;
    for (;;) {
      if (this.#i >= src.length) this.error(line, col, 'unexpected EOF in string');
      const c = this.#peek();
      if (c === q) {
        if (!triple) {
          bodyEnd = this.#i;
          this.#read();
          break;
        }
        if (this.#peekAt(1) === q && this.#peekAt(2) === q) {
          bodyEnd = this.#i;
          this.#read();
          this.#read();
          this.#read();
          break;
        }
        this.#read();
        continue;
      }
      if (c === 10 && !triple) this.error(line, col, 'unexpected newline in string');
      this.#read();
      if (c === 92) {
        if (this.#i >= src.length) this.error(line, col, 'unexpected EOF in string');
        this.#read();
      }
    }
    const body = src.slice(bodyStart, bodyEnd);
    const rawText = src.slice(bodyStart - (triple ? 3 : 1), this.#i);
    const value = decodeStringBody(body, raw, bytes, (m) => this.error(line, col, m));
    return this.#tok(bytes ? 'BYTES' : 'STRING', line, col, rawText, value);
  }

  #scanNumber(line: number, col: number): Token {
    const src = this.#src;
    const start = this.#i;
    let c = this.#peek();
    let fraction = false;
    let exponent = false;
    const digits = (pred: (c: number) => boolean) => {
      while (pred(this.#peek())) this.#read();
    };
    const isHex = (c: number) => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
    if (c === 46) {
      fraction = true;
    } else if (c === 48) {
      this.#read();
      c = this.#peek();
      if (c === 46) fraction = true;
      else if (c === 120 || c === 88) {
        this.#read();
        if (!isHex(this.#peek())) this.error(line, col, 'invalid hex literal');
        digits(isHex);
      } else if (c === 111 || c === 79) {
        this.#read();
        if (!(this.#peek() >= 48 && this.#peek() <= 55))
          this.error(this.#line, this.#col, 'invalid octal literal');
        digits((c) => c >= 48 && c <= 55);
      } else if (c === 98 || c === 66) {
        this.#read();
        if (!(this.#peek() === 48 || this.#peek() === 49))
          this.error(this.#line, this.#col, 'invalid binary literal');
        digits((c) => c === 48 || c === 49);
      } else {
        let allZeros = true;
        let octal = true;
        while (isDigit(c)) {
          if (c !== 48) allZeros = false;
          if (c > 55) octal = false;
          this.#read();
          c = this.#peek();
        }
        if (c === 46) fraction = true;
        else if (c === 101 || c === 69) exponent = true;
        else if (!allZeros) {
          const r = src.slice(start, this.#i);
          if (octal) this.error(this.#line, this.#col, `obsolete form of octal literal; use 0o${r.slice(1)}`);
          this.error(line, col, 'invalid int literal');
        }
      }
    } else {
      digits(isDigit);
      c = this.#peek();
      if (c === 46) fraction = true;
      else if (c === 101 || c === 69) exponent = true;
    }
    if (fraction) {
      this.#read();
      digits(isDigit);
      c = this.#peek();
      if (c === 101 || c === 69) exponent = true;
    }
    if (exponent) {
      this.#read();
      c = this.#peek();
      if (c === 43 || c === 45) {
        this.#read();
        if (!isDigit(this.#peek())) this.error(this.#line, this.#col, 'invalid float literal');
      }
      digits(isDigit);
    }
    const raw = src.slice(start, this.#i);
    if (isIdentStart(this.#peek()) && !fraction && !exponent) {
      // e.g. 0x1g or 123abc
      if (/^0[xob]/i.test(raw)) this.error(line, col, 'invalid int literal');
    }
    if (fraction || exponent) {
      const f = Number(raw);
      if (!Number.isFinite(f)) this.error(this.#line, this.#col, 'invalid float literal');
      return this.#tok('FLOAT', line, col, raw, f);
    }
    let big: bigint;
    if (/^0[oO]/.test(raw)) big = BigInt('0o' + raw.slice(2));
    else if (/^0[bB]/.test(raw)) big = BigInt('0b' + raw.slice(2));
    else if (/^0[xX]/.test(raw)) big = BigInt('0x' + raw.slice(2));
    else big = BigInt(raw);
    const v = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    return this.#tok('INT', line, col, raw, v);
  }
}

/** decodeStringBody interprets escapes of a string literal body and returns a UTF-8 byte string. */
export function decodeStringBody(
  body: string,
  raw: boolean,
  bytes: boolean,
  fail: (msg: string) => never,
): string {
  if (raw) {
    return utf8Bytes(body.replace(/\r\n?/g, '\n'));
  }
  if (!body.includes('\\') && !body.includes('\r')) return utf8Bytes(body);
  let out = '';
  let i = 0;
  const n = body.length;
  while (i < n) {
    const j = body.indexOf('\\', i);
    const k = j < 0 ? n : j;
    if (k > i) out += utf8Bytes(body.slice(i, k).replace(/\r\n?/g, '\n'));
    if (j < 0) break;
    i = j + 1;
    if (i >= n) fail('truncated escape sequence \\');
    const e = body[i]!;
    switch (e) {
      case '\n':
        i++;
        break;
      case '\r':
        i++;
        if (body[i] === '\n') i++;
        break;
      case 'a':
        out += '\x07';
        i++;
        break;
      case 'b':
        out += '\b';
        i++;
        break;
      case 'f':
        out += '\f';
        i++;
        break;
      case 'n':
        out += '\n';
        i++;
        break;
      case 'r':
        out += '\r';
        i++;
        break;
      case 't':
        out += '\t';
        i++;
        break;
      case 'v':
        out += '\v';
        i++;
        break;
      case '\\':
        out += '\\';
        i++;
        break;
      case "'":
        out += "'";
        i++;
        break;
      case '"':
        out += '"';
        i++;
        break;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        let v = 0;
        let m = 0;
        while (m < 3 && i < n && body[i]! >= '0' && body[i]! <= '7') {
          v = v * 8 + (body.charCodeAt(i) - 48);
          i++;
          m++;
        }
        if (v >= 256) fail(`invalid escape sequence \\${v.toString(8)}`);
        out += String.fromCharCode(v);
        break;
      }
      case 'x': {
        const h = body.slice(i + 1, i + 3);
        if (h.length < 2) fail(`truncated escape sequence \\x${h}`);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) fail(`invalid escape sequence \\x${h}`);
        const v = parseInt(h, 16);
        out += String.fromCharCode(v);
        i += 3;
        break;
      }
      case 'u':
      case 'U': {
        const len = e === 'u' ? 4 : 8;
        const h = body.slice(i + 1, i + 1 + len);
        if (h.length < len) fail(`truncated escape sequence \\${e}${h}`);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) fail(`invalid escape sequence \\${e}${h}`);
        const v = parseInt(h, 16);
        if (v > 0x10ffff) fail(`code point out of range: \\${e}${h} (max \\U0010ffff)`);
        if (v >= 0xd800 && v < 0xe000) fail(`invalid Unicode code point U+${h.toUpperCase()}`);
        out += utf8Bytes(String.fromCodePoint(v));
        i += 1 + len;
        break;
      }
      default:
        fail(`invalid escape sequence \\${e}`);
    }
  }
  return out;
}
