/** formatFloat renders a float like starlark-go: conv 'g'/'G' is the shortest form, others use precision 6. */
export function formatFloat(f: number, conv: string): string {
  if (!Number.isFinite(f)) {
    if (Number.isNaN(f)) return 'nan';
    return f > 0 ? '+inf' : '-inf';
  }
  if (f < 0 || Object.is(f, -0)) return '-' + formatFloat(-f, conv);
  switch (conv) {
    case 'g':
    case 'G': {
      const s = shortestG(f);
      const out = conv === 'G' ? s.toUpperCase() : s;
      if (!out.includes('.') && !out.includes(conv === 'G' ? 'E' : 'e')) return out + '.0';
      return out;
    }
    case 'e':
    case 'E': {
      const s = expHalfEven(f, 6);
      return conv === 'E' ? s.toUpperCase() : s;
    }
    case 'f':
    case 'F':
      return fixedHalfEven(f, 6);
  }
  return String(f);
}

/**
 * exactDecimal is the exact decimal expansion of a finite f > 0: f = 0.DIGITS × 10^point
 * (every double is a finite decimal). JS's toExponential and toFixed round exact ties up,
 * Go rounds them to even ('%e' % 218100.25 is 2.181002e+05), so rounding is done here.
 */
function exactDecimal(f: number): { digits: string; point: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, f);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2: number;
  if (expBits === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = expBits - 1075;
  }
  let digits: string;
  let point: number;
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    point = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e2)).toString();
    point = digits.length + e2;
  }
  return { digits: digits.replace(/0+$/, ''), point };
}

/** roundDigits keeps n (>= 0) leading digits, rounding half to even; returns them and whether a carry added one. */
function roundDigits(digits: string, n: number): { kept: string; carry: boolean } {
  if (digits.length <= n) return { kept: digits.padEnd(n, '0'), carry: false };
  const kept = digits.slice(0, n);
  const first = digits.charCodeAt(n) - 48;
  const last = n > 0 ? digits.charCodeAt(n - 1) - 48 : 0;
  const up = first > 5 || (first === 5 && (digits.length > n + 1 || last % 2 === 1));
  if (!up) return { kept, carry: false };
  const inc = (BigInt(kept === '' ? '0' : kept) + 1n).toString();
  if (inc.length > n) return { kept: inc, carry: true }; // one digit more: 99.. became 100..
  return { kept: inc.padStart(n, '0'), carry: false };
}

/** expHalfEven is Go's %.{prec}e for finite f >= 0. */
function expHalfEven(f: number, prec: number): string {
  if (f === 0) return '0.' + '0'.repeat(prec) + 'e+00';
  const { digits, point } = exactDecimal(f);
  const { kept, carry } = roundDigits(digits, prec + 1);
  const mant = kept.slice(0, prec + 1);
  const exp = point - 1 + (carry ? 1 : 0);
  return fixExp(
    mant[0]! + (prec > 0 ? '.' + mant.slice(1) : '') + 'e' + (exp < 0 ? '-' : '+') + Math.abs(exp),
  );
}

/** fixedHalfEven is Go's %.{prec}f for finite f >= 0. */
function fixedHalfEven(f: number, prec: number): string {
  if (f === 0) return '0.' + '0'.repeat(prec);
  const { digits, point } = exactDecimal(f);
  const n = point + prec; // digits kept
  let intDigits: string;
  if (n < 0) intDigits = '0';
  else {
    const { kept } = roundDigits(digits, n);
    intDigits = kept === '' ? '0' : kept;
  }
  // intDigits is round(f × 10^prec)
  const padded = intDigits.padStart(prec + 1, '0');
  const whole = padded.slice(0, padded.length - prec).replace(/^0+(?=\d)/, '');
  return whole + (prec > 0 ? '.' + padded.slice(padded.length - prec) : '');
}

/** formatG is Go's %g verb (shortest form, no forced decimal point), used by json.encode. */
export function formatG(f: number): string {
  if (!Number.isFinite(f)) return formatFloat(f, 'g');
  if (f < 0 || Object.is(f, -0)) return '-' + formatG(-f);
  return shortestG(f);
}

/** fixExp turns JS exponent notation (e+5) into Go's (e+05). */
function fixExp(s: string): string {
  const i = s.indexOf('e');
  if (i < 0) return s;
  const sign = s[i + 1]!;
  const digits = s.slice(i + 2);
  return s.slice(0, i + 1) + sign + (digits.length < 2 ? '0' + digits : digits);
}

function toFixed(f: number, prec: number): string {
  if (Math.abs(f) < 1e21) return f.toFixed(prec);
  const neg = f < 0;
  const i = BigInt(Math.abs(f)).toString();
  return (neg ? '-' : '') + i + (prec > 0 ? '.' + '0'.repeat(prec) : '');
}

/** shortestG is Go's strconv.FormatFloat(f, 'g', -1, 64). */
function shortestG(f: number): string {
  // Where %g writes no exponent, its shortest digits are JavaScript's own fixed notation.
  if (f >= 1e-4 && f < 1e6) return String(f);
  return shortestGFromDigits(f);
}

/** shortestGFromDigits is shortestG for any value, from the shortest round-trip digits (the reference for its fast path). */
export function shortestGFromDigits(f: number): string {
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const e = f.toExponential(); // shortest round-trip digits
  const neg = e[0] === '-';
  const body = neg ? e.slice(1) : e;
  const ei = body.indexOf('e');
  const mant = body.slice(0, ei).replace('.', '');
  const exp = parseInt(body.slice(ei + 1), 10);
  let out: string;
  if (exp < -4 || exp >= 6) {
    out =
      mant[0]! +
      (mant.length > 1 ? '.' + mant.slice(1) : '') +
      'e' +
      (exp < 0 ? '-' : '+') +
      String(Math.abs(exp)).padStart(2, '0');
  } else if (exp < 0) {
    out = '0.' + '0'.repeat(-exp - 1) + mant;
  } else if (mant.length <= exp + 1) {
    out = mant + '0'.repeat(exp + 1 - mant.length);
  } else {
    out = mant.slice(0, exp + 1) + '.' + mant.slice(exp + 1);
  }
  return (neg ? '-' : '') + out;
}
