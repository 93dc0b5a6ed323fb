/**
 * time.time: an instant (epoch nanoseconds, a bigint, so Go's whole year range fits) plus the
 * zone it is viewed in; its fields, format/in_location methods, comparison, hashing, and
 * t ± duration, t - t.
 */
import {
  Builtin,
  HostValue,
  makeString,
  threeway,
  toStarlark,
  typeName,
  unpackPositionalArgs,
  type Value,
} from '../../index.js';
import { NS_PER_SEC, ZERO_TIME_NS, cmpBig, fail, floorDiv, mix64, saturate64, string } from './common.js';
import { Duration, type Side } from './duration.js';
import { GO_STRING, RFC3339_NANO, formatLayout } from './layout.js';
import { UTC, fieldsOf, mustLoadZone, type Fields, type Zone } from './zone.js';

const TIME_FIELDS = [
  'year',
  'month',
  'day',
  'hour',
  'minute',
  'second',
  'nanosecond',
  'unix',
  'unix_nano',
  'location',
];
const TIME_METHODS = ['format', 'in_location'];

export class Time extends HostValue {
  /** nanoseconds since 1970-01-01T00:00:00Z */
  readonly ns: bigint;
  readonly zone: Zone;
  private cachedFields: Fields | undefined;
  constructor(ns: bigint, zone: Zone = UTC) {
    super();
    this.ns = ns;
    this.zone = zone;
  }
  get fields(): Fields {
    return (this.cachedFields ??= fieldsOf(this.ns, this.zone));
  }
  override type(): string {
    return 'time.time';
  }
  override truth(): boolean {
    return this.ns !== ZERO_TIME_NS;
  }
  override hash(): number {
    return Number(BigInt.asUintN(52, mix64(this.ns ^ 0x2545f491n)));
  }
  /** Go's Time.String: "2006-01-02 15:04:05.999999999 -0700 MST". */
  override repr(): string {
    return formatLayout(this.fields, GO_STRING);
  }
  /** json.encode gives RFC 3339 with nanoseconds (Go's MarshalJSON). */
  override toJSON(): unknown {
    return formatLayout(this.fields, RFC3339_NANO);
  }
  format(layout: string): string {
    return formatLayout(this.fields, layout);
  }
  add(d: bigint): Time {
    return new Time(this.ns + d, this.zone);
  }
  override attrNames(): string[] {
    return [...TIME_METHODS, ...TIME_FIELDS];
  }
  override attr(name: string): Value | undefined {
    switch (name) {
      case 'year':
        return this.fields.year;
      case 'month':
        return this.fields.month;
      case 'day':
        return this.fields.day;
      case 'hour':
        return this.fields.hour;
      case 'minute':
        return this.fields.minute;
      case 'second':
        return this.fields.second;
      case 'nanosecond':
        return this.fields.nsec;
      case 'unix':
        return toStarlark(floorDiv(this.ns, NS_PER_SEC));
      case 'unix_nano':
        return toStarlark(this.ns);
      case 'location':
        return makeString(this.zone.name);
      case 'format':
        return new Builtin(
          'format',
          (_th, fn, args, kwargs) => {
            const [layout] = unpackPositionalArgs('format', args, kwargs, ['layout', string]);
            return makeString((fn.receiver as Time).format(layout));
          },
          this,
        );
      case 'in_location':
        return new Builtin(
          'in_location',
          (_th, fn, args, kwargs) => {
            const [name] = unpackPositionalArgs('in_location', args, kwargs, ['name', string]);
            const t = fn.receiver as Time;
            return new Time(t.ns, mustLoadZone('in_location', name));
          },
          this,
        );
    }
    return undefined;
  }
  override compare(op: string, other: Value): boolean {
    if (!(other instanceof Time)) return fail(`${this.type()} ${op} ${typeName(other)} not implemented`);
    return threeway(op, cmpBig(this.ns, other.ns));
  }
  /** binary implements t + d, d + t, t - d, t - t (a Duration, saturated like Go's Sub). */
  override binary(op: string, y: Value, side: Side): Value | undefined {
    if (op === '+' && y instanceof Duration) return this.add(y.ns);
    if (op === '-' && side === 'left') {
      if (y instanceof Duration) return this.add(-y.ns);
      if (y instanceof Time) return new Duration(saturate64(this.ns - y.ns));
    }
    return undefined;
  }
}
