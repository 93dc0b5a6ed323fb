/**
 * The parser: tokens to the syntax tree (ast.ts), the second phase (scanner → parser →
 * resolver → compiler).
 *
 * A recursive-descent parser with one token of lookahead (Parser.tok), one method per
 * grammar production: file → stmt (def, if, for, while, or a line of simple statements
 * separated by ';') → expr. It stops at the first error, throwing ScanOrSyntaxError at the
 * position just after the offending token (starlark-go's convention), or where a statement
 * or a bracket was left unfinished when the offending token is a newline or the end of file.
 *
 * Key ideas:
 *  - Binary operators by precedence climbing (testPrec): one JS frame per operand rather than
 *    one per precedence level, with `not` a prefix operator of its own level and comparisons
 *    refusing to chain (a < b < c is an error, as in the spec).
 *  - Suffixes (.name, [index or slice], (call)) are parsed in a loop after a primary, so a long
 *    chain x.f(y)[0].g costs no extra depth; a tuple is an expression list with commas, a
 *    trailing comma allowed only inside brackets.
 *  - Nesting is bounded (MAX_NESTING), in half levels for the cheap links of a chain, so that
 *    every later phase, all of which recurse over the tree, stays within the JS stack; a host
 *    already deep in its stack still gets a syntax error (guard), never a RangeError.
 *  - The tree is plain data tagged by kind, with positions; names are not bound here (that is
 *    the resolver's job, which writes its results into the same nodes).
 */
import type * as A from './ast.js';
import { isStackOverflow } from './position.js';
import { Scanner, tokenName, type Tok, type Token } from './scanner.js';

/** parseFile parses a Starlark file; it throws ScanOrSyntaxError on the first error. */
export function parseFile(filename: string, src: string): A.File {
  const p = new Parser(filename, src);
  return { ...p.guard(() => p.file()), name: filename };
}

/** parseExpression parses a single expression (used by eval-style hosts). */
export function parseExpression(filename: string, src: string): A.Expr {
  const p = new Parser(filename, src);
  return p.guard(() => p.exprOnly());
}

/**
 * MAX_NESTING bounds how deeply constructs may nest, so that the parser, the resolver, the
 * compiler and the evaluator (which all recurse over the tree) stay well within the JS stack
 * (a host's default stack takes about twice the limit in every phase). A level is: an
 * expression inside parentheses, brackets, braces, call arguments, an index or a conditional;
 * a unary operator; a lambda; a comprehension clause; a block of statements; an \`elif\`. The
 * links of a left-nested chain cost less, half a level each: each binary operator of
 * \`a + b + c\`, each \`.name\`, \`[...]\` or \`(...)\` suffix of \`x.f(y)[0]\`. A deeper source is
 * refused with the syntax error "expression nested too deeply" (or "block nested too
 * deeply") at the token where the limit is crossed. CPython has limits of the same kind (200
 * nested parentheses, 100 indentation levels); starlark-go has none.
 */
export const MAX_NESTING = 500;
/** the parser counts half levels */
const LEVEL = 2;
const LINK = 1;

const PREC: Partial<Record<Tok, number>> = {
  or: 0,
  and: 1,
  not: 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '>': 3,
  '<=': 3,
  '>=': 3,
  in: 3,
  'not in': 3,
  '|': 4,
  '^': 5,
  '&': 6,
  '<<': 7,
  '>>': 7,
  '-': 8,
  '+': 8,
  '*': 9,
  '%': 9,
  '/': 9,
  '//': 9,
};
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

  error(
    msg: string,
    at: Token | { line: number; col: number } = { line: this.tok.endLine!, col: this.tok.endCol! },
  ): never {
    // The file ended inside brackets: the mistake is the bracket left open, maybe far above.
    const open = this.cur() === 'EOF' ? this.#sc.openBracket() : undefined;
    const note = open === undefined ? '' : ` (the '${open.ch}' at ${open.line}:${open.col} is not closed)`;
    this.#sc.error(at.line, at.col, msg + note);
  }

  /** enter counts one more level of nesting, refusing the source beyond MAX_NESTING. */
  enter(what: 'expression' | 'block' = 'expression', cost = LEVEL): void {
    this.#depth += cost;
    if (this.#depth > MAX_NESTING * LEVEL) this.error(`${what} nested too deeply`, this.tok);
  }

  leave(cost = LEVEL): void {
    this.#depth -= cost;
  }

  /**
   * guard runs a parse, converting an exhaustion of the JS stack (a host already deep in its
   * own stack) into a syntax error at the current token.
   */
  guard<T>(parse: () => T): T {
    try {
      return parse();
    } catch (e) {
      if (isStackOverflow(e)) this.error('expression nested too deeply', this.tok);
      throw e;
    }
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
      case 'def':
        out.push(this.defStmt());
        return;
      case 'if':
        out.push(this.ifStmt());
        return;
      case 'for':
        out.push(this.forStmt());
        return;
      case 'while':
        out.push(this.whileStmt());
        return;
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
      this.enter('block');
      els = [this.ifStmt()];
      this.leave();
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
    const stmts: A.Stmt[] = [];
    if (this.cur() === 'NEWLINE') {
      this.next();
      this.consume('INDENT');
      this.enter('block');
      while (this.cur() !== 'OUTDENT' && this.cur() !== 'EOF') this.stmt(stmts);
      this.leave();
      this.consume('OUTDENT');
      return stmts;
    }
    this.enter('block');
    this.simpleStmt(stmts);
    this.leave();
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
      case 'break':
      case 'continue':
      case 'pass':
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
        if (this.cur() !== '=')
          this.error(
            `load operand must be "${id.name}" or ${id.name}="originalname" (want '=' after ${id.name})`,
          );
        this.next();
        if (this.cur() !== 'STRING')
          this.error(`original name of loaded symbol must be quoted: ${id.name}="originalname"`);
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
        params.push({
          kind: 'Param',
          line: op.line,
          col: op.col,
          style: op.tok === '*' ? 'star' : 'starstar',
          ident,
        });
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
    this.enter();
    let x: A.Expr;
    if (this.cur() === 'lambda') x = this.lambda(true);
    else {
      x = this.testPrec(0);
      if (this.cur() === 'if') {
        const iff = this.next();
        const cond = this.testPrec(0);
        if (this.cur() !== 'else') this.error('conditional expression without else clause', iff);
        this.next();
        const f = this.test();
        x = { kind: 'Cond', line: iff.line, col: iff.col, cond, t: x, f };
      }
    }
    this.leave();
    return x;
  }

  testNoCond(): A.Expr {
    this.enter();
    const x = this.cur() === 'lambda' ? this.lambda(false) : this.testPrec(0);
    this.leave();
    return x;
  }

  lambda(allowCond: boolean): A.LambdaExpr {
    const lam = this.next();
    let params: A.Param[] = [];
    if (this.cur() !== ':') params = this.params();
    this.consume(':');
    const body = allowCond ? this.test() : this.testNoCond();
    return { kind: 'Lambda', line: lam.line, col: lam.col, params, body };
  }

  /**
   * testPrec parses a binary expression whose operators all have precedence >= minPrec
   * (precedence climbing: one JS frame per operand, not one per precedence level).
   * `not` is a prefix operator of precedence 2; comparisons (precedence 3) don't associate.
   */
  testPrec(minPrec: number): A.Expr {
    let x: A.Expr;
    if (this.cur() === 'not' && minPrec <= 2) {
      const n = this.next();
      this.enter();
      const y = this.testPrec(2);
      this.leave();
      x = { kind: 'Unary', line: n.line, col: n.col, op: 'not', x: y };
    } else {
      x = this.primaryWithSuffix();
    }
    let links = 0;
    let comparison = false;
    for (;;) {
      if (this.cur() === 'not') {
        this.next();
        if (this.cur() !== 'in') this.error(`got ${tokenName(this.cur())}, want in`);
        this.tok = { ...this.tok, tok: 'not in' };
      }
      const opprec = PREC[this.cur()];
      if (opprec === undefined || opprec < minPrec) break;
      // Operators arrive in non-increasing precedence here (each right operand takes the
      // tighter ones), so two comparisons in a row means a chain like a < b < c.
      if (opprec === 3) {
        if (comparison)
          this.error(`${(x as A.BinaryExpr).op} does not associate with ${this.cur()} (use parens)`);
        comparison = true;
      }
      this.enter('expression', LINK);
      links++;
      const op = this.next();
      const y = this.testPrec(opprec + 1);
      x = { kind: 'Binary', line: op.line, col: op.col, op: op.tok as A.BinaryOp, x, y };
    }
    this.leave(links * LINK);
    return x;
  }

  primaryWithSuffix(): A.Expr {
    let x = this.primary();
    let links = 0;
    for (;;) {
      switch (this.cur()) {
        case '.': {
          this.enter('expression', LINK);
          links++;
          const dot = this.next();
          const id = this.ident();
          x = { kind: 'Dot', line: dot.line, col: dot.col, x, name: id.name };
          continue;
        }
        case '[':
          this.enter('expression', LINK);
          links++;
          x = this.sliceSuffix(x);
          continue;
        case '(':
          this.enter('expression', LINK);
          links++;
          x = this.callSuffix(x);
          continue;
      }
      break;
    }
    this.leave(links * LINK);
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
        args.push({
          kind: 'Arg',
          line: op.line,
          col: op.col,
          style: op.tok === '*' ? 'star' : 'starstar',
          value,
        });
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
      case 'INT':
      case 'FLOAT':
      case 'STRING':
      case 'BYTES':
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
      case '-':
      case '+':
      case '~': {
        this.next();
        this.enter();
        const x = this.primaryWithSuffix();
        this.leave();
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
    const depth = this.#depth;
    while (this.cur() !== end) {
      // Each clause nests the rest of the comprehension.
      this.enter();
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
    this.#depth = depth;
    this.next();
    return { kind: 'Comprehension', line: lb.line, col: lb.col, curly: end === '}', body, clauses };
  }
}
