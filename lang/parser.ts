// The tsbpf parser: tokens (lang/lexer.ts) to AST (lang/ast.ts), one Chevrotain
// EmbeddedActionsParser whose rules build nodes directly. grammar.md documents every rule by the
// name used here. Chevrotain's own error recovery is off: after a syntax error, parse() restarts
// at the next attach point, so each broken probe reports its first error. Lexical problems (bad
// characters, unterminated strings, bad escapes, out-of-range integers) are all reported.
import {
  EmbeddedActionsParser,
  EOF,
  type IParserErrorMessageProvider,
  type IToken,
  type ParserMethod,
  type TokenType,
} from 'chevrotain';
import type * as A from './ast.ts';
import { CompileError, DiagnosticBag } from './diagnostics.ts';
import { SourceFile, joinSpans, type Span } from './source.ts';
import * as T from './lexer.ts';
import { decodeInt, decodeString } from './parse-literals.ts';
import { preprocess, type HeaderConstants } from './preprocess.ts';

/** The text a syntax error shows for a token: its image, or `end of file`. */
function describe(tok: IToken): string {
  return tok.tokenType === EOF ? 'end of file' : tok.image;
}

const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ actual }) => `syntax error, unexpected ${describe(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `syntax error, unexpected ${describe(firstRedundant)}`,
  buildNoViableAltMessage: ({ actual }) => `syntax error, unexpected ${describe(actual[0]!)}`,
  buildEarlyExitMessage: ({ actual }) => `syntax error, unexpected ${describe(actual[0]!)}`,
};

type Assignable = A.ScratchVar | A.MapAccess;
const isAssignable = (e: A.Expr): e is Assignable => e.kind === 'ScratchVar' || e.kind === 'MapAccess';

/** Type names a cast `(T)e` may use; `(name)` with any other name is a parenthesized expression. */
export const CAST_TYPE_NAMES: ReadonlySet<string> = new Set([
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
]);

export interface ParserOptions {
  /** Run Chevrotain's grammar validations (slow); off in the production bundle. */
  readonly validate: boolean;
}

export class BpfParser extends EmbeddedActionsParser {
  // Per-parse state, set by run() before the first rule is invoked.
  private src: SourceFile = new SourceFile('', '');
  private diags: DiagnosticBag = new DiagnosticBag();

  constructor(opts: ParserOptions) {
    super(T.allTokens, { skipValidations: !opts.validate, errorMessageProvider: errorMessages, maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  run(src: SourceFile, tokens: IToken[], diags: DiagnosticBag): A.Program | undefined {
    this.src = src;
    this.diags = diags;
    this.input = tokens;
    return this.program();
  }

  // ---- span helpers ---------------------------------------------------------------------------
  private tokSpan(t: IToken): Span {
    return this.src.span(t.startOffset, t.startOffset + t.image.length);
  }
  private fromTo(a: IToken | Span, b: IToken | Span): Span {
    const sa = 'image' in a ? this.tokSpan(a) : a;
    const sb = 'image' in b ? this.tokSpan(b) : b;
    return joinSpans(sa, sb);
  }

  // ---- program structure ----------------------------------------------------------------------
  program = this.RULE('program', (): A.Program => {
    const probes: A.Probe[] = [];
    let config: A.ConfigSetting[] | undefined;
    this.OPTION({
      // `config = {`: `config` lexes as an attach point at the top level.
      GATE: () => this.LA(1).image === 'config' && this.LA(2).tokenType === T.Assign,
      DEF: () => {
        config = this.SUBRULE(this.configBlock);
      },
    });
    const mapDecls: A.MapDecl[] = [];
    this.MANY(() => {
      this.OR([
        {
          // `let @m = lruhash(N);`: `let` and the kind lex as attach points at the top level.
          GATE: () => this.LA(1).image === 'let' && this.LA(2).tokenType === T.MapNameTok,
          ALT: () => {
            mapDecls.push(this.SUBRULE(this.mapDecl));
          },
        },
        { ALT: () => probes.push(this.SUBRULE(this.probe)) },
      ]);
    });
    return this.ACTION(() => ({
      kind: 'Program',
      ...(config ? { config } : {}),
      ...(mapDecls.length > 0 ? { mapDecls } : {}),
      probes,
      span: this.src.span(0, this.src.text.length),
    }));
  });

  mapDecl = this.RULE('mapDecl', (): A.MapDecl => {
    const kw = this.CONSUME(T.AttachPointTok);
    const name = this.CONSUME(T.MapNameTok);
    this.CONSUME(T.Assign);
    const kind = this.CONSUME2(T.AttachPointTok);
    this.CONSUME(T.LParen);
    const n = this.CONSUME(T.IntLit);
    const close = this.CONSUME(T.RParen);
    let end: IToken = close;
    this.OPTION(() => {
      end = this.CONSUME(T.Semi);
    });
    return this.ACTION(() => {
      const d = decodeInt(n.image);
      if (!d.ok) this.diags.error(d.message, this.tokSpan(n));
      return { kind: 'MapDecl' as const, name: name.image, mapKind: kind.image, maxEntries: d.ok ? d.value : 0n, span: this.fromTo(kw, end) };
    });
  });

  /** `config = { name = value; ... }`: the last `;` may be left out. */
  configBlock = this.RULE('configBlock', (): A.ConfigSetting[] => {
    const settings: A.ConfigSetting[] = [];
    this.CONSUME(T.AttachPointTok);
    this.CONSUME(T.Assign);
    this.CONSUME(T.LCurly);
    this.MANY(() => {
      const name = this.CONSUME(T.Ident);
      this.CONSUME2(T.Assign);
      const value = this.OR([
        { ALT: () => this.CONSUME2(T.Ident) },
        { ALT: () => this.CONSUME(T.IntLit) },
        { ALT: () => this.CONSUME(T.StringLit) },
      ]);
      this.ACTION(() => {
        let v: string | bigint = value.image;
        if (value.tokenType === T.IntLit) {
          const d = decodeInt(value.image);
          if (!d.ok) this.diags.error(d.message, this.tokSpan(value));
          v = d.ok ? d.value : 0n;
        } else if (value.tokenType === T.StringLit) {
          const d = decodeString(value.image);
          if (!d.ok) this.diags.error(d.message, this.tokSpan(value));
          v = d.ok ? d.value : '';
        }
        settings.push({ kind: 'ConfigSetting', name: name.image, value: v, span: this.fromTo(name, value) });
      });
      this.OPTION(() => this.CONSUME(T.Semi));
    });
    this.CONSUME(T.RCurly);
    return settings;
  });

  probe = this.RULE('probe', (): A.Probe => {
    const attachPoints = [this.SUBRULE(this.attachPoint)];
    let predicate: A.Expr | undefined;
    this.MANY(() => {
      this.CONSUME(T.Comma);
      attachPoints.push(this.SUBRULE2(this.attachPoint));
    });
    this.OPTION(() => {
      this.CONSUME(T.PredOpen);
      predicate = this.SUBRULE(this.expr);
      this.CONSUME(T.EndPred);
    });
    const body = this.SUBRULE(this.probeBody);
    return this.ACTION(() => ({
      kind: 'Probe',
      attachPoints,
      ...(predicate ? { predicate } : {}),
      body,
      span: joinSpans(attachPoints[0]!.span, body.span),
    }));
  });

  attachPoint = this.RULE('attachPoint', (): A.AttachPoint => {
    const t = this.CONSUME(T.AttachPointTok);
    return this.ACTION(() => {
      const [provider, ...parts] = t.image.split(':');
      return { kind: 'AttachPoint', provider: provider!, parts, raw: t.image, span: this.tokSpan(t) };
    });
  });

  /** A probe's body: `{ stmts }` or the angle form `< stmts >`. */
  probeBody = this.RULE('probeBody', (): A.Block =>
    this.OR([{ ALT: () => this.SUBRULE(this.block) }, { ALT: () => this.SUBRULE(this.angleBlock) }]),
  );

  block = this.RULE('block', (): A.Block => {
    const open = this.CONSUME(T.LCurly);
    const stmts = this.SUBRULE(this.stmtList);
    const close = this.CONSUME(T.RCurly);
    return this.ACTION(() => ({ kind: 'Block', stmts, span: this.fromTo(open, close) }));
  });

  angleBlock = this.RULE('angleBlock', (): A.Block => {
    const open = this.CONSUME(T.AngleOpen);
    const stmts = this.SUBRULE(this.stmtList);
    const close = this.CONSUME(T.AngleEnd);
    return this.ACTION(() => ({ kind: 'Block', stmts, span: this.fromTo(open, close) }));
  });

  /** Statements separated by `;`; the last may omit it, and an `if` needs none after its block. */
  stmtList = this.RULE('stmtList', (): A.Stmt[] => {
    const stmts: A.Stmt[] = [];
    let separated = true;
    this.MANY({
      GATE: () => separated,
      DEF: () => {
        this.OR([
          {
            ALT: () => {
              stmts.push(this.SUBRULE(this.ifStmt));
              separated = true;
            },
          },
          {
            ALT: () => {
              const s = this.SUBRULE(this.letStmt);
              if (s) stmts.push(s);
              separated = false;
            },
          },
          {
            ALT: () => {
              stmts.push(this.SUBRULE(this.simpleStmt));
              separated = false;
            },
          },
        ]);
        this.OPTION(() => {
          this.CONSUME(T.Semi);
          separated = true;
        });
      },
    });
    return stmts;
  });

  ifStmt = this.RULE('ifStmt', (): A.IfStmt => {
    const kw = this.CONSUME(T.If);
    // `if (c)` and bpftrace 0.24's `if c`: a parenthesized condition is just a primary expression,
    // and no expression continues with `{`.
    const cond = this.SUBRULE(this.expr);
    const then = this.SUBRULE(this.block);
    let otherwise: A.Block | A.IfStmt | undefined;
    this.OPTION(() => {
      this.CONSUME(T.Else);
      otherwise = this.OR([{ ALT: () => this.SUBRULE(this.ifStmt) }, { ALT: () => this.SUBRULE2(this.block) }]);
    });
    return this.ACTION(() => ({
      kind: 'IfStmt',
      cond,
      then,
      ...(otherwise ? { else: otherwise } : {}),
      span: this.fromTo(kw, (otherwise ?? then).span),
    }));
  });

  /**
   * bpftrace's `let $x = e;`, `let $x: type = e;`, `let $x: type;` and `let $x;`. Scratch variables
   * live for the whole probe here, so a declaration is its initialization: `let $x: T = e` is
   * `$x = (T)e`, `let $x: T` is `$x = (T)0`, and a bare `let $x` declares nothing more.
   */
  letStmt = this.RULE('letStmt', (): A.AssignStmt | undefined => {
    const kw = this.CONSUME(T.Let);
    const v = this.CONSUME(T.ScratchVarTok);
    let typeTok: IToken | undefined;
    let value: A.Expr | undefined;
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      typeTok = this.CONSUME(T.Ident);
    });
    this.OPTION2(() => {
      this.CONSUME(T.Assign);
      value = this.SUBRULE(this.expr);
    });
    return this.ACTION(() => {
      if (!value && !typeTok) return undefined;
      const target: A.ScratchVar = { kind: 'ScratchVar', name: v.image.slice(1), span: this.tokSpan(v) };
      // `string` is the type a string value already has; other names are integer casts.
      const str = typeTok?.image === 'string';
      let init: A.Expr = value ?? (str ? { kind: 'StrLit', value: '', span: this.tokSpan(typeTok!) } : { kind: 'IntLit', value: 0n, span: this.tokSpan(typeTok!) });
      if (typeTok && !str) init = { kind: 'Cast', typeName: typeTok.image, operand: init, span: value ? this.fromTo(typeTok, value.span) : this.tokSpan(typeTok) };
      return { kind: 'AssignStmt', target, op: '=', value: init, span: this.fromTo(kw, value?.span ?? typeTok!) };
    });
  });

  /**
   * An expression statement or an assignment. The target is parsed as an expression first (a map
   * key list has no length bound, so no fixed lookahead can tell `@m[a, b] = 1` from `@m[a, b]`).
   */
  simpleStmt = this.RULE('simpleStmt', (): A.ExprStmt | A.AssignStmt | A.ReturnStmt => {
    const target = this.SUBRULE(this.expr);
    let result: A.ExprStmt | A.AssignStmt | undefined;
    this.OPTION(() => {
      const op = this.CONSUME(T.AssignOpCat);
      const value = this.SUBRULE2(this.expr);
      result = this.ACTION(() => {
        if (!isAssignable(target)) {
          this.diags.error(`syntax error, unexpected ${op.image}`, this.tokSpan(op));
        }
        return {
          kind: 'AssignStmt',
          target: target as Assignable,
          op: op.image as A.AssignOp,
          value,
          span: joinSpans(target.span, value.span),
        };
      });
    });
    // `return` is no keyword of the lexer: a statement that is just that word is one.
    if (!result && target.kind === 'Builtin' && target.name === 'return') return { kind: 'ReturnStmt', span: target.span };
    return this.ACTION(() => result ?? { kind: 'ExprStmt', expr: target, span: target.span });
  });

  // ---- expressions, lowest precedence first ---------------------------------------------------
  expr = this.RULE('expr', (): A.Expr => this.SUBRULE(this.ternary));

  ternary = this.RULE('ternary', (): A.Expr => {
    const cond = this.SUBRULE(this.logicalOr);
    let result = cond;
    this.OPTION(() => {
      this.CONSUME(T.Question);
      const then = this.SUBRULE(this.ternary);
      this.CONSUME(T.Colon);
      const otherwise = this.SUBRULE2(this.ternary);
      result = this.ACTION(() => ({
        kind: 'Ternary',
        cond,
        then,
        else: otherwise,
        span: joinSpans(cond.span, otherwise.span),
      }));
    });
    return result;
  });

  private binaryRule(name: string, op: TokenType, next: () => ParserMethod<[], A.Expr>) {
    return this.RULE(name, (): A.Expr => {
      let left = this.SUBRULE(next());
      this.MANY(() => {
        const t = this.CONSUME(op);
        const right = this.SUBRULE2(next());
        left = this.ACTION(() => ({
          kind: 'Binary',
          op: t.image as A.BinaryOp,
          left,
          right,
          span: joinSpans(left.span, right.span),
        }));
      });
      return left;
    });
  }

  logicalOr = this.binaryRule('logicalOr', T.OrOr, () => this.logicalAnd);
  logicalAnd = this.binaryRule('logicalAnd', T.AndAnd, () => this.bitOr);
  bitOr = this.binaryRule('bitOr', T.Pipe, () => this.bitXor);
  bitXor = this.binaryRule('bitXor', T.Caret, () => this.bitAnd);
  bitAnd = this.binaryRule('bitAnd', T.Amp, () => this.equality);
  equality = this.binaryRule('equality', T.EqualityCat, () => this.relational);
  relational = this.binaryRule('relational', T.RelationalCat, () => this.shift);
  shift = this.binaryRule('shift', T.ShiftCat, () => this.additive);
  additive = this.binaryRule('additive', T.AdditiveCat, () => this.multiplicative);
  multiplicative = this.binaryRule('multiplicative', T.MultiplicativeCat, () => this.unary);

  unary = this.RULE('unary', (): A.Expr =>
    this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(T.UnaryCat);
          const operand = this.SUBRULE(this.unary);
          return this.ACTION(() => ({
            kind: 'Unary' as const,
            op: t.image as A.UnaryOp,
            operand,
            span: this.fromTo(t, operand.span),
          }));
        },
      },
      {
        // `*p`: a prefix `*` can only be a dereference.
        ALT: () => {
          const t = this.CONSUME2(T.Star);
          const operand = this.SUBRULE4(this.unary);
          return this.ACTION(() => ({ kind: 'Deref' as const, operand, span: this.fromTo(t, operand.span) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.IncDecCat);
          const target = this.SUBRULE(this.assignable);
          return this.ACTION(() => ({
            kind: 'IncDec' as const,
            op: t.image as '++' | '--',
            prefix: true,
            target,
            span: this.fromTo(t, target.span),
          }));
        },
      },
      {
        // `(struct task_struct *)e`: a cast to a kernel struct pointer (resolved through BTF).
        GATE: () =>
          this.LA(2).tokenType === T.Ident && (this.LA(2).image === 'struct' || this.LA(2).image === 'union') &&
          this.LA(3).tokenType === T.Ident && this.LA(4).tokenType === T.Star,
        IGNORE_AMBIGUITIES: true,
        ALT: () => {
          const open = this.CONSUME2(T.LParen);
          const kw = this.CONSUME2(T.Ident);
          const name = this.CONSUME3(T.Ident);
          let stars = '';
          this.AT_LEAST_ONE(() => {
            this.CONSUME(T.Star);
            stars += '*';
          });
          this.CONSUME2(T.RParen);
          const operand = this.SUBRULE3(this.unary);
          return this.ACTION(() => ({
            kind: 'Cast' as const,
            typeName: `${kw.image} ${name.image} ${stars}`,
            operand,
            span: this.fromTo(open, operand.span),
          }));
        },
      },
      {
        // `(uint8)e`: told apart from a parenthesized expression by the type name inside.
        GATE: () =>
          this.LA(2).tokenType === T.Ident && CAST_TYPE_NAMES.has(this.LA(2).image) && this.LA(3).tokenType === T.RParen,
        IGNORE_AMBIGUITIES: true,
        ALT: () => {
          const open = this.CONSUME(T.LParen);
          const name = this.CONSUME(T.Ident);
          this.CONSUME(T.RParen);
          const operand = this.SUBRULE2(this.unary);
          return this.ACTION(() => ({
            kind: 'Cast' as const,
            typeName: name.image,
            operand,
            span: this.fromTo(open, operand.span),
          }));
        },
      },
      { ALT: () => this.SUBRULE(this.postfix) },
    ]),
  );

  /** Field access (`.f`, `->f`), indexing (`[i]`) and postfix `++`/`--` (the latter on
   *  variables and maps only). */
  postfix = this.RULE('postfix', (): A.Expr => {
    let e = this.SUBRULE(this.primary);
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            const index = this.SUBRULE(this.expr);
            const close = this.CONSUME(T.RBracket);
            e = this.ACTION(() => ({ kind: 'Index', object: e, index, span: this.fromTo(e.span, close) }));
          },
        },
        {
          ALT: () => {
            const arrow = this.OR2([
              { ALT: () => (this.CONSUME(T.Dot), false) },
              { ALT: () => (this.CONSUME(T.Arrow), true) },
            ]);
            const field = this.CONSUME(T.Ident);
            e = this.ACTION(() => ({
              kind: 'FieldAccess',
              object: e,
              field: field.image,
              arrow,
              span: this.fromTo(e.span, field),
            }));
          },
        },
        {
          GATE: () => isAssignable(e),
          ALT: () => {
            const t = this.CONSUME(T.IncDecCat);
            e = this.ACTION(() => ({
              kind: 'IncDec',
              op: t.image as '++' | '--',
              prefix: false,
              target: e as Assignable,
              span: this.fromTo(e.span, t),
            }));
          },
        },
      ]);
    });
    return e;
  });

  assignable = this.RULE('assignable', (): Assignable =>
    this.OR([{ ALT: () => this.SUBRULE(this.scratchVar) }, { ALT: () => this.SUBRULE(this.mapAccess) }]),
  );

  scratchVar = this.RULE('scratchVar', (): A.ScratchVar => {
    const t = this.CONSUME(T.ScratchVarTok);
    return this.ACTION(() => ({ kind: 'ScratchVar', name: t.image.slice(1), span: this.tokSpan(t) }));
  });

  mapAccess = this.RULE('mapAccess', (): A.MapAccess => {
    const name = this.CONSUME(T.MapNameTok);
    const keys: A.Expr[] = [];
    let close: IToken | undefined;
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      keys.push(this.SUBRULE(this.expr));
      this.MANY(() => {
        this.CONSUME(T.Comma);
        keys.push(this.SUBRULE2(this.expr));
      });
      close = this.CONSUME(T.RBracket);
    });
    return this.ACTION(() => ({ kind: 'MapAccess', name: name.image, keys, span: this.fromTo(name, close ?? name) }));
  });

  primary = this.RULE('primary', (): A.Expr =>
    this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(T.IntLit);
          return this.ACTION(() => {
            const d = decodeInt(t.image);
            if (!d.ok) this.diags.error(d.message, this.tokSpan(t));
            return { kind: 'IntLit' as const, value: d.ok ? d.value : 0n, span: this.tokSpan(t) };
          });
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.StringLit);
          return this.ACTION(() => {
            const d = decodeString(t.image);
            if (!d.ok) {
              const start = t.startOffset + d.offset;
              this.diags.error(d.message, this.src.span(start, start + d.length));
            }
            return { kind: 'StrLit' as const, value: d.ok ? d.value : '', span: this.tokSpan(t) };
          });
        },
      },
      { ALT: () => this.SUBRULE(this.scratchVar) },
      {
        ALT: () => {
          const t = this.CONSUME(T.PositionalTok);
          return this.ACTION(() => {
            const text = t.image.slice(1);
            const index = text === '#' ? 0 : Number(text);
            if (text !== '#' && (!/^[1-9][0-9]{0,8}$/.test(text))) {
              this.diags.error(`invalid positional parameter: ${t.image}`, this.tokSpan(t));
            }
            return { kind: 'PositionalParam' as const, index, span: this.tokSpan(t) };
          });
        },
      },
      { ALT: () => this.SUBRULE(this.mapAccess) },
      { ALT: () => this.SUBRULE(this.callOrBuiltin) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          const e = this.SUBRULE(this.expr);
          this.CONSUME(T.RParen);
          return e;
        },
      },
    ]),
  );

  /** `name(args)` is a Call; a bare `name` is a Builtin. */
  callOrBuiltin = this.RULE('callOrBuiltin', (): A.Call | A.Builtin => {
    const name = this.CONSUME(T.Ident);
    let call: A.Call | undefined;
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      const args: A.Expr[] = [];
      this.OPTION2(() => {
        args.push(this.SUBRULE(this.expr));
        this.MANY(() => {
          this.CONSUME(T.Comma);
          args.push(this.SUBRULE2(this.expr));
        });
      });
      const close = this.CONSUME(T.RParen);
      call = this.ACTION(() => ({ kind: 'Call', name: name.image, args, span: this.fromTo(name, close) }));
    });
    return this.ACTION(() => call ?? { kind: 'Builtin', name: name.image, span: this.tokSpan(name) });
  });
}

export interface FrontEnd {
  readonly lexer: ReturnType<typeof T.createLexer>;
  readonly parser: BpfParser;
}

/** Builds a fresh lexer and parser; with `validate`, Chevrotain checks both grammars (throws if invalid). */
export function createParserForTest(opts: ParserOptions): FrontEnd {
  return { lexer: T.createLexer(opts), parser: new BpfParser(opts) };
}

let shared: FrontEnd | undefined;
/** The lexer and parser, built once on first use; validations are skipped in the bundle. */
function frontEnd(): FrontEnd {
  if (!shared) {
    const validate = process.env.TSBPF_BUNDLED !== '1';
    shared = { lexer: T.sharedLexer(), parser: new BpfParser({ validate }) };
  }
  return shared;
}

const MAX_SYNTAX_ERRORS = 10;

function runGuarded(parser: BpfParser, source: SourceFile, tokens: IToken[], diags: DiagnosticBag): A.Program | undefined {
  try {
    return parser.run(source, tokens, diags);
  } catch (e) {
    // Pathologically deep nesting exhausts the JS stack inside the recursive descent. Chevrotain's
    // unwinding may then replace the stack overflow by another RangeError ("Invalid array
    // length"); its state is reset on the next parse, so either is reported as too deep.
    if (e instanceof RangeError) {
      throw new CompileError([{ severity: 'error', message: 'program is nested too deeply' }]);
    }
    throw e;
  }
}

/** Parses a whole script. Throws CompileError carrying every syntax/lexical error found. */
export function parse(original: SourceFile, fe: FrontEnd = frontEnd(), headers?: HeaderConstants): A.Program {
  const diags = new DiagnosticBag();
  // The `#!` line and C-preprocessor directives (lang/preprocess.ts); `source.span` maps back to
  // the original text, so every span below points into what the user wrote.
  const source = preprocess(original, undefined, headers);
  const text = source.text;
  const lexed = fe.lexer.tokenize(text);
  for (const e of lexed.errors) {
    // A stray closer at top level is left to the parser ("unexpected }").
    if (e.message.startsWith('Unable to pop')) continue;
    const ch = String.fromCodePoint(text.codePointAt(e.offset)!);
    diags.error(`invalid character '${ch}'`, source.span(e.offset, e.offset + ch.length));
  }
  for (const t of lexed.tokens) {
    const span = source.span(t.startOffset, t.startOffset + t.image.length);
    if (t.tokenType === T.UnterminatedString) diags.error('unterminated string', span);
    else if (t.tokenType === T.UnterminatedComment) diags.error('unterminated comment', span);
  }
  diags.throwIfErrors();

  // After a syntax error, parsing resumes at the next attach point (AttachPoint tokens exist only
  // between probes, so that is a sound restart point) to report errors in later probes too.
  let program: A.Program | undefined;
  let tokens = lexed.tokens;
  for (let round = 0; round < MAX_SYNTAX_ERRORS; round++) {
    const result = runGuarded(fe.parser, source, tokens, diags);
    if (round === 0) program = result;
    const syntax = fe.parser.errors[0];
    if (!syntax) break;
    const t = syntax.token;
    const atEnd = t.tokenType === EOF || Number.isNaN(t.startOffset);
    const span = atEnd ? source.span(text.length, text.length) : source.span(t.startOffset, t.startOffset + t.image.length);
    diags.error(syntax.message, span);
    const at = atEnd ? -1 : tokens.indexOf(t);
    const next = at < 0 ? -1 : tokens.findIndex((u, i) => i > at && u.tokenType === T.AttachPointTok);
    if (next < 0) break;
    tokens = tokens.slice(next);
  }
  if (diags.hasErrors || !program) {
    const sorted = [...diags.items].sort((a, b) => (a.span?.offset ?? 0) - (b.span?.offset ?? 0));
    throw new CompileError(sorted.length ? sorted : [{ severity: 'error', message: 'syntax error' }]);
  }
  return program;
}
