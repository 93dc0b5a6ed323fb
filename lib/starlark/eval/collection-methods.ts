/** Built-in methods of list, dict, set and bytes. */
import { Dict, SetValue, typeOf } from './hashtable.js';
import { equal } from './compare.js';
import { sliceIndices } from './indexing.js';
import { prefixed, type MethodImpl } from './method.js';
import { quote } from './repr.js';
import { iterableElems, listExtend, toArray } from './sequence.js';
import { unpackPositional, wantInt } from './unpack.js';
import { Bytes, HostValue, List, None, decodeUTF8, fail, pair, tuple, type Value } from './value.js';
import { MAX_LIST_ELEMS, checkListSize } from './limits.js';

/** checkListMutable fails as starlark-go's methods do: "append: cannot append to list during iteration". */
function checkListMutable(l: List, verb: string, name: string): void {
  if (l.frozen) fail(`${name}: cannot ${verb} frozen list`);
  if (l.itercount > 0) fail(`${name}: cannot ${verb} list during iteration`);
}

export const listMethods: Record<string, MethodImpl> = {
  append(_th, recv, args, kw, name) {
    const l = recv as List;
    if (args.length !== 1 || kw.length > 0) unpackPositional(name, args, kw, 1, 1);
    if (l.frozen || l.itercount > 0) checkListMutable(l, 'append to', name);
    if (l.elems.length >= MAX_LIST_ELEMS) checkListSize(l.elems.length + 1);
    l.elems.push(args[0]!);
    return None;
  },
  clear(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 0, 0);
    const l = recv as List;
    checkListMutable(l, 'clear', name);
    l.elems.length = 0;
    return None;
  },
  extend(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 1, 1);
    const l = recv as List;
    checkListMutable(l, 'extend', name);
    const src = iterableElems(args[0]!);
    if (src === undefined) fail(`${name}: for parameter 1: got ${typeOf(args[0]!)}, want iterable`);
    listExtend(l, src);
    return None;
  },
  index(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 1, 3);
    const e = (recv as List).elems;
    const [a, b] = prefixed(name, () => sliceIndices(e.length, args[1], args[2], undefined));
    for (let i = a; i < b; i++) if (equal(e[i]!, args[0]!)) return i;
    return fail(`${name}: value not in list`);
  },
  insert(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 2, 2);
    const l = recv as List;
    checkListMutable(l, 'insert into', name);
    let i = wantInt(name, 1, args[0]!);
    const n = l.elems.length;
    if (i < 0) i += n;
    if (i < 0) i = 0;
    if (i > n) i = n;
    l.elems.splice(i, 0, args[1]!);
    return None;
  },
  pop(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 0, 1);
    const l = recv as List;
    const n = l.elems.length;
    let i = args.length > 0 ? wantInt(name, 1, args[0]!) : n - 1;
    const orig = i;
    if (i < 0) i += n;
    if (i < 0 || i >= n) {
      if (n === 0 && args.length === 0) fail(`${name}: index -1 out of range: empty list`);
      fail(
        n === 0
          ? `${name}: index ${orig} out of range: empty list`
          : `${name}: list index ${orig} out of range [${-n}:${n - 1}]`,
      );
    }
    checkListMutable(l, 'pop from', name);
    if (i === n - 1) return l.elems.pop()!;
    return l.elems.splice(i, 1)[0]!;
  },
  remove(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 1, 1);
    const l = recv as List;
    checkListMutable(l, 'remove from', name);
    const e = l.elems;
    const x = args[0]!;
    // A string equals only an equal string, so the engine's own search (===) finds it.
    if (typeof x === 'string') {
      const i = e.indexOf(x);
      if (i < 0) fail(`${name}: element not found`);
      e.splice(i, 1);
      return None;
    }
    for (let i = 0; i < e.length; i++) {
      if (equal(e[i]!, args[0]!)) {
        e.splice(i, 1);
        return None;
      }
    }
    return fail(`${name}: element not found`);
  },
};

/** dictUpdate implements dict(...)/update(...) argument semantics. */
export function dictUpdate(fnName: string, d: Dict, args: Value[], kwargs: Array<[string, Value]>): void {
  if (args.length > 1) fail(`${fnName}: got ${args.length} arguments, want at most 1`);
  if (args.length === 1) {
    const src = args[0]!;
    if (src instanceof Dict) {
      for (const [k, v] of src.ht.items()) d.ht.set(k, v);
    } else {
      const elems = iterableElems(src);
      if (elems === undefined) fail(`${fnName}: got ${typeOf(src)}, want iterable`);
      elems.forEach((pair, i) => {
        const pe = iterableElems(pair);
        if (pe === undefined || typeof pair === 'string')
          fail(`${fnName}: dictionary update sequence element #${i} is not iterable (${typeOf(pair)})`);
        if (pe.length !== 2)
          fail(`${fnName}: dictionary update sequence element #${i} has length ${pe.length}, want 2`);
        d.ht.set(pe[0]!, pe[1]!);
      });
    }
  }
  if (kwargs.length > 0) {
    const seen = new Set<string>();
    for (const [k, v] of kwargs) {
      if (seen.has(k)) fail(`${fnName}: duplicate keyword arg: ${quote(k)}`);
      seen.add(k);
      d.ht.set(k, v);
    }
  }
}

export const dictMethods: Record<string, MethodImpl> = {
  clear(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 0, 0);
    (recv as Dict).ht.clear();
    return None;
  },
  get(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 1, 2);
    const v = (recv as Dict).ht.get(args[0]!);
    return v !== undefined ? v : args.length > 1 ? args[1]! : None;
  },
  items(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 0, 0);
    return new List((recv as Dict).ht.items().map(([k, v]) => pair(k, v)));
  },
  keys(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 0, 0);
    return new List((recv as Dict).ht.keys());
  },
  pop(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 1, 2);
    const d = recv as Dict;
    const v = prefixed(name, () => d.ht.delete(args[0]!));
    if (v !== undefined) return v;
    if (args.length > 1) return args[1]!;
    return fail(`${name}: missing key`);
  },
  popitem(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 0, 0);
    const d = recv as Dict;
    const first = d.ht.first();
    if (first === undefined) fail(`${name}: empty dict`);
    prefixed(name, () => d.ht.delete(first[0]));
    return tuple([first[0], first[1]]);
  },
  setdefault(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 1, 2);
    const d = recv as Dict;
    const v = d.ht.get(args[0]!);
    if (v !== undefined) return v;
    const dflt = args.length > 1 ? args[1]! : None;
    d.ht.set(args[0]!, dflt);
    return dflt;
  },
  update(_th, recv, args, kw, name) {
    dictUpdate(name, recv as Dict, args, kw);
    return None;
  },
  values(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 0, 0);
    return new List((recv as Dict).ht.values());
  },
};

/** oneOther checks the argument of a set method taking one iterable ("want at most 1", as starlark-go). */
function oneOther(name: string, args: Value[], kw: Array<[string, Value]>): void {
  unpackPositional(name, args, kw, 0, 1);
  if (args.length === 0) fail(`${name}: got 0 arguments, want 1`);
}

/**
 * addAll adds the elements of every argument to s: union and update take any number of
 * iterables (none too), as in today's starlark-go. Each argument is checked before any of
 * its elements is added, so a non-iterable fails without a partial update from it.
 */
function addAll(s: SetValue, args: Value[], kw: Array<[string, Value]>, name: string): void {
  if (kw.length > 0) fail(`${name}: does not accept keyword arguments`);
  for (let i = 0; i < args.length; i++) {
    const elems = iterableElems(args[i]!);
    if (elems === undefined) fail(`${name}: argument #${i + 1} is not iterable: ${typeOf(args[i]!)}`);
    prefixed(name, () => {
      for (const k of elems) s.ht.set(k, k);
    });
  }
}

export const setMethods: Record<string, MethodImpl> = {
  add(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 1, 1);
    prefixed(name, () => (recv as SetValue).ht.set(args[0]!, args[0]!));
    return None;
  },
  clear(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 0, 0);
    // An empty set is left alone, frozen or not (as in starlark-go).
    const s = recv as SetValue;
    if (s.ht.size > 0) prefixed(name, () => s.ht.clear());
    return None;
  },
  discard(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 1, 1);
    prefixed(name, () => (recv as SetValue).ht.delete(args[0]!));
    return None;
  },
  remove(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 1, 1);
    if (prefixed(name, () => (recv as SetValue).ht.delete(args[0]!)) === undefined)
      fail(`${name}: missing key`);
    return None;
  },
  pop(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 0, 0);
    const s = recv as SetValue;
    const first = s.ht.first();
    if (first === undefined) fail(`${name}: empty set`);
    prefixed(name, () => s.ht.delete(first[0]));
    return first[0];
  },
  union(_th, recv, args, kw, name) {
    const out = new SetValue();
    for (const k of (recv as SetValue).ht.keys()) out.ht.set(k, k);
    addAll(out, args, kw, name);
    return out;
  },
  update(_th, recv, args, kw, name) {
    addAll(recv as SetValue, args, kw, name);
    return None;
  },
  intersection(_th, recv, args, kw, name) {
    oneOther(name, args, kw);
    const other = new SetValue();
    for (const k of toArray(args[0]!, name)) other.ht.set(k, k);
    const out = new SetValue();
    for (const k of (recv as SetValue).ht.keys()) if (other.ht.has(k)) out.ht.set(k, k);
    return out;
  },
  difference(_th, recv, args, kw, name) {
    oneOther(name, args, kw);
    const other = new SetValue();
    for (const k of toArray(args[0]!, name)) other.ht.set(k, k);
    const out = new SetValue();
    for (const k of (recv as SetValue).ht.keys()) if (!other.ht.has(k)) out.ht.set(k, k);
    return out;
  },
  symmetric_difference(_th, recv, args, kw, name) {
    oneOther(name, args, kw);
    const s = recv as SetValue;
    const other = new SetValue();
    for (const k of toArray(args[0]!, name)) other.ht.set(k, k);
    const out = new SetValue();
    for (const k of s.ht.keys()) if (!other.ht.has(k)) out.ht.set(k, k);
    for (const k of other.ht.keys()) if (!s.ht.has(k)) out.ht.set(k, k);
    return out;
  },
  issubset(_th, recv, args, kw, name) {
    oneOther(name, args, kw);
    const other = new SetValue();
    for (const k of toArray(args[0]!, name)) other.ht.set(k, k);
    return (recv as SetValue).ht.keys().every((k) => other.ht.has(k));
  },
  issuperset(_th, recv, args, kw, name) {
    oneOther(name, args, kw);
    const s = recv as SetValue;
    return toArray(args[0]!, name).every((k) => s.ht.has(k));
  },
};

/** BytesElems is the value of b.elems(): an iterable of the bytes as ints (not a list). */
export class BytesElems extends HostValue {
  readonly s: string;
  constructor(s: string) {
    super();
    this.s = s;
  }
  type(): string {
    return 'bytes.elems';
  }
  override repr(): string {
    return decodeUTF8(`${quote(this.s, true)}.elems()`);
  }
  override iterate(): Iterator<Value> {
    const s = this.s;
    let i = 0;
    return {
      next: (): IteratorResult<Value> =>
        i < s.length ? { done: false, value: s.charCodeAt(i++) } : { done: true, value: undefined },
    };
  }
}

export const bytesMethods: Record<string, MethodImpl> = {
  elems(_th, recv, args, kw, name) {
    unpackPositional(name, args, kw, 0, 0);
    return new BytesElems((recv as Bytes).s);
  },
};
