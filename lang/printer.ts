// Canonical source printer: parse(printProgram(p)) equals p up to spans. Used for `-d ast`-style
// dumps and for round-trip testing of the parser. Blocks always print in the `{ }` form;
// parentheses are added only where precedence or associativity requires them.
import type * as A from './ast.ts';

const INDENT = '  ';

export function printProgram(p: A.Program): string {
  const config = p.config ? `config = {\n${p.config.map((c) => `${INDENT}${c.name} = ${typeof c.value === 'bigint' ? c.value.toString() : /^[A-Za-z_]\w*$/.test(c.value) ? c.value : printString(c.value)};\n`).join('')}}\n${p.probes.length ? '\n' : ''}` : '';
  const decls = (p.mapDecls ?? []).map((d) => `let ${d.name} = ${d.mapKind}(${d.maxEntries});\n`).join('') + (p.mapDecls?.length && p.probes.length ? '\n' : '');
  return config + decls + p.probes.map(printProbe).join('\n\n') + (p.probes.length ? '\n' : '');
}

function printProbe(p: A.Probe): string {
  const head = p.attachPoints.map(printAttachPoint).join(',\n');
  // `/*p/` would open a comment: a predicate that starts with `*` gets a space.
  const predText = p.predicate ? printExpr(p.predicate) : '';
  const pred = p.predicate ? ` /${predText.startsWith('*') ? ' ' : ''}${predText}/` : '';
  return `${head}${pred} ${printBlock(p.body, '')}`;
}

export function printAttachPoint(a: A.AttachPoint): string {
  return [a.provider, ...a.parts].join(':');
}

function printBlock(b: A.Block, indent: string): string {
  if (b.stmts.length === 0) return '{\n' + indent + '}';
  const inner = indent + INDENT;
  return '{\n' + b.stmts.map((s) => inner + printStmt(s, inner) + '\n').join('') + indent + '}';
}

export function printStmt(s: A.Stmt, indent = ''): string {
  switch (s.kind) {
    case 'ExprStmt':
      return printExpr(s.expr) + ';';
    case 'AssignStmt':
      return `${printExpr(s.target)} ${s.op} ${printExpr(s.value)};`;
    case 'IfStmt':
      return printIf(s, indent);
    case 'ReturnStmt':
      return 'return;';
  }
}

function printIf(s: A.IfStmt, indent: string): string {
  let out = `if (${printExpr(s.cond)}) ${printBlock(s.then, indent)}`;
  if (s.else) out += ' else ' + (s.else.kind === 'IfStmt' ? printIf(s.else, indent) : printBlock(s.else, indent));
  return out;
}

// Precedence levels, low to high; must agree with the rule order in lang/parser.ts.
const TERNARY = 0;
const binaryPrec: Record<A.BinaryOp, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '>': 7, '<=': 7, '>=': 7,
  '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};
const UNARY = 11;
const POSTFIX = 12;

function precOf(e: A.Expr): number {
  switch (e.kind) {
    case 'Ternary':
      return TERNARY;
    case 'Binary':
      return binaryPrec[e.op];
    case 'Unary':
      return UNARY;
    case 'IncDec':
      return e.prefix ? UNARY : POSTFIX;
    case 'Cast':
    case 'Deref':
      return UNARY;
    default:
      return POSTFIX;
  }
}

/** `e` printed so that it parses back as one operand at level `min` or tighter. */
function atLeast(e: A.Expr, min: number): string {
  const s = printExpr(e);
  return precOf(e) >= min ? s : `(${s})`;
}

export function printExpr(e: A.Expr): string {
  switch (e.kind) {
    case 'IntLit':
      return e.value.toString();
    case 'StrLit':
      return printString(e.value);
    case 'Builtin':
      return e.name;
    case 'PositionalParam':
      return e.index === 0 ? '$#' : `$${e.index}`;
    case 'ScratchVar':
      return `$${e.name}`;
    case 'MapAccess':
      return e.keys.length ? `${e.name}[${e.keys.map(printExpr).join(', ')}]` : e.name;
    case 'FieldAccess':
      return `${atLeast(e.object, POSTFIX)}${e.arrow ? '->' : '.'}${e.field}`;
    case 'Index': {
      // `@m[0]` would read back as a map key: a bare map is parenthesized.
      const object = e.object.kind === 'MapAccess' && e.object.keys.length === 0 ? `(${printExpr(e.object)})` : atLeast(e.object, POSTFIX);
      return `${object}[${printExpr(e.index)}]`;
    }
    case 'Call':
      return `${e.name}(${e.args.map(printExpr).join(', ')})`;
    case 'Unary': {
      // A nested prefix operator is parenthesized so `- -x` never prints as the token `--`.
      const operand = precOf(e.operand) === UNARY ? `(${printExpr(e.operand)})` : atLeast(e.operand, UNARY);
      return e.op + operand;
    }
    case 'IncDec':
      return e.prefix ? e.op + printExpr(e.target) : printExpr(e.target) + e.op;
    case 'Binary': {
      const p = binaryPrec[e.op];
      // Left-associative: the right operand must bind strictly tighter.
      return `${atLeast(e.left, p)} ${e.op} ${atLeast(e.right, p + 1)}`;
    }
    case 'Ternary':
      return `${atLeast(e.cond, TERNARY + 1)} ? ${printExpr(e.then)} : ${printExpr(e.else)}`;
    case 'Cast':
      return `(${e.typeName})${atLeast(e.operand, UNARY)}`;
    case 'Deref':
      // `**p` would lex as one token-pair anyway, but a nested prefix operator is parenthesized
      // like Unary's so that `*-x` and `* *p` read back unambiguously.
      return `*${precOf(e.operand) === UNARY ? `(${printExpr(e.operand)})` : atLeast(e.operand, UNARY)}`;
  }
}

/** A string literal with every character that needs it escaped (bytes as `\xNN`, never octal). */
export function printString(value: string): string {
  let out = '"';
  for (const c of value) {
    const code = c.codePointAt(0)!;
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += c;
  }
  return out + '"';
}
