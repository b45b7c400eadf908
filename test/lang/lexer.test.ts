import { describe, expect, it } from 'vitest';
import { sharedLexer } from '../../lang/lexer.ts';

/** `Type:image` for every token of `text`; lexer errors fail the test. */
function toks(text: string): string[] {
  const r = sharedLexer().tokenize(text);
  expect(r.errors).toEqual([]);
  return r.tokens.map((t) => `${t.tokenType.name}:${t.image}`);
}

describe('lexer: attach points', () => {
  it.each([
    ['BEGIN'],
    ['end'],
    ['tracepoint:syscalls:sys_enter_openat'],
    ['t:syscalls:sys_enter_*'],
    ['kprobe:vfs_read+0x10'],
    ['kr:do_sys_open'],
    ['interval:ms:100'],
    ['profile:hz:99'],
    ['uprobe:/bin/bash:readline'],
    ['uprobe:./a.out:main'],
    ['uprobe:/lib/x86_64-linux-gnu/libc.so.6:mall?c'],
    ['kprobe::f'],
  ])('%s is one AttachPoint token', (ap) => {
    expect(toks(`${ap} { }`)).toEqual([`AttachPoint:${ap}`, 'LCurly:{', 'RCurly:}']);
  });

  it('separates attach points with commas across newlines', () => {
    expect(toks('k:a,\n  k:b{}')).toEqual(['AttachPoint:k:a', 'Comma:,', 'AttachPoint:k:b', 'LCurly:{', 'RCurly:}']);
  });

  it('does not lex attach points inside blocks (ternary colon stays an operator)', () => {
    expect(toks('BEGIN { $c ? a:b }')).toEqual([
      'AttachPoint:BEGIN', 'LCurly:{', 'ScratchVar:$c', 'Question:?', 'Ident:a', 'Colon::', 'Ident:b', 'RCurly:}',
    ]);
  });
});

describe('lexer: predicates', () => {
  it('tells the closing / from division', () => {
    expect(toks('k:f / $x / 2 > 1 / { }')).toEqual([
      'AttachPoint:k:f', 'PredOpen:/', 'ScratchVar:$x', 'Slash:/', 'IntLit:2', 'Gt:>', 'IntLit:1', 'EndPred:/',
      'LCurly:{', 'RCurly:}',
    ]);
  });

  it('ends a predicate at / followed by whitespace, comments and { on a later line', () => {
    expect(toks('k:f /pid == 1/ // why\n /* c */ {}')).toEqual([
      'AttachPoint:k:f', 'PredOpen:/', 'Ident:pid', 'EqEq:==', 'IntLit:1', 'EndPred:/', 'LCurly:{', 'RCurly:}',
    ]);
  });

  it('ends a predicate before an angle block', () => {
    expect(toks('k:f /pid/< exit() >')).toEqual([
      'AttachPoint:k:f', 'PredOpen:/', 'Ident:pid', 'EndPred:/', 'AngleOpen:<', 'Ident:exit', 'LParen:(',
      'RParen:)', 'AngleEnd:>',
    ]);
  });

  it('treats a / inside parentheses as division even before {', () => {
    expect(toks('k:f /($a/2)/{}')).toEqual([
      'AttachPoint:k:f', 'PredOpen:/', 'LParen:(', 'ScratchVar:$a', 'Slash:/', 'IntLit:2', 'RParen:)', 'EndPred:/',
      'LCurly:{', 'RCurly:}',
    ]);
  });
});

describe('lexer: angle blocks', () => {
  it('closes at a top-level > but not inside parentheses, brackets or braces', () => {
    expect(toks('k:f < if ($a > 1) { @x[$a > 2] = 1 > 0 } >')).toEqual([
      'AttachPoint:k:f', 'AngleOpen:<', 'IfInAngle:if', 'LParen:(', 'ScratchVar:$a', 'Gt:>', 'IntLit:1', 'RParen:)',
      'CondLCurly:{', 'MapName:@x', 'LBracket:[', 'ScratchVar:$a', 'Gt:>', 'IntLit:2', 'RBracket:]', 'Assign:=',
      'IntLit:1', 'Gt:>', 'IntLit:0', 'RCurly:}', 'AngleEnd:>',
    ]);
  });

  it('reads > in an unparenthesized if condition as a comparison', () => {
    expect(toks('k:f < if $a > 1 { $b = 2 } else if $a { } $c = 1 >')).toEqual([
      'AttachPoint:k:f', 'AngleOpen:<', 'IfInAngle:if', 'ScratchVar:$a', 'Gt:>', 'IntLit:1', 'CondLCurly:{',
      'ScratchVar:$b', 'Assign:=', 'IntLit:2', 'RCurly:}', 'Else:else', 'IfInAngle:if', 'ScratchVar:$a',
      'CondLCurly:{', 'RCurly:}', 'ScratchVar:$c', 'Assign:=', 'IntLit:1', 'AngleEnd:>',
    ]);
  });

  it('keeps >=, >> and >>= as operators at the angle block top level', () => {
    expect(toks('k:f < $a >= $b >> 1; $c >>= 2 >')).toEqual([
      'AttachPoint:k:f', 'AngleOpen:<', 'ScratchVar:$a', 'Ge:>=', 'ScratchVar:$b', 'Shr:>>', 'IntLit:1', 'Semi:;',
      'ScratchVar:$c', 'ShrAssign:>>=', 'IntLit:2', 'AngleEnd:>',
    ]);
  });
});

describe('lexer: literals, names, operators, comments', () => {
  it('lexes integer forms', () => {
    expect(toks('BEGIN { 0 42 0x1F 1_000 0x_ff 0755 }').slice(2, -1)).toEqual([
      'IntLit:0', 'IntLit:42', 'IntLit:0x1F', 'IntLit:1_000', 'IntLit:0', 'Ident:x_ff', 'IntLit:0755',
    ]);
  });

  it('lexes strings with escapes as one token', () => {
    expect(toks('BEGIN { "a\\"b\\\\" "\\x41\\101\\0\\n" }').slice(2, -1)).toEqual([
      'StringLit:"a\\"b\\\\"', 'StringLit:"\\x41\\101\\0\\n"',
    ]);
  });

  it('lexes an unterminated string as its own token, stopping at the newline', () => {
    expect(toks('BEGIN { "abc\n }').slice(2)).toEqual(['UnterminatedString:"abc', 'RCurly:}']);
  });

  it('lexes variables, positional params, maps and keywords', () => {
    expect(toks('BEGIN { $x $1 $# @ @m_1 if else iffy args }').slice(2, -1)).toEqual([
      'ScratchVar:$x', 'Positional:$1', 'Positional:$#', 'MapName:@', 'MapName:@m_1', 'If:if', 'Else:else',
      'Ident:iffy', 'Ident:args',
    ]);
  });

  it('lexes every operator, longest match first', () => {
    const ops = '<<= >>= << >> <= >= < > == != && || ++ -- += -= *= /= %= &= |= ^= -> = + - * / % & | ^ ! ~ ? : ; , .';
    expect(toks(`BEGIN { ${ops} }`).slice(2, -1).map((t) => t.slice(t.indexOf(':') + 1))).toEqual(ops.split(' '));
  });

  it('skips comments and whitespace everywhere', () => {
    expect(toks('// top\nBEGIN /* a\nb */ { 1 // x\n /**/ }')).toEqual([
      'AttachPoint:BEGIN', 'LCurly:{', 'IntLit:1', 'RCurly:}',
    ]);
  });

  it('lexes an unterminated block comment as one token', () => {
    expect(toks('BEGIN { /* x\n y')).toEqual(['AttachPoint:BEGIN', 'LCurly:{', 'UnterminatedComment:/* x\n y']);
  });

  it('reports an invalid character', () => {
    const r = sharedLexer().tokenize('BEGIN { ` }');
    expect(r.errors.map((e) => [e.offset, e.length])).toEqual([[8, 1]]);
  });
});
