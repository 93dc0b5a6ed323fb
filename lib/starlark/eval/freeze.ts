/**
 * freeze makes a value and everything reachable from it immutable (a module's globals when
 * it finishes loading, as starlark-go does).
 */
import { Func } from './function.js';
import { Dict, SetValue } from './hashtable.js';
import { HostValue, List, PairSource, Range, Struct, isTuple, type Value } from './value.js';

export function freeze(root: Value): void {
  if (typeof root !== 'object') return;
  // An explicit stack, not recursion: values may nest far deeper than the JS stack allows.
  // Tuples and structs have no frozen flag, so a set keeps shared ones from being walked
  // again (t = (t, t) repeated would otherwise take exponential time).
  const stack: Value[] = [root];
  let seen: Set<Value> | undefined;
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (typeof v !== 'object') continue;
    if (v instanceof List) {
      if (v.frozen) continue;
      v.frozen = true;
      // Pairs not yet made hold only their sources' values: those, without making the tuples.
      // Other elements not yet made (a JSON array's) are made, to be frozen.
      const src = v.unmade;
      if (src instanceof PairSource) {
        for (const side of [src.a, src.b])
          if (!(side instanceof Range)) for (const e of side) if (typeof e === 'object') stack.push(e);
      } else for (const e of v.elems) if (typeof e === 'object') stack.push(e);
    } else if (isTuple(v)) {
      if (v.length === 0) continue;
      seen ??= new Set();
      if (seen.has(v)) continue;
      seen.add(v);
      for (const e of v) if (typeof e === 'object') stack.push(e);
    } else if (v instanceof Dict || v instanceof SetValue) {
      if (v.ht.frozen) continue;
      v.ht.frozen = true;
      for (const [k, x] of v.ht.items()) {
        if (typeof k === 'object') stack.push(k);
        if (typeof x === 'object') stack.push(x);
      }
    } else if (v instanceof Func) {
      if ((v as { frozenFlag?: boolean }).frozenFlag) continue;
      (v as { frozenFlag?: boolean }).frozenFlag = true;
      for (const d of v.defaults) stack.push(d);
      for (const c of v.freevars) if (c.v !== undefined) stack.push(c.v);
    } else if (v instanceof Struct) {
      seen ??= new Set();
      if (seen.has(v)) continue;
      seen.add(v);
      for (const x of v.fields.values()) stack.push(x);
    } else if (v instanceof HostValue) {
      v.freeze();
    }
  }
}
