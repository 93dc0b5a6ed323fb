/**
 * The `time` module that Starlark models get (after starlark-go's lib/time).
 *
 *   time.now()                                   current instant (UTC); the clock is the thread's
 *   time.parse_time(x, format=None, location=None)
 *   time.from_timestamp(sec, nsec=0)
 *   time.time(year=1, month=1, day=1, hour=0, minute=0, second=0, nanosecond=0, location="UTC")
 *   time.parse_duration(d)
 *   time.is_valid_timezone(name)
 *   time.nanosecond ... time.hour                Durations
 *
 * A Time is an instant plus the zone it is viewed in (time-value.ts), a Duration int64
 * nanoseconds (duration.ts); layouts are Go's reference-time layouts (layout.ts, parse.ts),
 * zones Go's Locations (zone.ts). Like starlark-go's lib/time, the module is built only on the
 * public lib/starlark API, and time.now() reads the clock set on the calling thread (setNow),
 * so one module value serves every thread.
 */
import {
  Builtin,
  anyValue,
  makeModule,
  typeName,
  unpack,
  unpackPositionalArgs,
  type Thread,
  type Value,
} from '../../index.js';
import { civilToSeconds } from './calendar.js';
import { NS_PER_SEC, fail, floorDiv, int, int64, string, stringOrNone } from './common.js';
import { Duration, parseDurationString } from './duration.js';
import { parseTimeString } from './parse.js';
import { Time } from './time-value.js';
import { UTC, loadZone, localToInstant, mustLoadZone } from './zone.js';

/** A clock: the current instant in nanoseconds since the epoch. */
export type Clock = () => bigint;

const CLOCK_KEY = 'time.now';

/** setNow sets the clock time.now() reads on this thread (starlark-go's time.SetNow); the default is the system clock. */
export function setNow(thread: Thread, now: Clock): void {
  thread.local.set(CLOCK_KEY, now);
}

function systemNow(): bigint {
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.round(ms * 1000)) * 1000n;
}

function clockOf(thread: Thread): Clock {
  return (thread.local.get(CLOCK_KEY) as Clock | undefined) ?? systemNow;
}

/** The time module (predeclare it as `time`). */
export const timeModule: Value = makeModule('time', {
  now: new Builtin('now', (thread, _fn, args, kwargs) => {
    unpackPositionalArgs('now', args, kwargs);
    return new Time(clockOf(thread)(), UTC);
  }),

  parse_time: new Builtin('parse_time', (_th, _fn, args, kwargs) => {
    const [value, layout, location] = unpack(
      'parse_time',
      args,
      kwargs,
      ['x', string],
      ['format?', stringOrNone],
      ['location?', stringOrNone],
    );
    const locName = location ?? 'UTC';
    const loc = loadZone(locName);
    if (loc === undefined) fail(`parse_time: unknown time zone ${locName}`);
    return parseTimeString(value, layout, loc);
  }),

  from_timestamp: new Builtin('from_timestamp', (_th, _fn, args, kwargs) => {
    const [sec, nsec] = unpackPositionalArgs(
      'from_timestamp',
      args,
      kwargs,
      ['sec', int64],
      ['nsec?', int64],
    );
    return new Time(sec * NS_PER_SEC + (nsec ?? 0n), UTC);
  }),

  time: new Builtin('time', (_th, _fn, args, kwargs) => {
    if (args.length > 0) fail('time: unexpected positional arguments');
    const [year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0, nanosecond = 0n, location] =
      unpack(
        'time',
        args,
        kwargs,
        ['year?', int],
        ['month?', int],
        ['day?', int],
        ['hour?', int],
        ['minute?', int],
        ['second?', int],
        ['nanosecond?', int64],
        ['location?', stringOrNone],
      );
    const loc = mustLoadZone('time', location ?? 'UTC');
    const names = ['year', 'month', 'day', 'hour', 'minute', 'second'];
    for (const [i, v] of [year, month, day, hour, minute, second].entries()) {
      if (Math.abs(v) > 1e12) fail(`time: for parameter ${names[i]}: ${v} out of range`);
    }
    const local = civilToSeconds(year, month, day, hour, minute, second);
    // Like Go, normalise the nanoseconds into the seconds before applying the zone.
    const carry = floorDiv(nanosecond, NS_PER_SEC);
    const instant = localToInstant(local + carry, loc);
    return new Time(instant * NS_PER_SEC + (nanosecond - carry * NS_PER_SEC), loc);
  }),

  parse_duration: new Builtin('parse_duration', (_th, _fn, args, kwargs) => {
    const [d] = unpackPositionalArgs('parse_duration', args, kwargs, ['d', anyValue]);
    if (d instanceof Duration) return d;
    if (typeof d !== 'string') fail(`parse_duration: got ${typeName(d)}, want a duration or string`);
    return new Duration(parseDurationString(string.convert(d, fail)));
  }),

  is_valid_timezone: new Builtin('is_valid_timezone', (_th, _fn, args, kwargs) => {
    const [name] = unpackPositionalArgs('is_valid_timezone', args, kwargs, ['loc', string]);
    return loadZone(name) !== undefined;
  }),

  nanosecond: new Duration(1n),
  microsecond: new Duration(1000n),
  millisecond: new Duration(1_000_000n),
  second: new Duration(NS_PER_SEC),
  minute: new Duration(60n * NS_PER_SEC),
  hour: new Duration(3600n * NS_PER_SEC),
});
