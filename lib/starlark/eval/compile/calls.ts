/**
 * Compiling calls. Three fast paths before the general call runtime (call.ts): a method call
 * `x.name(args)` goes straight to the built-in method without making a bound method; a call of
 * a compiled function with positional arguments fills its local slots directly; and a call
 * with keyword arguments maps them to parameter slots once per call site and callee. Calls
 * with *args or **kwargs, and every case a fast path cannot settle, go through callValue.
 */
import type * as A from '../../syntax/ast.js';
import { callMethod, getAttr } from '../attrs.js';
import { callValue, type CompiledCode } from '../call.js';
import type { Frame, Locals } from '../frame.js';
import { Func, MANDATORY } from '../function.js';
import { Dict, typeOf } from '../hashtable.js';
import { packPos } from '../pos.js';
import { fail, type Value } from '../value.js';
import { toArrayOrUndefined, type CompileContext, type Ex } from './context.js';

/** callExpr compiles `f(args)`, choosing the fast path its argument shapes allow. */
export function callExpr(ctx: CompileContext, e: A.CallExpr): Ex {
  const pos = packPos(e);
  const simplePositional = e.args.every((a) => a.style === 'pos');
  const argEx: Ex[] = [];
  for (let i = 0; i < e.args.length; i++) argEx.push(ctx.expr(e.args[i]!.value));
  const n = argEx.length;
  // Method call fast path: x.name(args) without materialising a bound method.
  if (e.fn.kind === 'Dot' && simplePositional) {
    const recvEx = ctx.expr(e.fn.x);
    const name = e.fn.name;
    const dotPos = packPos(e.fn);
    return (fr) => {
      const recv = recvEx(fr);
      const args: Value[] = new Array(n);
      for (let i = 0; i < n; i++) args[i] = argEx[i]!(fr);
      fr.pos = pos;
      const r = callMethod(fr.thread, recv, name, args);
      if (r !== undefined) return r;
      fr.pos = dotPos;
      const f = getAttr(recv, name);
      fr.pos = pos;
      return callValue(fr.thread, f, args, null);
    };
  }
  const fnEx = ctx.expr(e.fn);
  if (simplePositional) {
    return (fr) => {
      const f = fnEx(fr);
      if (f instanceof Func) {
        const code = f.code as CompiledCode;
        const np = code.numParams;
        // Positional arguments only; missing trailing ones take their defaults.
        if (code.simple && n <= np && n >= np - f.defaults.length) {
          const locals: Locals = new Array(code.nlocals);
          for (let i = 0; i < n; i++) locals[i] = argEx[i]!(fr);
          if (n < np) {
            const d = f.defaults;
            const m = np - d.length;
            for (let i = n; i < np; i++) {
              const dv = d[i - m]!;
              if (dv === MANDATORY) {
                fr.pos = pos;
                return callValue(fr.thread, f, locals.slice(0, n) as Value[], null); // reports it
              }
              locals[i] = dv;
            }
          }
          fr.pos = pos;
          return code.run(fr.thread, f, locals);
        }
      }
      const args: Value[] = new Array(n);
      for (let i = 0; i < n; i++) args[i] = argEx[i]!(fr);
      fr.pos = pos;
      return callValue(fr.thread, f, args, null);
    };
  }
  const styles = e.args.map((a) => a.style);
  const names = e.args.map((a) => a.name ?? '');
  if (e.args.every((a) => a.style === 'pos' || a.style === 'named')) return keywordCall(ctx, e, fnEx, argEx);
  return (fr) => {
    const f = fnEx(fr);
    const args: Value[] = [];
    let kwargs: Array<[string, Value]> | null = null;
    for (let i = 0; i < n; i++) {
      const v = argEx[i]!(fr);
      switch (styles[i]) {
        case 'pos':
          args.push(v);
          break;
        case 'named':
          (kwargs ??= []).push([names[i]!, v]);
          break;
        case 'star': {
          fr.pos = pos;
          const elems = toArrayOrUndefined(v);
          if (elems === undefined) fail(`argument after * must be iterable, not ${typeOf(v)}`);
          for (const x of elems) args.push(x);
          break;
        }
        case 'starstar': {
          fr.pos = pos;
          if (!(v instanceof Dict)) fail(`argument after ** must be a mapping, not ${typeOf(v)}`);
          kwargs ??= [];
          for (const [k, x] of v.ht.items()) {
            if (typeof k !== 'string') fail(`keywords must be strings, not ${typeOf(k)}`);
            kwargs.push([k, x]);
          }
          break;
        }
      }
    }
    fr.pos = pos;
    return callValue(fr.thread, f, args, kwargs);
  };
}

/**
 * keywordCall compiles f(a, b, k=v, ...) (positional then named arguments, no * or **). When f
 * is a compiled function without *args/**kwargs, the named arguments go straight into the
 * callee's parameter slots (the mapping is cached per call site and callee code); any case the
 * cache can't settle (missing or mandatory parameters, too many positionals, unknown names) is
 * handed to the general binder with the values already evaluated.
 */
function keywordCall(ctx: CompileContext, e: A.CallExpr, fnEx: Ex, argEx: Ex[]): Ex {
  const pos = packPos(e);
  const n = argEx.length;
  const npos = e.args.filter((a) => a.style === 'pos').length;
  const names = e.args.slice(npos).map((a) => a.name!);
  const nnamed = names.length;
  let cachedCode: CompiledCode | null = null;
  let cachedSlots: number[] | null = null; // parameter index of each named argument, or null: no fast path
  const mapFor = (code: CompiledCode): number[] | null => {
    if (!code.noStar || npos > code.numParams - code.numKwonly) return null;
    const out: number[] = new Array(nnamed);
    for (let j = 0; j < nnamed; j++) {
      const k = code.paramNames.indexOf(names[j]!);
      if (k < npos || k >= code.numParams || out.includes(k)) return null;
      out[j] = k;
    }
    return out;
  };
  const general = (fr: Frame, f: Value, vals: Locals, slots: number[] | null): Value => {
    const args: Value[] = new Array(npos);
    for (let i = 0; i < npos; i++) args[i] = vals[i] as Value;
    const kwargs: Array<[string, Value]> = new Array(nnamed);
    for (let j = 0; j < nnamed; j++)
      kwargs[j] = [names[j]!, vals[slots === null ? npos + j : slots[j]!] as Value];
    fr.pos = pos;
    return callValue(fr.thread, f, args, kwargs);
  };
  return (fr) => {
    const f = fnEx(fr);
    if (f instanceof Func) {
      const code = f.code as CompiledCode;
      if (code !== cachedCode) {
        cachedCode = code;
        cachedSlots = mapFor(code);
      }
      const slots = cachedSlots;
      if (slots !== null) {
        const locals: Locals = new Array(code.nlocals);
        for (let i = 0; i < npos; i++) locals[i] = argEx[i]!(fr);
        for (let j = 0; j < nnamed; j++) locals[slots[j]!] = argEx[npos + j]!(fr);
        const np = code.numParams;
        const d = f.defaults;
        const m = np - d.length;
        for (let i = npos; i < np; i++) {
          if (locals[i] !== undefined) continue;
          const dv = i >= m ? d[i - m]! : MANDATORY;
          if (dv === MANDATORY) return general(fr, f, locals, slots); // reports the missing argument
          locals[i] = dv;
        }
        fr.pos = pos;
        return code.run(fr.thread, f, locals);
      }
    }
    const vals: Value[] = new Array(n);
    for (let i = 0; i < n; i++) vals[i] = argEx[i]!(fr);
    return general(fr, f, vals, null);
  };
}
