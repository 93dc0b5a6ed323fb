/**
 * The resolver: binds every identifier of a parsed file to where its value lives at run time,
 * the third phase (scanner → parser → resolver → compiler).
 *
 * Each name is one of: local (a slot in the function's frame, or in the module's frame for
 * comprehension variables at top level), cell (a local that an inner function also uses, so
 * it is boxed), free (a variable of an enclosing function, reached through the closure),
 * global (a slot of the module), predeclared (given by the host, e.g. json), universal (the
 * builtins), or undefined (an error). The answers are written into the AST (Ident.binding, a
 * FunctionInfo on each def and lambda with its locals and free variables, the module's slots
 * on the File), so the compiler turns every name into a slot access and evaluation never
 * looks a name up by string.
 *
 * Key ideas:
 *  - Scoping is static and per block (the module, each function, each comprehension). A name
 *    bound anywhere in a function is local to the whole function, even before its binding,
 *    so uses cannot be settled as they are met: they are recorded (Use) and settled when the
 *    function ends (resolveLocalUses); whatever is not local to its function is settled at the
 *    end of the file (resolveNonLocalUses), lexically outwards, turning an enclosing
 *    function's local into a cell and adding it to the free variables of every function in
 *    between.
 *  - The host's names come as predicates (isPredeclared, isUniversal), so the resolver imports
 *    nothing of the builtins. Dialect options decide what is allowed: while loops, recursion,
 *    set, reassigning globals, if/for at top level, load binding globally.
 *  - Every error is collected with its position, and ResolveErrors lists them all (not the
 *    first), with a "did you mean" for an undefined name that is close to a defined one.
 */
import type * as A from '../syntax/ast.js';
import { ResolveErrors, isStackOverflow, type Position } from '../syntax/position.js';

/** ResolveOptions selects the dialect; predicates tell which names the host provides. */
export interface ResolveOptions {
  isPredeclared: (name: string) => boolean;
  isUniversal: (name: string) => boolean;
  allowSet?: boolean;
  allowGlobalReassign?: boolean;
  allowWhile?: boolean;
  allowToplevelControl?: boolean;
  loadBindsGlobally?: boolean;
}

const DOESNT = 'this Starlark dialect does not ';

interface Use {
  id: A.Ident;
  env: Block;
}

class Block {
  parent: Block | null = null;
  readonly fn: A.FunctionInfo | null;
  readonly comp: boolean;
  bindings = new Map<string, A.Binding>();
  children: Block[] = [];
  uses: Use[] = [];
  constructor(fn: A.FunctionInfo | null, comp: boolean) {
    this.fn = fn;
    this.comp = comp;
  }
}

/**
 * resolveFile binds every identifier of the file to a slot, recording the results in the
 * AST (Ident.binding, Def/Lambda .fn, File.module). It throws ResolveErrors listing all errors.
 */
export function resolveFile(file: A.File, opts: ResolveOptions): void {
  const r = new Resolver(file.name, opts);
  r.guard(() => {
    r.stmts(file.stmts);
    r.file.uses.length && r.resolveLocalUses(r.file);
    r.resolveNonLocalUses(r.file);
  });
  file.module = { locals: r.moduleLocals, globals: r.moduleGlobals };
  if (r.errors.length > 0) throw new ResolveErrors(r.errors);
}

/** resolveExpr resolves a standalone expression; its locals (comprehension vars) are returned. */
export function resolveExpr(filename: string, x: A.Expr, opts: ResolveOptions): A.ModuleInfo {
  const r = new Resolver(filename, opts);
  r.guard(() => {
    r.expr(x);
    r.resolveLocalUses(r.file);
    r.resolveNonLocalUses(r.file);
  });
  if (r.errors.length > 0) throw new ResolveErrors(r.errors);
  return { locals: r.moduleLocals, globals: r.moduleGlobals };
}

class Resolver {
  readonly filename: string;
  readonly o: ResolveOptions;
  readonly file = new Block(null, false);
  env: Block = this.file;
  moduleLocals: A.Binding[] = [];
  moduleGlobals: A.Binding[] = [];
  globals = new Map<string, A.Binding>();
  predeclared = new Map<string, A.Binding>();
  loops = 0;
  ifstmts = 0;
  errors: Array<{ pos: Position; msg: string }> = [];
  /** the node being resolved, for the position of a stack overflow */
  at: { line: number; col: number } = { line: 1, col: 1 };

  constructor(filename: string, o: ResolveOptions) {
    this.filename = filename;
    this.o = o;
  }

  /**
   * guard runs a resolution, turning an exhaustion of the JS stack (the parser's nesting
   * limit keeps it from happening unless the host is already deep in its own stack) into a
   * resolve error at the node being resolved.
   */
  guard(resolve: () => void): void {
    try {
      resolve();
    } catch (e) {
      if (!isStackOverflow(e)) throw e;
      this.errorf(this.at, 'expression nested too deeply');
      throw new ResolveErrors(this.errors);
    }
  }

  get toplevelControl(): boolean {
    return this.o.allowToplevelControl ?? this.o.allowGlobalReassign ?? false;
  }

  errorf(at: { line: number; col: number }, msg: string): void {
    this.errors.push({ pos: { file: this.filename, line: at.line, col: at.col }, msg });
  }

  container(): Block {
    for (let b: Block = this.env; ; b = b.parent!) {
      if (b.fn !== null || b === this.file) return b;
    }
  }

  push(b: Block): void {
    this.env.children.push(b);
    b.parent = this.env;
    this.env = b;
  }

  pop(): void {
    this.env = this.env.parent!;
  }

  bind(id: A.Ident): boolean {
    if (this.env === this.file) {
      let b = this.file.bindings.get(id.name);
      let existed = b !== undefined;
      if (!b) {
        b = this.globals.get(id.name);
        existed = b !== undefined;
        if (!b) {
          b = { scope: 'global', index: this.moduleGlobals.length, name: id.name, first: id };
          this.globals.set(id.name, b);
          this.moduleGlobals.push(b);
        }
      }
      if (existed && !this.o.allowGlobalReassign) {
        const f = b.first;
        const where = f ? `${this.filename}:${f.line}:${f.col}` : '?';
        this.errorf(
          id,
          `cannot reassign ${b.scope === 'global' ? 'global' : 'local'} ${id.name} declared at ${where}`,
        );
      }
      id.binding = b;
      return existed;
    }
    return this.bindLocal(id);
  }

  bindLocal(id: A.Ident): boolean {
    const existed = this.env.bindings.has(id.name);
    if (!existed) {
      const fn = this.container().fn;
      const locals = fn ? fn.locals : this.moduleLocals;
      const b: A.Binding = { scope: 'local', index: locals.length, name: id.name, first: id };
      this.env.bindings.set(id.name, b);
      locals.push(b);
    }
    this.use(id);
    return existed;
  }

  use(id: A.Ident): void {
    const u: Use = { id, env: this.env };
    if (this.o.allowGlobalReassign && this.env === this.file) {
      this.useToplevel(u);
      return;
    }
    this.container().uses.push(u);
  }

  useToplevel(u: Use): A.Binding {
    const id = u.id;
    const name = id.name;
    let b = this.file.bindings.get(name) ?? this.globals.get(name) ?? this.predeclared.get(name);
    if (!b) {
      if (this.o.isPredeclared(name)) {
        b = { scope: 'predeclared', index: 0, name };
        this.predeclared.set(name, b);
      } else if (this.o.isUniversal(name)) {
        if (this.o.allowSet === false && name === 'set') this.errorf(id, DOESNT + 'support sets');
        b = { scope: 'universal', index: 0, name };
        this.predeclared.set(name, b);
      } else {
        b = { scope: 'undefined', index: 0, name };
        const hint = this.spellcheck(u);
        this.errorf(id, `undefined: ${name}${hint ? ` (did you mean ${hint}?)` : ''}`);
      }
    }
    id.binding = b;
    return b;
  }

  spellcheck(u: Use): string {
    const names: string[] = [];
    for (let b: Block | null = u.env; b; b = b.parent) for (const n of b.bindings.keys()) names.push(n);
    for (const g of this.moduleGlobals) names.push(g.name);
    names.sort();
    return nearest(u.id.name, names);
  }

  resolveLocalUses(b: Block): void {
    const unresolved: Use[] = [];
    for (const u of b.uses) {
      const bind = lookupLocal(u);
      if (bind && (bind.scope === 'local' || bind.scope === 'cell')) u.id.binding = bind;
      else unresolved.push(u);
    }
    b.uses = unresolved;
  }

  resolveNonLocalUses(b: Block): void {
    for (const c of b.children) this.resolveNonLocalUses(c);
    for (const u of b.uses) u.id.binding = this.lookupLexical(u, u.env);
  }

  lookupLexical(u: Use, env: Block): A.Binding {
    if (env === this.file) return this.useToplevel(u);
    let b = env.bindings.get(u.id.name);
    if (!b) {
      b = this.lookupLexical(u, env.parent!);
      if (env.fn && (b.scope === 'local' || b.scope === 'free' || b.scope === 'cell')) {
        if (b.scope === 'local') b.scope = 'cell';
        const index = env.fn.freevars.length;
        env.fn.freevars.push(b);
        b = { scope: 'free', index, name: b.name, ...(b.first ? { first: b.first } : {}) };
      }
      env.bindings.set(u.id.name, b);
    }
    return b;
  }

  stmts(ss: readonly A.Stmt[]): void {
    for (const s of ss) this.stmt(s);
  }

  stmt(s: A.Stmt): void {
    this.at = s;
    switch (s.kind) {
      case 'ExprStmt':
        this.expr(s.x);
        break;
      case 'Branch':
        if (this.loops === 0 && (s.tok === 'break' || s.tok === 'continue'))
          this.errorf(s, `${s.tok} not in a loop`);
        break;
      case 'If':
        if (!this.toplevelControl && this.container().fn === null)
          this.errorf(s, 'if statement not within a function');
        this.expr(s.cond);
        this.ifstmts++;
        this.stmts(s.then);
        this.stmts(s.els);
        this.ifstmts--;
        break;
      case 'Assign':
        this.expr(s.rhs);
        this.assign(s.lhs, s.op !== '=');
        break;
      case 'Def': {
        this.bind(s.name);
        const fn = newFunction(s.name.name, s, s.params, s.body);
        s.fn = fn;
        this.function(fn);
        break;
      }
      case 'For':
        if (!this.toplevelControl && this.container().fn === null)
          this.errorf(s, 'for loop not within a function');
        this.expr(s.x);
        this.assign(s.vars, false);
        this.loops++;
        this.stmts(s.body);
        this.loops--;
        break;
      case 'While':
        if (!this.o.allowWhile) this.errorf(s, DOESNT + 'support while loops');
        if (!this.toplevelControl && this.container().fn === null)
          this.errorf(s, 'while loop not within a function');
        this.expr(s.cond);
        this.loops++;
        this.stmts(s.body);
        this.loops--;
        break;
      case 'Return':
        if (this.container().fn === null) this.errorf(s, 'return statement not within a function');
        if (s.result) this.expr(s.result);
        break;
      case 'Load':
        if (this.container().fn !== null) this.errorf(s, 'load statement within a function');
        else if (this.loops > 0) this.errorf(s, 'load statement within a loop');
        else if (this.ifstmts > 0) this.errorf(s, 'load statement within a conditional');
        for (let i = 0; i < s.from.length; i++) {
          const from = s.from[i]!;
          if (from.name === '') {
            this.errorf(from, 'load: empty identifier');
            continue;
          }
          if (from.name[0] === '_')
            this.errorf(from, `load: names with leading underscores are not exported: ${from.name}`);
          const id = s.to[i]!;
          if (this.o.loadBindsGlobally) this.bind(id);
          else if (this.bindLocal(id) && !this.o.allowGlobalReassign)
            this.errorf(id, `cannot reassign top-level ${id.name}`);
        }
        break;
    }
  }

  assign(lhs: A.Expr, aug: boolean): void {
    switch (lhs.kind) {
      case 'Ident':
        if (aug) {
          // x += y reads x first.
          this.bind(lhs);
        } else this.bind(lhs);
        break;
      case 'Index':
        this.expr(lhs.x);
        this.expr(lhs.y);
        break;
      case 'Dot':
        this.expr(lhs.x);
        break;
      case 'Tuple':
      case 'List':
        if (aug)
          this.errorf(
            lhs,
            `can't use ${lhs.kind === 'Tuple' ? 'tuple' : 'list'} expression in augmented assignment`,
          );
        for (const e of lhs.elems) this.assign(e, aug);
        break;
      case 'Paren':
        this.assign(lhs.x, aug);
        break;
      default:
        this.errorf(lhs, `can't assign to ${assignName(lhs)}`);
    }
  }

  expr(e: A.Expr): void {
    this.at = e;
    switch (e.kind) {
      case 'Ident':
        this.use(e);
        break;
      case 'Literal':
        break;
      case 'List':
      case 'Tuple':
        for (const x of e.elems) this.expr(x);
        break;
      case 'Cond':
        this.expr(e.cond);
        this.expr(e.t);
        this.expr(e.f);
        break;
      case 'Index':
        this.expr(e.x);
        this.expr(e.y);
        break;
      case 'Slice':
        this.expr(e.x);
        if (e.lo) this.expr(e.lo);
        if (e.hi) this.expr(e.hi);
        if (e.step) this.expr(e.step);
        break;
      case 'Comprehension': {
        const first = e.clauses[0] as A.ForClause;
        this.expr(first.x);
        this.push(new Block(null, true));
        this.assign(first.vars, false);
        for (const c of e.clauses.slice(1)) {
          if (c.kind === 'IfClause') this.expr(c.cond);
          else {
            this.assign(c.vars, false);
            this.expr(c.x);
          }
        }
        if (e.body.kind === 'DictEntry') {
          this.expr(e.body.key);
          this.expr(e.body.value);
        } else this.expr(e.body);
        this.pop();
        break;
      }
      case 'Dict':
        for (const en of e.entries) {
          this.expr(en.key);
          this.expr(en.value);
        }
        break;
      case 'Unary':
        this.expr(e.x);
        break;
      case 'Binary':
        this.expr(e.x);
        this.expr(e.y);
        break;
      case 'Dot':
        this.expr(e.x);
        break;
      case 'Call': {
        this.expr(e.fn);
        let seenVarargs = false;
        let seenKwargs = false;
        const seenName = new Set<string>();
        let n = 0;
        let p = 0;
        for (const a of e.args) {
          switch (a.style) {
            case 'starstar':
              if (seenKwargs) this.errorf(a, 'multiple **kwargs not allowed');
              seenKwargs = true;
              this.expr(a.value);
              break;
            case 'star':
              if (seenKwargs) this.errorf(a, '*args may not follow **kwargs');
              else if (seenVarargs) this.errorf(a, 'multiple *args not allowed');
              seenVarargs = true;
              this.expr(a.value);
              break;
            case 'named':
              n++;
              if (seenKwargs) this.errorf(a, 'keyword argument may not follow **kwargs');
              else if (seenVarargs) this.errorf(a, 'keyword argument may not follow *args');
              if (seenName.has(a.name!)) this.errorf(a, `keyword argument "${a.name}" is repeated`);
              else seenName.add(a.name!);
              this.expr(a.value);
              break;
            case 'pos':
              p++;
              if (seenVarargs) this.errorf(a, 'positional argument may not follow *args');
              else if (seenKwargs) this.errorf(a, 'positional argument may not follow **kwargs');
              else if (seenName.size > 0) this.errorf(a, 'positional argument may not follow named');
              this.expr(a.value);
              break;
          }
        }
        if (p >= 256) this.errorf(e, `${p} positional arguments in call, limit is 255`);
        if (n >= 256) this.errorf(e, `${n} keyword arguments in call, limit is 255`);
        break;
      }
      case 'Lambda': {
        const ret: A.ReturnStmt = { kind: 'Return', line: e.body.line, col: e.body.col, result: e.body };
        const fn = newFunction('lambda', e, e.params, [ret]);
        e.fn = fn;
        this.function(fn);
        break;
      }
      case 'Paren':
        this.expr(e.x);
        break;
    }
  }

  function(fn: A.FunctionInfo): void {
    for (const p of fn.params) if (p.style === 'default') this.expr(p.dflt!);
    const b = new Block(fn, false);
    this.push(b);
    let seenOptional = false;
    let star: A.Param | null = null;
    let starStar: A.Ident | null = null;
    let numKwonly = 0;
    for (const p of fn.params) {
      switch (p.style) {
        case 'plain':
          if (starStar) this.errorf(p, `required parameter may not follow **${starStar.name}`);
          else if (star) numKwonly++;
          else if (seenOptional) this.errorf(p, 'required parameter may not follow optional');
          if (this.bind(p.ident!)) this.errorf(p, `duplicate parameter: ${p.ident!.name}`);
          break;
        case 'default':
          if (starStar) this.errorf(p, `optional parameter may not follow **${starStar.name}`);
          else if (star) numKwonly++;
          if (this.bind(p.ident!)) this.errorf(p, `duplicate parameter: ${p.ident!.name}`);
          seenOptional = true;
          break;
        case 'star':
          if (starStar) this.errorf(p, `* parameter may not follow **${starStar.name}`);
          else if (star) this.errorf(p, 'multiple * parameters not allowed');
          else star = p;
          break;
        case 'starstar':
          if (starStar) this.errorf(p, 'multiple ** parameters not allowed');
          starStar = p.ident!;
          break;
      }
    }
    if (star) {
      if (star.ident) {
        if (this.bind(star.ident)) this.errorf(star.ident, `duplicate parameter: ${star.ident.name}`);
        fn.hasVarargs = true;
      } else if (numKwonly === 0) {
        this.errorf(star, 'bare * must be followed by keyword-only parameters');
      }
    }
    if (starStar) {
      if (this.bind(starStar)) this.errorf(starStar, `duplicate parameter: ${starStar.name}`);
      fn.hasKwargs = true;
    }
    fn.numKwonly = numKwonly;
    const savedLoops = this.loops;
    const savedIfs = this.ifstmts;
    this.loops = 0;
    this.ifstmts = 0;
    this.stmts(fn.body);
    this.loops = savedLoops;
    this.ifstmts = savedIfs;
    this.resolveLocalUses(b);
    this.pop();
  }
}

function newFunction(
  name: string,
  at: { line: number; col: number },
  params: readonly A.Param[],
  body: readonly A.Stmt[],
): A.FunctionInfo {
  return {
    name,
    line: at.line,
    col: at.col,
    params,
    body,
    locals: [],
    freevars: [],
    hasVarargs: false,
    hasKwargs: false,
    numKwonly: 0,
  };
}

function lookupLocal(u: Use): A.Binding | undefined {
  for (let env: Block | null = u.env; env; env = env.parent) {
    const b = env.bindings.get(u.id.name);
    if (b) return b;
    if (env.fn) break;
  }
  return undefined;
}

function assignName(e: A.Expr): string {
  switch (e.kind) {
    case 'Literal':
      return 'literal';
    case 'Binary':
      return 'binaryexpr';
    case 'Unary':
      return 'unaryexpr';
    case 'Call':
      return 'callexpr';
    case 'Cond':
      return 'condexpr';
    case 'Slice':
      return 'sliceexpr';
    case 'Comprehension':
      return 'comprehension';
    case 'Lambda':
      return 'lambdaexpr';
    case 'Dict':
      return 'dictexpr';
    default:
      return e.kind.toLowerCase();
  }
}

/** nearest returns the candidate closest to x by edit distance, or "" (for "did you mean" hints). */
export function nearest(x: string, candidates: string[]): string {
  const fold = (s: string) => s.replace(/_/g, '').toLowerCase();
  const fx = fold(x);
  let best = '';
  let bestD = Math.floor((fx.length + 1) / 2);
  for (const c of candidates) {
    const d = levenshtein(fx, fold(c));
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = i - 1;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const k = Math.min(prev + (a[i - 1] === b[j - 1] ? 0 : 1), 1 + row[j - 1]!, 1 + row[j]!);
      prev = row[j]!;
      row[j] = k;
    }
  }
  return row[b.length]!;
}
