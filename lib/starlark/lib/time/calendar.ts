/**
 * Calendar arithmetic of the proleptic Gregorian calendar, on days since 1970-01-01 (like
 * Go's time package, which the layouts and time.time() follow): no zones, no clocks.
 */

/** daysFromCivil: days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** civilFromDays is the inverse of daysFromCivil. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return [y, m, d];
}

export function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

export function daysIn(month: number, year: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** civilToSeconds converts a local wall clock (any values; normalised like Go's time.Date) to seconds since the epoch, as if UTC. */
export function civilToSeconds(
  year: number,
  month: number,
  day: number,
  hour: number,
  min: number,
  sec: number,
): bigint {
  // Normalise the month into the year first, then let days/seconds overflow naturally.
  const m0 = month - 1;
  const y = year + Math.floor(m0 / 12);
  const m = (((m0 % 12) + 12) % 12) + 1;
  const days = BigInt(daysFromCivil(y, m, 1)) + BigInt(day) - 1n;
  return days * 86400n + BigInt(hour) * 3600n + BigInt(min) * 60n + BigInt(sec);
}
