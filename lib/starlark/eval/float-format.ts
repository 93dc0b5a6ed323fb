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
      const s = fixExp(f.toExponential(6));
      return conv === 'E' ? s.toUpperCase() : s;
    }
    case 'f':
    case 'F':
      return toFixed(f, 6);
  }
  return String(f);
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
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const e = f.toExponential(); // shortest round-trip digits
  const neg = e[0] === '-';
  const body = neg ? e.slice(1) : e;
  const ei = body.indexOf('e');
  const mant = body.slice(0, ei).replace('.', '');
  const exp = parseInt(body.slice(ei + 1), 10);
  let out: string;
  if (exp < -4 || exp >= 6) {
    out = mant[0]! + (mant.length > 1 ? '.' + mant.slice(1) : '') + 'e' + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  } else if (exp < 0) {
    out = '0.' + '0'.repeat(-exp - 1) + mant;
  } else if (mant.length <= exp + 1) {
    out = mant + '0'.repeat(exp + 1 - mant.length);
  } else {
    out = mant.slice(0, exp + 1) + '.' + mant.slice(exp + 1);
  }
  return (neg ? '-' : '') + out;
}
