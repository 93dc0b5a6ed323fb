import { builtinErr } from './call.js';
import { typeOf } from './hashtable.js';
import { toStr } from './repr.js';
import type { MethodImpl } from './method.js';
import { methodTable } from './methods.js';
import { nearest } from '../resolve/resolver.js';
import type { Thread } from './thread.js';
import { Builtin, HostValue, Module, Struct, decodeUTF8, encodeUTF8, fail, type Value } from './value.js';

const boundCache = new WeakMap<MethodImpl, Builtin>();

function methodBuiltin(name: string, impl: MethodImpl): Builtin {
  let b = boundCache.get(impl);
  if (b === undefined) {
    b = new Builtin(name, (th, fn, args, kwargs) => impl(th, fn.receiver!, args, kwargs, name));
    boundCache.set(impl, b);
  }
  return b;
}

/** attrNames lists the fields and methods of a value (for dir()). */
export function attrNames(x: Value): string[] {
  const t = methodTable(x);
  if (t) return Object.keys(t).sort();
  if (x instanceof Struct) return [...x.fields.keys()].sort();
  if (x instanceof Module) return [...x.members.keys()].sort();
  // host names are JS strings; inside, names are byte strings
  if (x instanceof HostValue && x.attrNames) return x.attrNames().map(encodeUTF8).sort();
  return [];
}

/** getAttrOrUndefined returns x.name, or undefined if there is no such field or method. */
export function getAttrOrUndefined(x: Value, name: string): Value | undefined {
  const t = methodTable(x);
  if (t) {
    const impl = Object.prototype.hasOwnProperty.call(t, name) ? t[name] : undefined;
    if (impl === undefined) return undefined;
    return methodBuiltin(name, impl).bind(x);
  }
  if (x instanceof Struct) return x.fields.get(name);
  if (x instanceof Module) return x.members.get(name);
  if (x instanceof HostValue && x.attr) return x.attr(decodeUTF8(name));
  return undefined;
}

export function getAttr(x: Value, name: string): Value {
  const v = getAttrOrUndefined(x, name);
  if (v !== undefined) return v;
  if (x instanceof Struct) {
    const ctor = x.constructorName;
    const prefix = ctor === 'struct' ? '' : `${typeof ctor === 'string' ? ctor : toStr(ctor)} `;
    let m = `${prefix}struct has no .${name} attribute`;
    const h = nearest(name, attrNames(x));
    if (h) m += ` (did you mean .${h}?)`;
    return fail(m);
  }
  let msg = `${typeOf(x)} has no .${name} field or method`;
  const hint = nearest(name, attrNames(x));
  if (hint) msg += ` (did you mean .${hint}?)`;
  return fail(msg);
}

/**
 * NoSuchAttrError is what a host value's setField throws for a field it does not have (as
 * starlark-go's NoSuchAttrError): the interpreter adds a "did you mean" from its attrNames.
 */
export class NoSuchAttrError extends Error {}

export function setField(x: Value, name: string, v: Value): void {
  if (
    x instanceof HostValue &&
    'setField' in x &&
    typeof (x as { setField?: unknown }).setField === 'function'
  ) {
    try {
      (x as unknown as { setField(n: string, v: Value): void }).setField(decodeUTF8(name), v);
    } catch (e) {
      if (!(e instanceof NoSuchAttrError)) throw e;
      const hint = nearest(name, attrNames(x));
      fail(hint ? `${e.message} (did you mean .${hint}?)` : e.message);
    }
    return;
  }
  fail(`can't assign to .${name} field of ${typeOf(x)}`);
}

/** callMethod calls a built-in method directly; undefined means "not a built-in method". */
export function callMethod(th: Thread, recv: Value, name: string, args: Value[]): Value | undefined {
  const t = methodTable(recv);
  if (t === undefined) return undefined;
  const impl = Object.prototype.hasOwnProperty.call(t, name) ? t[name] : undefined;
  if (impl === undefined) return undefined;
  try {
    return impl(th, recv, args, EMPTY, name);
  } catch (e) {
    throw builtinErr(e, name);
  }
}
const EMPTY: Array<[string, Value]> = [];
