/**
 * AST nodes. Nodes are plain data tagged by `kind`; the only fields written after parsing
 * are the resolver's results (`binding` on identifiers, `fn` on def/lambda, `module` on File).
 */

export type Scope = 'local' | 'cell' | 'free' | 'global' | 'predeclared' | 'universal' | 'undefined';

/** Binding is the resolver's answer for a name: where its value lives at run time. */
export interface Binding {
  scope: Scope;
  /** slot index: locals/cells in the function's frame, freevars in the closure, globals in the module */
  index: number;
  readonly name: string;
  readonly first?: Ident;
}

/** FunctionInfo is what the resolver records about a def or lambda. */
export interface FunctionInfo {
  readonly name: string;
  readonly line: number;
  readonly col: number;
  readonly params: readonly Param[];
  readonly body: readonly Stmt[];
  locals: Binding[];
  freevars: Binding[];
  hasVarargs: boolean;
  hasKwargs: boolean;
  numKwonly: number;
}

export interface ModuleInfo {
  locals: Binding[];
  globals: Binding[];
}

interface At {
  readonly line: number;
  readonly col: number;
}

export interface Ident extends At {
  readonly kind: 'Ident';
  readonly name: string;
  binding?: Binding;
}
export interface Literal extends At {
  readonly kind: 'Literal';
  readonly tok: 'INT' | 'FLOAT' | 'STRING' | 'BYTES';
  readonly value: string | number | bigint;
  readonly raw: string;
}
export interface ListExpr extends At {
  readonly kind: 'List';
  readonly elems: readonly Expr[];
}
export interface TupleExpr extends At {
  readonly kind: 'Tuple';
  readonly elems: readonly Expr[];
}
export interface DictEntry extends At {
  readonly kind: 'DictEntry';
  readonly key: Expr;
  readonly value: Expr;
}
export interface DictExpr extends At {
  readonly kind: 'Dict';
  readonly entries: readonly DictEntry[];
}
export interface UnaryExpr extends At {
  readonly kind: 'Unary';
  readonly op: '-' | '+' | '~' | 'not';
  readonly x: Expr;
}
export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '//'
  | '%'
  | '&'
  | '|'
  | '^'
  | '<<'
  | '>>'
  | '=='
  | '!='
  | '<'
  | '>'
  | '<='
  | '>='
  | 'in'
  | 'not in'
  | 'and'
  | 'or';
export interface BinaryExpr extends At {
  readonly kind: 'Binary';
  readonly op: BinaryOp;
  readonly x: Expr;
  readonly y: Expr;
}
export interface CondExpr extends At {
  readonly kind: 'Cond';
  readonly cond: Expr;
  readonly t: Expr;
  readonly f: Expr;
}
export interface IndexExpr extends At {
  readonly kind: 'Index';
  readonly x: Expr;
  readonly y: Expr;
}
export interface SliceExpr extends At {
  readonly kind: 'Slice';
  readonly x: Expr;
  readonly lo?: Expr | undefined;
  readonly hi?: Expr | undefined;
  readonly step?: Expr | undefined;
}
export interface DotExpr extends At {
  readonly kind: 'Dot';
  readonly x: Expr;
  readonly name: string;
}
export interface Arg extends At {
  readonly kind: 'Arg';
  readonly style: 'pos' | 'named' | 'star' | 'starstar';
  readonly name?: string;
  readonly value: Expr;
}
export interface CallExpr extends At {
  readonly kind: 'Call';
  readonly fn: Expr;
  readonly args: readonly Arg[];
}
export interface ForClause extends At {
  readonly kind: 'ForClause';
  readonly vars: Expr;
  readonly x: Expr;
}
export interface IfClause extends At {
  readonly kind: 'IfClause';
  readonly cond: Expr;
}
export interface Comprehension extends At {
  readonly kind: 'Comprehension';
  readonly curly: boolean;
  readonly body: Expr | DictEntry;
  readonly clauses: readonly (ForClause | IfClause)[];
}
export interface Param extends At {
  readonly kind: 'Param';
  readonly style: 'plain' | 'default' | 'star' | 'starstar';
  readonly ident?: Ident | undefined;
  readonly dflt?: Expr | undefined;
}
export interface LambdaExpr extends At {
  readonly kind: 'Lambda';
  readonly params: readonly Param[];
  readonly body: Expr;
  fn?: FunctionInfo;
}
export interface ParenExpr extends At {
  readonly kind: 'Paren';
  readonly x: Expr;
}

export type Expr =
  | Ident
  | Literal
  | ListExpr
  | TupleExpr
  | DictExpr
  | UnaryExpr
  | BinaryExpr
  | CondExpr
  | IndexExpr
  | SliceExpr
  | DotExpr
  | CallExpr
  | Comprehension
  | LambdaExpr
  | ParenExpr;

export interface ExprStmt extends At {
  readonly kind: 'ExprStmt';
  readonly x: Expr;
}
export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=' | '//=' | '%=' | '&=' | '|=' | '^=' | '<<=' | '>>=';
export interface AssignStmt extends At {
  readonly kind: 'Assign';
  readonly op: AssignOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
}
export interface DefStmt extends At {
  readonly kind: 'Def';
  readonly name: Ident;
  readonly params: readonly Param[];
  readonly body: readonly Stmt[];
  fn?: FunctionInfo;
}
export interface IfStmt extends At {
  readonly kind: 'If';
  readonly cond: Expr;
  readonly then: readonly Stmt[];
  readonly els: readonly Stmt[];
}
export interface ForStmt extends At {
  readonly kind: 'For';
  readonly vars: Expr;
  readonly x: Expr;
  readonly body: readonly Stmt[];
}
export interface WhileStmt extends At {
  readonly kind: 'While';
  readonly cond: Expr;
  readonly body: readonly Stmt[];
}
export interface BranchStmt extends At {
  readonly kind: 'Branch';
  readonly tok: 'break' | 'continue' | 'pass';
}
export interface ReturnStmt extends At {
  readonly kind: 'Return';
  readonly result?: Expr | undefined;
}
export interface LoadStmt extends At {
  readonly kind: 'Load';
  readonly module: string;
  /** original names in the loaded module, with their positions */
  readonly from: readonly Ident[];
  /** local names bound */
  readonly to: readonly Ident[];
}

export type Stmt =
  | ExprStmt
  | AssignStmt
  | DefStmt
  | IfStmt
  | ForStmt
  | WhileStmt
  | BranchStmt
  | ReturnStmt
  | LoadStmt;

export interface File {
  readonly kind: 'File';
  readonly name: string;
  readonly stmts: readonly Stmt[];
  module?: ModuleInfo;
}
