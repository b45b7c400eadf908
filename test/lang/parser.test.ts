import { describe, expect, it } from 'vitest';
import { createParserForTest, parse } from '../../lang/parser.ts';
import { CompileError } from '../../lang/diagnostics.ts';
import { SourceFile } from '../../lang/source.ts';
import { printProgram } from '../../lang/printer.ts';
import {
  ap, assign, bi, bin, block, call, errorsOf, exprOf, exprStmt, field, ifs, incdec, int, map, parseStripped,
  parseText, pos, stmtsOf, str, stripSpans, sv, tern, un,
} from './ast-helpers.ts';

describe('parser: program structure', () => {
  it('parses an empty program', () => {
    expect(parseStripped('')).toEqual({ kind: 'Program', probes: [] });
    expect(parseStripped('  // nothing\n')).toEqual({ kind: 'Program', probes: [] });
  });

  it('parses several probes with several attach points and a predicate', () => {
    expect(parseStripped('BEGIN { }\nk:f,\n  kprobe:g+8 /pid == 1/ { exit(); }')).toEqual({
      kind: 'Program',
      probes: [
        { kind: 'Probe', attachPoints: [ap('BEGIN')], body: block() },
        {
          kind: 'Probe',
          attachPoints: [ap('k:f'), ap('kprobe:g+8')],
          predicate: bin('==', bi('pid'), int(1)),
          body: block(exprStmt(call('exit'))),
        },
      ],
    });
  });

  it('splits attach points into provider and parts as written', () => {
    const p = parseText('uprobe:/bin/bash:readline, t:syscalls:sys_enter_*, interval:s:1, i:hz:99, profile:hz:99 {}');
    expect(p.probes[0]!.attachPoints.map((a) => [a.provider, a.parts, a.raw])).toEqual([
      ['uprobe', ['/bin/bash', 'readline'], 'uprobe:/bin/bash:readline'],
      ['t', ['syscalls', 'sys_enter_*'], 't:syscalls:sys_enter_*'],
      ['interval', ['s', '1'], 'interval:s:1'],
      ['i', ['hz', '99'], 'i:hz:99'],
      ['profile', ['hz', '99'], 'profile:hz:99'],
    ]);
  });

  it('parses a predicate that contains division', () => {
    expect(parseStripped('k:f / $x / 2 > 1 / { }')).toMatchObject({
      probes: [{ predicate: bin('>', bin('/', sv('x'), int(2)), int(1)) }],
    });
  });

  it('ignores a #! first line', () => {
    expect(parseStripped('#!/usr/bin/env bpftrace\nBEGIN { 1 }')).toEqual(parseStripped('BEGIN { 1 }'));
    expect(parseText('#!/usr/bin/env tsbpf\nBEGIN { }').probes[0]!.span.line).toBe(2);
  });

  it('parses the angle block form with comparisons nested inside', () => {
    const text = 'kprobe:sys_execve < printf("Hello"); if ($a > 1) { @x = $a > 2 } else { @y[$a > 3] = ($a > 4) } >';
    expect(stmtsOf(text)).toEqual([
      exprStmt(call('printf', str('Hello'))),
      ifs(
        bin('>', sv('a'), int(1)),
        block(assign(map('@x'), '=', bin('>', sv('a'), int(2)))),
        block(assign(map('@y', bin('>', sv('a'), int(3))), '=', bin('>', sv('a'), int(4)))),
      ),
    ]);
  });

  it('parses an angle block after a predicate, and one probe after another', () => {
    const p = parseText('k:f /pid/ < exit() > END { }');
    expect(stripShape(p)).toEqual([['k:f', true, 1], ['END', false, 0]]);
  });
});

function stripShape(p: ReturnType<typeof parseText>) {
  return p.probes.map((pr) => [pr.attachPoints[0]!.raw, pr.predicate !== undefined, pr.body.stmts.length]);
}

describe('parser: config block', () => {
  it('parses config = { name = value; ... } before the probes, the last ; optional, and prints it back', () => {
    const text = 'config = {\n  missing_probes = ignore;\n  max_strlen = 100;\n  stack_mode = "perf"\n}\nBEGIN { exit(); }';
    const p = parse(new SourceFile('stdin', text));
    expect(p.config?.map((c) => [c.name, c.value])).toEqual([['missing_probes', 'ignore'], ['max_strlen', 100n], ['stack_mode', 'perf']]);
    expect(p.probes).toHaveLength(1);
    expect(stripSpans(parse(new SourceFile('stdin', printProgram(p))))).toEqual(stripSpans(p));
  });

  it('parses let @m = KIND(N) declarations between probes, and prints them back', () => {
    const p = parse(new SourceFile('stdin', 'let @a = lruhash(4096);\nBEGIN { }\nlet @b = hash(10)\nEND { }'));
    expect(p.mapDecls?.map((d) => [d.name, d.mapKind, d.maxEntries])).toEqual([['@a', 'lruhash', 4096n], ['@b', 'hash', 10n]]);
    expect(p.probes).toHaveLength(2);
    expect(stripSpans(parse(new SourceFile('stdin', printProgram(p))))).toEqual(stripSpans(p));
  });

  it('a probe named config is still a probe, and an empty block is allowed', () => {
    expect(parse(new SourceFile('stdin', 'config = {}\nBEGIN {}')).config).toEqual([]);
    expect(parse(new SourceFile('stdin', 'config { exit(); }')).probes[0]!.attachPoints[0]!.provider).toBe('config');
    expect(errorsOf('config = { x = ; }')).toEqual(['1:16-17 syntax error, unexpected ;']);
  });
});

describe('parser: statements', () => {
  it('parses assignments to variables and maps (scalar, keyed, multi-key, anonymous)', () => {
    expect(stmtsOf('BEGIN { $x = 1; @a = 2; @b[pid] = 3; @c[pid, comm, 1] = count(); @ = 4; @[tid] = 5 }')).toEqual([
      assign(sv('x'), '=', int(1)),
      assign(map('@a'), '=', int(2)),
      assign(map('@b', bi('pid')), '=', int(3)),
      assign(map('@c', bi('pid'), bi('comm'), int(1)), '=', call('count')),
      assign(map('@'), '=', int(4)),
      assign(map('@', bi('tid')), '=', int(5)),
    ]);
  });

  it('parses every compound assignment operator', () => {
    const ops = ['+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>='] as const;
    expect(stmtsOf(`BEGIN { ${ops.map((o) => `$x ${o} 2`).join('; ')} }`)).toEqual(
      ops.map((o) => assign(sv('x'), o, int(2))),
    );
  });

  it('parses prefix and postfix ++/-- on variables and maps', () => {
    expect(stmtsOf('BEGIN { $x++; ++$x; @m[1, 2]--; --@; @c++ }')).toEqual([
      exprStmt(incdec('++', false, sv('x'))),
      exprStmt(incdec('++', true, sv('x'))),
      exprStmt(incdec('--', false, map('@m', int(1), int(2)))),
      exprStmt(incdec('--', true, map('@'))),
      exprStmt(incdec('++', false, map('@c'))),
    ]);
  });

  it('parses if / else if / else chains without separators after blocks', () => {
    expect(stmtsOf('BEGIN { if ($a) { 1 } else if ($b) { 2; } else { 3 } $z = 1; if (1) {} }')).toEqual([
      ifs(sv('a'), block(exprStmt(int(1))), ifs(sv('b'), block(exprStmt(int(2))), block(exprStmt(int(3))))),
      assign(sv('z'), '=', int(1)),
      ifs(int(1), block()),
    ]);
  });

  it('parses return; as a statement, and return( as a call', () => {
    expect(stmtsOf('BEGIN { if (1) { return; } return }')).toMatchObject([{ kind: 'IfStmt', then: { stmts: [{ kind: 'ReturnStmt' }] } }, { kind: 'ReturnStmt' }]);
    expect(stmtsOf('BEGIN { return(1); }')).toEqual([exprStmt(call('return', int(1)))]);
  });

  it('lets the last statement omit its semicolon', () => {
    expect(stmtsOf('BEGIN { $a = 1; $b = 2 }')).toEqual(stmtsOf('BEGIN { $a = 1; $b = 2; }'));
  });

  it('parses both delete forms as plain calls', () => {
    expect(stmtsOf('BEGIN { delete(@m[1]); delete(@m, 1, 2); clear(@m) }')).toEqual([
      exprStmt(call('delete', map('@m', int(1)))),
      exprStmt(call('delete', map('@m'), int(1), int(2))),
      exprStmt(call('clear', map('@m'))),
    ]);
  });
});

describe('parser: expressions', () => {
  it('parses primaries', () => {
    expect(exprOf('pid')).toEqual(bi('pid'));
    expect(exprOf('arg0')).toEqual(bi('arg0'));
    expect(exprOf('foo')).toEqual(bi('foo'));
    expect(exprOf('$1')).toEqual(pos(1));
    expect(exprOf('$12')).toEqual(pos(12));
    expect(exprOf('$#')).toEqual(pos(0));
    expect(exprOf('$name')).toEqual(sv('name'));
    expect(exprOf('@')).toEqual(map('@'));
    expect(exprOf('printf("%d %s\\n", pid, comm)')).toEqual(call('printf', str('%d %s\n'), bi('pid'), bi('comm')));
    expect(exprOf('nsecs()')).toEqual(call('nsecs'));
    expect(exprOf('(((1)))')).toEqual(int(1));
  });

  it('parses casts to integer types, and only those names, as casts', () => {
    const cast = (typeName: string, operand: unknown) => ({ kind: 'Cast', typeName, operand });
    expect(exprOf('(uint8)257')).toEqual(cast('uint8', int(257)));
    expect(exprOf('(int32)-$x + 1')).toEqual(bin('+', cast('int32', un('-', sv('x'))), int(1)));
    expect(exprOf('(uint16)(int8)pid')).toEqual(cast('uint16', cast('int8', bi('pid'))));
    expect(exprOf('-(uint64)args.ret')).toEqual(un('-', cast('uint64', field(bi('args'), 'ret'))));
    // Any other name in parentheses is a parenthesized expression.
    expect(exprOf('(pid) - 1')).toEqual(bin('-', bi('pid'), int(1)));
  });

  it('parses integer literals as bigint', () => {
    expect(exprOf('0x1F')).toEqual(int(31));
    expect(exprOf('1_000_000')).toEqual(int(1000000));
    expect(exprOf('0755')).toEqual(int(0o755));
    expect(exprOf('18446744073709551615')).toEqual(int(18446744073709551615n));
    expect(exprOf('0xffffffffffffffff')).toEqual(int(18446744073709551615n));
  });

  it('decodes string escapes', () => {
    expect(exprOf('"a\\tb\\nc\\\\d\\"e\\rf"')).toEqual(str('a\tb\nc\\d"e\rf'));
    expect(exprOf('"\\0\\x41\\x4g\\101\\1012\\7"')).toEqual(str('\0A\x04gAA2\x07'));
    expect(exprOf('""')).toEqual(str(''));
  });

  it('parses field access with . and ->', () => {
    expect(exprOf('args.filename')).toEqual(field(bi('args'), 'filename'));
    expect(exprOf('args->filename')).toEqual(field(bi('args'), 'filename', true));
    expect(exprOf('$t->a.b')).toEqual(field(field(sv('t'), 'a', true), 'b'));
    expect(exprOf('@m[1].x')).toEqual(field(map('@m', int(1)), 'x'));
  });

  it('parses indexing as a postfix operator, after a map\'s own keys', () => {
    const idx = (object: unknown, index: unknown) => ({ kind: 'Index', object, index });
    expect(exprOf('args->args[0]')).toEqual(idx(field(bi('args'), 'args', true), int(0)));
    expect(exprOf('$p->a[1].b')).toEqual(field(idx(field(sv('p'), 'a', true), int(1)), 'b'));
    expect(exprOf('@m[1][2]')).toEqual(idx(map('@m', int(1)), int(2)));
    expect(exprOf('(@m)[2]')).toEqual(idx(map('@m'), int(2)));
    expect(exprOf('-$a[1 + 2]')).toEqual(un('-', idx(sv('a'), bin('+', int(1), int(2)))));
  });

  it('parses a prefix * as a dereference, binding like the other unary operators', () => {
    const deref = (operand: unknown) => ({ kind: 'Deref', operand });
    expect(exprOf('*$p')).toEqual(deref(sv('p')));
    expect(exprOf('**$p')).toEqual(deref(deref(sv('p'))));
    expect(exprOf('*($p + 8)')).toEqual(deref(bin('+', sv('p'), int(8))));
    expect(exprOf('$a * *$b')).toEqual(bin('*', sv('a'), deref(sv('b'))));
    expect(exprOf('*$t->mm')).toEqual(deref(field(sv('t'), 'mm', true)));
  });

  it('follows C precedence, low to high', () => {
    const ops = ['||', '&&', '|', '^', '&', '==', '<', '<<', '+', '*'] as const;
    // Built from the right: each operator binds tighter than the one before it.
    let expected: unknown = int(ops.length + 1);
    for (let i = ops.length - 1; i >= 0; i--) expected = bin(ops[i]!, int(i + 1), expected);
    expect(exprOf('1 || 2 && 3 | 4 ^ 5 & 6 == 7 < 8 << 9 + 10 * 11')).toEqual(expected);
    expect(exprOf('1 * 2 + 3 << 4 < 5 == 6 & 7 ^ 8 | 9 && 10 || 11')).toEqual(
      bin('||',
        bin('&&',
          bin('|',
            bin('^',
              bin('&',
                bin('==', bin('<', bin('<<', bin('+', bin('*', int(1), int(2)), int(3)), int(4)), int(5)), int(6)),
                int(7)),
              int(8)),
            int(9)),
          int(10)),
        int(11)),
    );
  });

  it('is left associative and honours parentheses', () => {
    expect(exprOf('1 - 2 - 3')).toEqual(bin('-', bin('-', int(1), int(2)), int(3)));
    expect(exprOf('1 - (2 - 3)')).toEqual(bin('-', int(1), bin('-', int(2), int(3))));
    expect(exprOf('8 / 4 % 3 * 2')).toEqual(bin('*', bin('%', bin('/', int(8), int(4)), int(3)), int(2)));
    expect(exprOf('$a != $b >= $c')).toEqual(bin('!=', sv('a'), bin('>=', sv('b'), sv('c'))));
    expect(exprOf('1 >> 2 <= 3')).toEqual(bin('<=', bin('>>', int(1), int(2)), int(3)));
  });

  it('parses unary operators tighter than binary ones, and postfix tighter still', () => {
    expect(exprOf('-$x * !$y')).toEqual(bin('*', un('-', sv('x')), un('!', sv('y'))));
    expect(exprOf('~-!1')).toEqual(un('~', un('-', un('!', int(1)))));
    expect(exprOf('-args->x')).toEqual(un('-', field(bi('args'), 'x', true)));
    expect(exprOf('-$x++')).toEqual(un('-', incdec('++', false, sv('x'))));
    expect(exprOf('$a - -1')).toEqual(bin('-', sv('a'), un('-', int(1))));
  });

  it('parses the ternary, right associative and lowest', () => {
    expect(exprOf('$a || $b ? 1 : $c ? 2 : 3')).toEqual(
      tern(bin('||', sv('a'), sv('b')), int(1), tern(sv('c'), int(2), int(3))),
    );
    expect(exprOf('$a ? $b ? 1 : 2 : 3')).toEqual(tern(sv('a'), tern(sv('b'), int(1), int(2)), int(3)));
  });
});

describe('parser: spans', () => {
  it('gives every node the span of its own text', () => {
    const text = 'k:f /pid > 1/ {\n  @x[comm] = count();\n}';
    const p = parseText(text);
    const pr = p.probes[0]!;
    const slice = (s: { offset: number; endOffset: number }) => text.slice(s.offset, s.endOffset);
    expect(slice(pr.span)).toBe(text);
    expect(slice(pr.predicate!.span)).toBe('pid > 1');
    const st = pr.body.stmts[0]!;
    expect(slice(st.span)).toBe('@x[comm] = count()');
    expect(st.kind === 'AssignStmt' && slice(st.value.span)).toBe('count()');
    expect(st.kind === 'AssignStmt' && [st.target.span.line, st.target.span.column]).toEqual([2, 3]);
    expect(p.span).toMatchObject({ file: 'stdin', offset: 0, endOffset: text.length });
  });
});

describe('parser: errors', () => {
  it.each([
    ['BEGIN { 1 +; }', '1:12-13 syntax error, unexpected ;'],
    ['BEGIN { $x = 1 $y = 2 }', '1:16-18 syntax error, unexpected $y'],
    ['BEGIN {', '1:8-8 syntax error, unexpected end of file'],
    ['BEGIN { }\n}', '2:1-2 syntax error, unexpected }'],
    ['BEGIN { 1 = 2 }', '1:11-12 syntax error, unexpected ='],
    ['BEGIN { f(1)++ }', '1:13-15 syntax error, unexpected ++'],
    ['BEGIN { ++1 }', '1:11-12 syntax error, unexpected 1'],
    ['k:f /pid { }', '1:10-11 syntax error, unexpected {'],
    ['k:f < $a > 1 >', '1:12-13 syntax error, unexpected 1'],
    ['BEGIN { @m[] = 1 }', '1:12-13 syntax error, unexpected ]'],
    ['BEGIN { if $a }', '1:15-16 syntax error, unexpected }'],
    ['{ }', '1:1-2 syntax error, unexpected {'],
    ['BEGIN\n{\n  printf("x")\n  exit()\n}', '4:3-7 syntax error, unexpected exit'],
    ['BEGIN { "abc }', '1:9-15 unterminated string'],
    ['BEGIN { /* x', '1:9-13 unterminated comment'],
    ['BEGIN { ` }', '1:9-10 invalid character \'`\''],
    ['BEGIN { 18446744073709551616 }', '1:9-29 integer literal out of range: 18446744073709551616'],
    ['BEGIN { 0x10000000000000000 }', '1:9-28 integer literal out of range: 0x10000000000000000'],
    ['BEGIN { 089 }', '1:9-12 invalid octal literal: 089'],
    ['BEGIN { "a\\qb" }', "1:11-13 invalid escape character '\\q'"],
    ['BEGIN { "\\x" }', '1:10-12 invalid escape sequence: \\x with no hex digits'],
    ['BEGIN { "\\777" }', '1:10-14 octal escape sequence out of range: \\777'],
    ['BEGIN { $0 }', '1:9-11 invalid positional parameter: $0'],
  ])('%j', (text, message) => {
    expect(errorsOf(text)).toEqual([message]);
  });

  it('resumes at the next attach point after a syntax error, reporting one error per probe', () => {
    expect(errorsOf('BEGIN { 1 +; }\nk:f { $x = = 2 }\nk:g { ok() }\nEND { @x[ }')).toEqual([
      '1:12-13 syntax error, unexpected ;',
      '2:12-13 syntax error, unexpected =',
      '4:11-12 syntax error, unexpected }',
    ]);
  });

  it('reports a non-ASCII invalid character whole', () => {
    expect(errorsOf('BEGIN { \u{1F600} }')).toEqual(["1:9-11 invalid character '\u{1F600}'"]);
  });

  it('reports several lexical errors at once, in source order', () => {
    expect(errorsOf('BEGIN { ` 1; # }')).toEqual(["1:9-10 invalid character '`'", "1:14-15 invalid character '#'"]);
    expect(errorsOf('BEGIN { "\\q"; 99999999999999999999 }')).toEqual([
      "1:10-12 invalid escape character '\\q'",
      '1:15-35 integer literal out of range: 99999999999999999999',
    ]);
  });

  it('throws CompileError carrying the file name', () => {
    let caught: unknown;
    try {
      parse(new SourceFile('script.bt', 'BEGIN { - }'));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CompileError);
    expect((caught as CompileError).diagnostics[0]).toMatchObject({
      severity: 'error',
      message: 'syntax error, unexpected }',
      span: { file: 'script.bt', line: 1, column: 11 },
    });
  });

  it('reports deep nesting as a CompileError, not a stack overflow', () => {
    const deep = 'BEGIN { ' + '('.repeat(20000) + '1' + ')'.repeat(20000) + ' }';
    expect(() => parse(new SourceFile('stdin', deep))).toThrow(CompileError);
    expect(() => parse(new SourceFile('stdin', deep))).toThrow('program is nested too deeply');
    // The shared parser is still usable afterwards.
    expect(parseStripped('BEGIN { (1) }')).toEqual(parseStripped('BEGIN { 1 }'));
  });
});

describe('parser construction', () => {
  it('builds lexer and parser with Chevrotain validations on, and they parse', () => {
    // With validations on, Chevrotain throws from the constructors on any grammar defect
    // (unreachable tokens, ambiguous alternatives, left recursion).
    let fe: ReturnType<typeof createParserForTest> | undefined;
    expect(() => (fe = createParserForTest({ validate: true }))).not.toThrow();
    expect(fe!.lexer.lexerDefinitionErrors).toEqual([]);
    const p = parse(new SourceFile('stdin', 'k:f /pid/ { @[comm] = count(); }'), fe!);
    expect(p.probes[0]!.attachPoints[0]!.raw).toBe('k:f');
  });
});
