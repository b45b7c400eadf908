// The tsbpf lexer: Chevrotain token types and lexer modes for bpftrace's surface syntax.
//
// bpftrace's syntax is not context-free at the character level, so the lexer keeps a small mode
// stack that mirrors where it is in a probe (see grammar.md, "Lexical structure"):
//
//   top    between probes: attach points (`tracepoint:syscalls:sys_enter_*`, `uprobe:/bin/bash:f`)
//          are single AttachPoint tokens here, `/` opens a predicate, `{` or `<` opens a block.
//   pred   inside `/ ... /`: a `/` followed by optional whitespace/comments and then `{` or `<` is
//          EndPred (closes the predicate); any other `/` is division.
//   block  inside `{ }`, `( )` and `[ ]`: ordinary expression tokens; openers push, closers pop.
//   angle  inside a `< ... >` probe block: like block, except that `>` is AngleEnd and closes the
//          block. `(`, `[` and `{` push `block`, so a `>` inside them is the comparison operator.
import { createToken, Lexer, type TokenType } from 'chevrotain';

// ---- trivia ---------------------------------------------------------------------------------
const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v]+/, group: Lexer.SKIPPED });
const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n]*/, group: Lexer.SKIPPED });
const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*(?:[^*]|\*(?!\/))*\*\//,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
/** `/*` with no closing `*\/`: kept as a token so parse() reports "unterminated comment". */
export const UnterminatedComment = createToken({
  name: 'UnterminatedComment',
  pattern: /\/\*[\s\S]*/,
  line_breaks: true,
});

// ---- literals and names ---------------------------------------------------------------------
export const StringLit = createToken({ name: 'StringLit', pattern: /"(?:[^"\\\n]|\\[^\n])*"/, label: 'string' });
/** A string cut short by a newline or the end of the input; reported as "unterminated string". */
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\\n]|\\[^\n])*\\?/,
});
export const IntLit = createToken({
  name: 'IntLit',
  // Decimal literals may carry an exponent (`1e6`) and a suffix: a C integer suffix (`u`, `ll`,
  // ...) or a duration unit (`10ms`, `1s`), as in bpftrace. A suffix followed by more identifier
  // characters is not one (`1sec` is `1` then `sec`).
  pattern:
    /0[xX][0-9a-fA-F](?:[0-9a-fA-F_]*[0-9a-fA-F])?|[0-9](?:[0-9_]*[0-9])?(?:[eE][0-9]+)?(?:(?:ns|us|ms|s|m|h|d|[uU][lL]{0,2}|[lL]{1,2})(?![A-Za-z0-9_]))?/,
  label: 'integer',
});
export const Ident = createToken({ name: 'Ident', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'identifier' });
export const If = createToken({ name: 'If', pattern: /if/, longer_alt: Ident, label: 'if' });
export const Else = createToken({ name: 'Else', pattern: /else/, longer_alt: Ident, label: 'else' });
export const Let = createToken({ name: 'Let', pattern: /let/, longer_alt: Ident, label: 'let' });
export const ScratchVarTok = createToken({ name: 'ScratchVar', pattern: /\$[A-Za-z_][A-Za-z0-9_]*/, label: 'variable' });
export const PositionalTok = createToken({ name: 'Positional', pattern: /\$(?:[0-9]+|#)/, label: 'positional parameter' });
export const MapNameTok = createToken({ name: 'MapName', pattern: /@(?:[A-Za-z_][A-Za-z0-9_]*)?/, label: 'map' });

/**
 * A whole attach point, e.g. `kprobe:vfs_read+0x10`, `uprobe:/bin/bash:readline`, `BEGIN`.
 * Provider is an identifier; each `:`-separated part is either a path (starting with `/`, `./` or
 * `../`, may contain `/`) or a word of identifier characters, digits, `* ? . - +`.
 */
export const AttachPointTok = createToken({
  name: 'AttachPoint',
  pattern: /[A-Za-z_][A-Za-z0-9_]*(?::(?:\.{0,2}\/[A-Za-z0-9_*?.+\-/]*|[A-Za-z0-9_*?.+\-]*))*/,
  label: 'attach point',
});

// ---- punctuation that moves the mode stack -------------------------------------------------
export const LCurly = createToken({ name: 'LCurly', pattern: /\{/, push_mode: 'block', label: '{' });
export const RCurly = createToken({ name: 'RCurly', pattern: /\}/, pop_mode: true, label: '}' });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, push_mode: 'block', label: '(' });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, pop_mode: true, label: ')' });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, push_mode: 'block', label: '[' });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/, pop_mode: true, label: ']' });
/** The `/` that opens a predicate (top mode only). */
export const PredOpen = createToken({ name: 'PredOpen', pattern: /\//, push_mode: 'pred', label: '/' });
/** The `/` that closes a predicate: followed by optional whitespace/comments, then `{` or `<`. */
export const EndPred = createToken({
  name: 'EndPred',
  pattern: /\/(?=(?:\s|\/\/[^\n]*|\/\*(?:[^*]|\*(?!\/))*\*\/)*[{<])/,
  pop_mode: true,
  label: '/',
});
/** `<` where a probe block starts (top mode only). */
export const AngleOpen = createToken({ name: 'AngleOpen', pattern: /</, push_mode: 'angle', label: '<' });
/** `>` closing a `< ... >` probe block (angle mode only). */
export const AngleEnd = createToken({ name: 'AngleEnd', pattern: />/, pop_mode: true, label: '>' });

/**
 * `if` inside a `< ... >` block starts a condition (mode `cond`) in which `>` is the comparison,
 * so `if $a > 1 { }` works there too; the `{` of its body leaves `cond` for `block`.
 */
const IfInAngle = createToken({ name: 'IfInAngle', pattern: /if/, longer_alt: Ident, categories: [If], push_mode: 'cond', label: 'if' });
const CondLCurly = createToken({ name: 'CondLCurly', pattern: /\{/, categories: [LCurly], pop_mode: true, push_mode: 'block', label: '{' });

// ---- operators (longest first where prefixes overlap) ---------------------------------------
// Categories group operators of one precedence level so the parser consumes any of them at once.
export const AssignOpCat = createToken({ name: 'AssignOp', pattern: Lexer.NA });
export const EqualityCat = createToken({ name: 'EqualityOp', pattern: Lexer.NA });
export const RelationalCat = createToken({ name: 'RelationalOp', pattern: Lexer.NA });
export const ShiftCat = createToken({ name: 'ShiftOp', pattern: Lexer.NA });
export const AdditiveCat = createToken({ name: 'AdditiveOp', pattern: Lexer.NA });
export const MultiplicativeCat = createToken({ name: 'MultiplicativeOp', pattern: Lexer.NA });
export const UnaryCat = createToken({ name: 'UnaryOp', pattern: Lexer.NA });
export const IncDecCat = createToken({ name: 'IncDecOp', pattern: Lexer.NA });
const categoryTokens = [
  AssignOpCat, EqualityCat, RelationalCat, ShiftCat, AdditiveCat, MultiplicativeCat, UnaryCat, IncDecCat,
];

function op(name: string, text: string, ...categories: TokenType[]): TokenType {
  const pattern = new RegExp(text.replace(/[|^$*+?.()[\]{}\\/]/g, '\\$&'));
  return createToken({ name, pattern, label: text, categories });
}
export const ShlAssign = op('ShlAssign', '<<=', AssignOpCat);
export const ShrAssign = op('ShrAssign', '>>=', AssignOpCat);
export const Shl = op('Shl', '<<', ShiftCat);
export const Shr = op('Shr', '>>', ShiftCat);
export const Le = op('Le', '<=', RelationalCat);
export const Ge = op('Ge', '>=', RelationalCat);
export const Lt = op('Lt', '<', RelationalCat);
export const Gt = op('Gt', '>', RelationalCat);
export const EqEq = op('EqEq', '==', EqualityCat);
export const NotEq = op('NotEq', '!=', EqualityCat);
export const AndAnd = op('AndAnd', '&&');
export const OrOr = op('OrOr', '||');
export const PlusPlus = op('PlusPlus', '++', IncDecCat);
export const MinusMinus = op('MinusMinus', '--', IncDecCat);
export const PlusAssign = op('PlusAssign', '+=', AssignOpCat);
export const MinusAssign = op('MinusAssign', '-=', AssignOpCat);
export const StarAssign = op('StarAssign', '*=', AssignOpCat);
export const SlashAssign = op('SlashAssign', '/=', AssignOpCat);
export const PercentAssign = op('PercentAssign', '%=', AssignOpCat);
export const AmpAssign = op('AmpAssign', '&=', AssignOpCat);
export const PipeAssign = op('PipeAssign', '|=', AssignOpCat);
export const CaretAssign = op('CaretAssign', '^=', AssignOpCat);
export const Arrow = op('Arrow', '->');
export const Assign = op('Assign', '=', AssignOpCat);
export const Plus = op('Plus', '+', AdditiveCat);
export const Minus = op('Minus', '-', AdditiveCat, UnaryCat);
export const Star = op('Star', '*', MultiplicativeCat);
export const Slash = op('Slash', '/', MultiplicativeCat);
export const Percent = op('Percent', '%', MultiplicativeCat);
export const Amp = op('Amp', '&');
export const Pipe = op('Pipe', '|');
export const Caret = op('Caret', '^');
export const Bang = op('Bang', '!', UnaryCat);
export const Tilde = op('Tilde', '~', UnaryCat);
export const Question = op('Question', '?');
export const Colon = op('Colon', ':');
export const Semi = op('Semi', ';');
export const Comma = op('Comma', ',');
export const Dot = op('Dot', '.');

const trivia = [WhiteSpace, LineComment, BlockComment, UnterminatedComment];

/** Operators shared by every expression mode, `>` excluded (it differs in angle mode). */
const operatorsBeforeGt = [ShlAssign, ShrAssign, Shl, Shr, Le, Ge, Lt];
const operatorsAfterGt = [
  EqEq, NotEq, AndAnd, OrOr, PlusPlus, MinusMinus, PlusAssign, MinusAssign, StarAssign, SlashAssign,
  PercentAssign, AmpAssign, PipeAssign, CaretAssign, Arrow, Assign, Plus, Minus, Star, Slash, Percent,
  Amp, Pipe, Caret, Bang, Tilde, Question, Colon, Semi, Comma, Dot,
];
const words = [StringLit, UnterminatedString, IntLit, If, Else, Let, Ident, ScratchVarTok, PositionalTok, MapNameTok];
const brackets = [LCurly, RCurly, LParen, RParen, LBracket, RBracket];

const exprMode = (closer: TokenType[], gt: TokenType): TokenType[] => [
  ...trivia,
  ...closer,
  ...words,
  ...brackets,
  ...operatorsBeforeGt,
  gt,
  ...operatorsAfterGt,
];

/** Every token type the parser may see, for the parser's vocabulary. */
export const allTokens: TokenType[] = [
  WhiteSpace, LineComment, BlockComment, UnterminatedComment, EndPred, AttachPointTok, PredOpen,
  AngleOpen, AngleEnd, IfInAngle, CondLCurly, ...words, ...brackets, ...operatorsBeforeGt, Gt, ...operatorsAfterGt, ...categoryTokens,
];

const modes = {
  // Between probes. Expression tokens follow so that stray ones become parser errors
  // ("unexpected ;") rather than "invalid character".
  top: [
    WhiteSpace, LineComment, BlockComment, UnterminatedComment, AttachPointTok, PredOpen, AngleOpen,
    StringLit, UnterminatedString, IntLit, ScratchVarTok, PositionalTok, MapNameTok, ...brackets,
    ShrAssign, Shr, Ge, Gt, ...operatorsAfterGt.filter((t) => t !== Slash && t !== SlashAssign),
  ],
  pred: [EndPred, ...exprMode([], Gt)],
  block: exprMode([], Gt),
  angle: exprMode([IfInAngle], AngleEnd).filter((t) => t !== If),
  cond: exprMode([CondLCurly], Gt).filter((t) => t !== LCurly),
};

export interface LexerOptions {
  /** Run Chevrotain's grammar validations (slow); off in the production bundle. */
  readonly validate: boolean;
}

export function createLexer(opts: LexerOptions): Lexer {
  return new Lexer(
    { modes, defaultMode: 'top' },
    {
      positionTracking: 'onlyOffset',
      skipValidations: !opts.validate,
    },
  );
}

let shared: Lexer | undefined;
/** The lexer, built once on first use (construction costs milliseconds). */
export function sharedLexer(): Lexer {
  shared ??= createLexer({ validate: process.env.TSBPF_BUNDLED !== '1' });
  return shared;
}
