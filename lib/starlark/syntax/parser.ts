import type * as A from './ast.js';
import { Scanner, tokenName, type Tok, type Token } from './scanner.js';

/** parseFile parses a Starlark file; it throws ScanOrSyntaxError on the first error. */
export function parseFile(filename: string, src: string): A.File {
  const p = new Parser(filename, src);
  return { ...p.file(), name: filename };
}

/** parseExpr parses a single expression (used by eval-style hosts). */
export function parseExpression(filename: string, src: string): A.Expr {
  const p = new Parser(filename, src);
  const x = p.exprOnly();
  return x;
}

const PREC: Partial<Record<Tok, number>> = {
  or: 0, and: 1, not: 2,
  '==': 3, '!=': 3, '<': 3, '>': 3, '<=': 3, '>=': 3, in: 3, 'not in': 3,
  '|': 4, '^': 5, '&': 6, '<<': 7, '>>': 7, '-': 8, '+': 8, '*': 9, '%': 9, '/': 9, '//': 9,
};
const NLEVELS = 10;
const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '//=', '%=', '&=', '|=', '^=', '<<=', '>>=']);

function terminatesExprList(t: Tok): boolean {
  return t === 'EOF' || t === 'NEWLINE' || t === '=' || t === '}' || t === ']' || t === ')' || t === ';';
}

class Parser {
  readonly #sc: Scanner;
  tok: Token;
  #depth = 0;

  constructor(filename: string, src: string) {
    this.#sc = new Scanner(filename, src);
    this.tok = this.#sc.next();
  }

  cur(): Tok {
    return this.tok.tok;
  }

  error(msg: string, at: Token | { line: number; col: number } = { line: this.tok.endLine!, col: this.tok.endCol! }): never {
    this.#sc.error(at.line, at.col, msg);
  }

  next(): Token {
    const old = this.tok;
    this.tok = this.#sc.next();
    return old;
  }

  consume(t: Tok): Token {
    if (this.cur() !== t) this.error(`got ${tokenName(this.cur())}, want ${tokenName(t)}`);
    return this.next();
  }

  file(): A.File {
    const stmts: A.Stmt[] = [];
    while (this.cur() !== 'EOF') {
      if (this.cur() === 'NEWLINE') {
        this.next();
        continue;
      }
      this.stmt(stmts);
    }
    return { kind: 'File', name: '', stmts };
  }

  exprOnly(): A.Expr {
    while (this.cur() === 'NEWLINE') this.next();
    const x = this.expr(false);
    while (this.cur() === 'NEWLINE') this.next();
    if (this.cur() !== 'EOF') this.error(`got ${tokenName(this.cur())} after expression, want EOF`);
    return x;
  }

  stmt(out: A.Stmt[]): void {
    switch (this.cur()) {
      case 'def': out.push(this.defStmt()); return;
      case 'if': out.push(this.ifStmt()); return;
      case 'for': out.push(this.forStmt()); return;
      case 'while': out.push(this.whileStmt()); return;
    }
    this.simpleStmt(out);
  }

  defStmt(): A.DefStmt {
    const def = this.next();
    const name = this.ident();
    this.consume('(');
    const params = this.params();
    this.consume(')');
    this.consume(':');
    const body = this.suite();
    return { kind: 'Def', line: def.line, col: def.col, name, params, body };
  }

  ifStmt(): A.IfStmt {
    const iff = this.next();
    const cond = this.test();
    this.consume(':');
    const then = this.suite();
    let els: A.Stmt[] = [];
    if (this.cur() === 'elif') {
      els = [this.ifStmt()];
    } else if (this.cur() === 'else') {
      this.next();
      this.consume(':');
      els = this.suite();
    }
    return { kind: 'If', line: iff.line, col: iff.col, cond, then, els };
  }

  forStmt(): A.ForStmt {
    const f = this.next();
    const vars = this.loopVars();
    this.consume('in');
    const x = this.expr(false);
    this.consume(':');
    const body = this.suite();
    return { kind: 'For', line: f.line, col: f.col, vars, x, body };
  }

  whileStmt(): A.WhileStmt {
    const w = this.next();
    const cond = this.test();
    this.consume(':');
    const body = this.suite();
    return { kind: 'While', line: w.line, col: w.col, cond, body };
  }

  loopVars(): A.Expr {
    const v = this.primaryWithSuffix();
    if (this.cur() !== ',') return v;
    const elems: A.Expr[] = [v];
    while (this.cur() === ',') {
      this.next();
      if (terminatesExprList(this.cur())) break;
      elems.push(this.primaryWithSuffix());
    }
    return { kind: 'Tuple', line: v.line, col: v.col, elems };
  }

  suite(): A.Stmt[] {
    if (this.cur() === 'NEWLINE') {
      this.next();
      this.consume('INDENT');
      const stmts: A.Stmt[] = [];
      while (this.cur() !== 'OUTDENT' && this.cur() !== 'EOF') this.stmt(stmts);
      this.consume('OUTDENT');
      return stmts;
    }
    const stmts: A.Stmt[] = [];
    this.simpleStmt(stmts);
    return stmts;
  }

  simpleStmt(out: A.Stmt[]): void {
    for (;;) {
      out.push(this.smallStmt());
      if (this.cur() !== ';') break;
      this.next();
      if (this.cur() === 'NEWLINE' || this.cur() === 'EOF') break;
    }
    if (this.cur() !== 'EOF') this.consume('NEWLINE');
  }

  smallStmt(): A.Stmt {
    const tk = this.tok;
    switch (tk.tok) {
      case 'return': {
        this.next();
        let result: A.Expr | undefined;
        if (this.cur() !== 'EOF' && this.cur() !== 'NEWLINE' && this.cur() !== ';') result = this.expr(false);
        return { kind: 'Return', line: tk.line, col: tk.col, result };
      }
      case 'break': case 'continue': case 'pass':
        this.next();
        return { kind: 'Branch', line: tk.line, col: tk.col, tok: tk.tok };
      case 'load':
        return this.loadStmt();
    }
    const x = this.expr(false);
    if (ASSIGN_OPS.has(this.cur())) {
      const op = this.next();
      const rhs = this.expr(false);
      return { kind: 'Assign', line: op.line, col: op.col, op: op.tok as A.AssignOp, lhs: x, rhs };
    }
    return { kind: 'ExprStmt', line: x.line, col: x.col, x };
  }

  loadStmt(): A.LoadStmt {
    const load = this.next();
    const lparen = this.consume('(');
    if (this.cur() !== 'STRING') this.error('first operand of load statement must be a string literal');
    const module = this.next().value as string;
    const from: A.Ident[] = [];
    const to: A.Ident[] = [];
    while (this.cur() !== ')' && this.cur() !== 'EOF') {
      this.consume(',');
      if (this.cur() === ')') break;
      if (this.cur() === 'STRING') {
        const s = this.next();
        const name = s.value as string;
        from.push({ kind: 'Ident', line: s.line, col: s.col + 1, name });
        to.push({ kind: 'Ident', line: s.line, col: s.col + 1, name });
      } else if (this.cur() === 'IDENT') {
        const id = this.ident();
        if (this.cur() !== '=') this.error(`load operand must be "${id.name}" or ${id.name}="originalname" (want '=' after ${id.name})`);
        this.next();
        if (this.cur() !== 'STRING') this.error(`original name of loaded symbol must be quoted: ${id.name}="originalname"`);
        const s = this.next();
        from.push({ kind: 'Ident', line: s.line, col: s.col + 1, name: s.value as string });
        to.push(id);
      } else {
        this.error(`load operand must be "name" or localname="name" (got ${tokenName(this.cur())})`);
      }
    }
    this.consume(')');
    if (to.length === 0) this.error('load statement must import at least 1 symbol', lparen);
    return { kind: 'Load', line: load.line, col: load.col, module, from, to };
  }

  ident(): A.Ident {
    if (this.cur() !== 'IDENT') this.error('not an identifier');
    const t = this.next();
    return { kind: 'Ident', line: t.line, col: t.col, name: t.value as string };
  }

  params(): A.Param[] {
    const params: A.Param[] = [];
    while (this.cur() !== ')' && this.cur() !== ':' && this.cur() !== 'EOF') {
      if (params.length > 0) this.consume(',');
      if (this.cur() === ')') break;
      if (this.cur() === '*' || this.cur() === '**') {
        const op = this.next();
        let ident: A.Ident | undefined;
        if (op.tok === '**' || this.cur() === 'IDENT') ident = this.ident();
        params.push({ kind: 'Param', line: op.line, col: op.col, style: op.tok === '*' ? 'star' : 'starstar', ident });
        continue;
      }
      const ident = this.ident();
      if (this.cur() === '=') {
        const eq = this.next();
        const dflt = this.test();
        params.push({ kind: 'Param', line: eq.line, col: eq.col, style: 'default', ident, dflt });
        continue;
      }
      params.push({ kind: 'Param', line: ident.line, col: ident.col, style: 'plain', ident });
    }
    return params;
  }

  expr(inParens: boolean): A.Expr {
    const x = this.test();
    if (this.cur() !== ',') return x;
    const elems = this.exprs([x], inParens);
    return { kind: 'Tuple', line: x.line, col: x.col, elems };
  }

  exprs(elems: A.Expr[], allowTrailingComma: boolean): A.Expr[] {
    while (this.cur() === ',') {
      const comma = this.next();
      if (terminatesExprList(this.cur())) {
        if (!allowTrailingComma) this.error('unparenthesized tuple with trailing comma', comma);
        break;
      }
      elems.push(this.test());
    }
    return elems;
  }

  test(): A.Expr {
    if (this.cur() === 'lambda') return this.lambda(true);
    if (++this.#depth > 1000) this.error('expression nested too deeply');
    const x = this.testPrec(0);
    this.#depth--;
    if (this.cur() === 'if') {
      const iff = this.next();
      const cond = this.testPrec(0);
      if (this.cur() !== 'else') this.error('conditional expression without else clause', iff);
      this.next();
      const f = this.test();
      return { kind: 'Cond', line: iff.line, col: iff.col, cond, t: x, f };
    }
    return x;
  }

  testNoCond(): A.Expr {
    if (this.cur() === 'lambda') return this.lambda(false);
    return this.testPrec(0);
  }

  lambda(allowCond: boolean): A.LambdaExpr {
    const lam = this.next();
    let params: A.Param[] = [];
    if (this.cur() !== ':') params = this.params();
    this.consume(':');
    const body = allowCond ? this.test() : this.testNoCond();
    return { kind: 'Lambda', line: lam.line, col: lam.col, params, body };
  }

  testPrec(prec: number): A.Expr {
    if (prec >= NLEVELS) return this.primaryWithSuffix();
    if (this.cur() === 'not' && prec === 2) {
      const n = this.next();
      const x = this.testPrec(prec);
      return { kind: 'Unary', line: n.line, col: n.col, op: 'not', x };
    }
    return this.binop(prec);
  }

  binop(prec: number): A.Expr {
    let x = this.testPrec(prec + 1);
    for (let first = true; ; first = false) {
      if (this.cur() === 'not') {
        this.next();
        if (this.cur() !== 'in') this.error(`got ${tokenName(this.cur())}, want in`);
        this.tok = { ...this.tok, tok: 'not in' };
      }
      const opprec = PREC[this.cur()];
      if (opprec === undefined || opprec < prec) return x;
      if (!first && opprec === 3) {
        this.error(`${(x as A.BinaryExpr).op} does not associate with ${this.cur()} (use parens)`);
      }
      const op = this.next();
      const y = this.testPrec(opprec + 1);
      x = { kind: 'Binary', line: op.line, col: op.col, op: op.tok as A.BinaryOp, x, y };
    }
  }

  primaryWithSuffix(): A.Expr {
    if (++this.#depth > 1000) this.error('expression nested too deeply');
    let x = this.primary();
    for (;;) {
      switch (this.cur()) {
        case '.': {
          const dot = this.next();
          const id = this.ident();
          x = { kind: 'Dot', line: dot.line, col: dot.col, x, name: id.name };
          continue;
        }
        case '[':
          x = this.sliceSuffix(x);
          continue;
        case '(':
          x = this.callSuffix(x);
          continue;
      }
      break;
    }
    this.#depth--;
    return x;
  }

  sliceSuffix(x: A.Expr): A.Expr {
    const lb = this.next();
    let lo: A.Expr | undefined;
    let hi: A.Expr | undefined;
    let step: A.Expr | undefined;
    if (this.cur() !== ':') {
      const y = this.expr(false);
      if (this.cur() === ']') {
        this.next();
        return { kind: 'Index', line: lb.line, col: lb.col, x, y };
      }
      lo = y;
    }
    if (this.cur() === ':') {
      this.next();
      if (this.cur() !== ':' && this.cur() !== ']') hi = this.test();
    }
    if (this.cur() === ':') {
      this.next();
      if (this.cur() !== ']') step = this.test();
    }
    this.consume(']');
    return { kind: 'Slice', line: lb.line, col: lb.col, x, lo, hi, step };
  }

  callSuffix(fn: A.Expr): A.CallExpr {
    const lp = this.consume('(');
    const args: A.Arg[] = [];
    while (this.cur() !== ')' && this.cur() !== 'EOF') {
      if (args.length > 0) this.consume(',');
      if (this.cur() === ')') break;
      if (this.cur() === '*' || this.cur() === '**') {
        const op = this.next();
        const value = this.test();
        args.push({ kind: 'Arg', line: op.line, col: op.col, style: op.tok === '*' ? 'star' : 'starstar', value });
        continue;
      }
      const x = this.test();
      if (this.cur() === '=') {
        if (x.kind !== 'Ident') this.error('keyword argument must have form name=expr');
        this.next();
        const value = this.test();
        args.push({ kind: 'Arg', line: x.line, col: x.col, style: 'named', name: x.name, value });
        continue;
      }
      args.push({ kind: 'Arg', line: x.line, col: x.col, style: 'pos', value: x });
    }
    this.consume(')');
    return { kind: 'Call', line: lp.line, col: lp.col, fn, args };
  }

  primary(): A.Expr {
    const tk = this.tok;
    switch (tk.tok) {
      case 'IDENT':
        return this.ident();
      case 'INT': case 'FLOAT': case 'STRING': case 'BYTES':
        this.next();
        return { kind: 'Literal', line: tk.line, col: tk.col, tok: tk.tok, value: tk.value, raw: tk.raw };
      case '[':
        return this.list();
      case '{':
        return this.dict();
      case '(': {
        this.next();
        if (this.cur() === ')') {
          this.next();
          return { kind: 'Tuple', line: tk.line, col: tk.col, elems: [] };
        }
        const x = this.expr(true);
        this.consume(')');
        return { kind: 'Paren', line: tk.line, col: tk.col, x };
      }
      case '-': case '+': case '~': {
        this.next();
        const x = this.primaryWithSuffix();
        return { kind: 'Unary', line: tk.line, col: tk.col, op: tk.tok, x };
      }
    }
    this.error(`got ${tokenName(this.cur())}, want primary expression`);
  }

  list(): A.Expr {
    const lb = this.next();
    if (this.cur() === ']') {
      this.next();
      return { kind: 'List', line: lb.line, col: lb.col, elems: [] };
    }
    const x = this.test();
    if (this.cur() === 'for') return this.comprehension(lb, x, ']');
    const elems = [x];
    if (this.cur() === ',') this.exprs(elems, true);
    this.consume(']');
    return { kind: 'List', line: lb.line, col: lb.col, elems };
  }

  dict(): A.Expr {
    const lb = this.next();
    if (this.cur() === '}') {
      this.next();
      return { kind: 'Dict', line: lb.line, col: lb.col, entries: [] };
    }
    const x = this.dictEntry();
    if (this.cur() === 'for') return this.comprehension(lb, x, '}');
    const entries = [x];
    while (this.cur() === ',') {
      this.next();
      if (this.cur() === '}') break;
      entries.push(this.dictEntry());
    }
    this.consume('}');
    return { kind: 'Dict', line: lb.line, col: lb.col, entries };
  }

  dictEntry(): A.DictEntry {
    const key = this.test();
    const colon = this.consume(':');
    const value = this.test();
    return { kind: 'DictEntry', line: colon.line, col: colon.col, key, value };
  }

  comprehension(lb: Token, body: A.Expr | A.DictEntry, end: ']' | '}'): A.Comprehension {
    const clauses: (A.ForClause | A.IfClause)[] = [];
    while (this.cur() !== end) {
      if (this.cur() === 'for') {
        const f = this.next();
        const vars = this.loopVars();
        this.consume('in');
        const x = this.testPrec(0);
        clauses.push({ kind: 'ForClause', line: f.line, col: f.col, vars, x });
      } else if (this.cur() === 'if') {
        const i = this.next();
        const cond = this.testNoCond();
        clauses.push({ kind: 'IfClause', line: i.line, col: i.col, cond });
      } else {
        this.error(`got ${tokenName(this.cur())}, want '${end}', for, or if`);
      }
    }
    this.next();
    return { kind: 'Comprehension', line: lb.line, col: lb.col, curly: end === '}', body, clauses };
  }
}
