// The preprocessor (lang/preprocess.ts) through parse(): directives, macro substitution, errors
// with spans, and the property that directive lines never move any span.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type * as A from '../../lang/ast.ts';
import { parse } from '../../lang/parser.ts';
import { preprocess, PreprocessedSource } from '../../lang/preprocess.ts';
import { CompileError } from '../../lang/diagnostics.ts';
import { SourceFile } from '../../lang/source.ts';
import { block, call, errorsOf, exprStmt, int, parseStripped, parseText, str, stmtsOf, stripSpans } from './ast-helpers.ts';

/** The AST with every span reduced to its line/column range (offsets dropped). */
function lineCols(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(lineCols);
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      if (k === 'span') {
        const s = v as A.Expr['span'];
        out[k] = `${s.line}:${s.column}-${s.endLine}:${s.endColumn}`;
      } else out[k] = lineCols(v);
    }
    return out;
  }
  return x;
}

/** Diagnostics of parse() as `line:col-endcol message`, or the AST's line/column form. */
function outcome(text: string): unknown {
  try {
    // The program's own span covers the whole text, whose last line may differ; its probes may not.
    return lineCols(parse(new SourceFile('f.bt', text)).probes);
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return e.diagnostics.map((d) => `${d.span ? `${d.span.line}:${d.span.column}-${d.span.endColumn} ` : ''}${d.message}`);
  }
}

describe('preprocessor: directives', () => {
  it('ignores #include lines of both forms', () => {
    expect(parseStripped('#include <linux/sched.h>\n  #include "net/sock.h"\nBEGIN { 1 }')).toEqual(parseStripped('BEGIN { 1 }'));
  });

  it('takes the constants of an included header from the caller, the script\'s own #defines first', () => {
    const headers = (name: string) => (name === 'sys/socket.h' ? new Map([['PF_INET', '2'], ['AF_INET', 'PF_INET'], ['MINE', '7']]) : undefined);
    const p = parse(new SourceFile('f.bt', '#define MINE 9\n#include <sys/socket.h>\n#include <net/sock.h>\nBEGIN { @ = AF_INET + MINE; }'), undefined, headers);
    expect(stripSpans(p.probes[0]!.body.stmts)).toEqual(stmtsOf('BEGIN { @ = 2 + 9; }'));
    // In a skipped group an #include brings nothing.
    const q = parse(new SourceFile('f.bt', '#ifndef BPFTRACE_HAVE_BTF\n#include <sys/socket.h>\n#endif\nBEGIN { @ = AF_INET; }'), undefined, headers);
    expect(stripSpans(q.probes[0]!.body.stmts)).toEqual(stmtsOf('BEGIN { @ = AF_INET; }'));
  });

  it('takes the #else branch of #ifndef BPFTRACE_HAVE_BTF and skips the other', () => {
    const text = '#ifndef BPFTRACE_HAVE_BTF\nstruct sock { int x; };\n#else\nBEGIN { 1 }\n#endif\nEND { 2 }';
    expect(parseStripped(text)).toEqual(parseStripped('BEGIN { 1 } END { 2 }'));
  });

  it('keeps #ifdef BPFTRACE_HAVE_BTF bodies, nests groups, and follows #elif', () => {
    const text = [
      '#ifdef BPFTRACE_HAVE_BTF',
      '#if defined(NOPE)',
      'BEGIN { 1 }',
      '#elif !defined NOPE',
      'BEGIN { 2 }',
      '#else',
      'BEGIN { 3 }',
      '#endif',
      '#else',
      'BEGIN { 4 }',
      '#endif',
      '#if 0',
      '#bogus directive in a skipped group',
      '#endif',
    ].join('\n');
    expect(parseStripped(text)).toEqual(parseStripped('BEGIN { 2 }'));
  });

  it('substitutes object-like macros as whole identifiers, not in strings, comments, $vars or @maps', () => {
    const text = [
      '#define AF_INET 2 /* IPv4 */',
      '#define EMPTY',
      'BEGIN { printf("AF_INET %d\\n", AF_INET); $AF_INET = AF_INET6; @AF_INET = AF_INET EMPTY; // AF_INET',
      '}',
    ].join('\n');
    expect(stmtsOf(text)).toEqual(stmtsOf('BEGIN { printf("AF_INET %d\\n", 2); $AF_INET = AF_INET6; @AF_INET = 2; }'));
  });

  it('rescans macro values, stops at self-reference, and honours #undef', () => {
    expect(stmtsOf('#define A (B + 1)\n#define B 41\n#define S S\nBEGIN { A; S }')).toEqual(
      stmtsOf('BEGIN { (41 + 1); S }'),
    );
    expect(errorsOf('#define X 1\n#undef X\nBEGIN { X = 1 }')).toEqual(['3:11-12 syntax error, unexpected =']);
  });

  it('points the tokens of an expansion at the macro name', () => {
    const p = parseText('#define LONGER_VALUE (1000 + 2)\nBEGIN { printf("%d", LONGER_VALUE); }');
    const args = (p.probes[0]!.body.stmts[0] as A.ExprStmt).expr as A.Call;
    expect(args.args[1]!.span).toMatchObject({ line: 2, column: 22, endLine: 2, endColumn: 34, offset: 53, endOffset: 65 });
    expect(p.span).toMatchObject({ offset: 0, endOffset: 69, endLine: 2, endColumn: 38 });
  });

  it('maps spans after a longer or shorter expansion back to the original text', () => {
    const text = '#define N 1000000\n#define LONG_NAME_SHORT 1\nBEGIN { @x = N + LONG_NAME_SHORT; nosuch(N) = 1 }';
    expect(errorsOf(text)).toEqual(['3:45-46 syntax error, unexpected =']);
  });

  it('keeps the line:column of an error after an #ifndef block', () => {
    const text = '#ifndef BPFTRACE_HAVE_BTF\n#include <linux/fs.h>\n#endif\n\nBEGIN {\n  @x = 1 +;\n}';
    expect(errorsOf(text)).toEqual(['6:11-12 syntax error, unexpected ;']);
  });

  it('keeps comments that start on a directive line whole', () => {
    expect(parseStripped('#define X 1 /* a comment\n that continues */\nBEGIN { X }')).toEqual(
      parseStripped('BEGIN { 1 }'),
    );
  });

  it('does not treat # inside a block comment as a directive', () => {
    expect(parseStripped('/*\n # not a directive\n */\nBEGIN { }')).toEqual({
      kind: 'Program',
      probes: [{ kind: 'Probe', attachPoints: [{ kind: 'AttachPoint', provider: 'BEGIN', parts: [], raw: 'BEGIN' }], body: block() }],
    });
  });

  it('returns the very same SourceFile when there is nothing to do', () => {
    const s = new SourceFile('x', 'BEGIN { printf("#") }');
    expect(preprocess(s)).toBe(s);
    const d = preprocess(new SourceFile('x', '#define A 12345\nBEGIN { A }'));
    expect(d).toBeInstanceOf(PreprocessedSource);
    expect(d.text).toBe('               \nBEGIN { 12345 }');
  });
});

describe('preprocessor: errors', () => {
  it('rejects function-like macros with the span of the name and parameters', () => {
    expect(errorsOf('#define MAX(a, b) ((a) > (b) ? (a) : (b))\nBEGIN { }')).toEqual([
      '1:9-18 function-like macros are not supported: MAX',
    ]);
  });

  it('names unsupported directives', () => {
    expect(errorsOf('BEGIN { }\n  #pragma once\n#error no')).toEqual([
      "2:3-10 unsupported preprocessor directive '#pragma'",
      "3:1-7 unsupported preprocessor directive '#error'",
    ]);
    expect(errorsOf('BEGIN { }\n#!/bin/sh')).toEqual(["2:1-2 invalid preprocessor directive '#!/bin/sh'"]);
  });

  it('reports unbalanced conditionals and malformed directives', () => {
    expect(errorsOf('#ifdef A\nBEGIN { }')).toEqual(['1:1-7 unterminated #ifdef']);
    expect(errorsOf('#else\n#endif\n#elif 1')).toEqual([
      '1:1-6 #else without #if',
      '2:1-7 #endif without #if',
      '3:1-6 #elif without #if',
    ]);
    expect(errorsOf('#if 1\n#else\n#else\n#endif')).toEqual(['3:1-6 #else after #else']);
    expect(errorsOf('#include linux/fs.h\n#define\n#undef 3\n#if a + b\n#endif')).toEqual([
      '1:1-20 #include expects <FILE> or "FILE"',
      '2:1-8 #define expects a macro name',
      '3:1-9 #undef expects a macro name',
      "4:1-10 unsupported #if condition 'a + b' (only defined(NAME), !defined(NAME), integers and macros)",
    ]);
  });

  it('still ignores a #! first line', () => {
    expect(exprStmt(int(1))).toEqual(stmtsOf('#!/usr/bin/env tsbpf\nBEGIN { 1 }')[0]);
    expect(stmtsOf('#!/usr/bin/env tsbpf\nBEGIN { printf("x") }')).toEqual([exprStmt(call('printf', str('x')))]);
  });
});

// ---- properties ---------------------------------------------------------------------------------

const CODE_LINES = [
  'BEGIN { @x = 1; }',
  'tracepoint:syscalls:sys_enter_openat /pid == 1/ {',
  '  printf("%s # not a directive\\n", comm);',
  '  @c[comm] = count();',
  '}',
  'END { exit() }',
  '/* a comment',
  ' # inside */',
  '// #define X in a line comment',
  '  $y = 1 +; ',
  'interval:s:1 { X }',
  '/* # one line */ END { }',
  '',
];
/** Lines whose comments close on the same line, so no directive can end up inside a comment. */
const LINE_LOCAL = CODE_LINES.filter((l) => l !== '/* a comment' && l !== ' # inside */');
/** Directive lines that define nothing used by CODE_LINES except X (defined to itself's name). */
const NEUTRAL_DIRECTIVES = ['#include <linux/fs.h>', '  #include "a.h"', '#define UNUSED 42', '#undef UNUSED', '#ifdef BPFTRACE_HAVE_BTF', '#endif'];
const ANY_DIRECTIVES = [...NEUTRAL_DIRECTIVES, '#define X 1', '#define F(a) a', '#if FOO', '#else', '#elif 1', '#ifndef X', '#pragma', '#', '#!'];

describe('preprocessor properties', () => {
  it('never throws anything but CompileError on random programs with random directive lines', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...CODE_LINES, ...ANY_DIRECTIVES), { maxLength: 25 }), (lines) => {
        try {
          parse(new SourceFile('f.bt', lines.join('\n')));
        } catch (e) {
          if (!(e instanceof CompileError)) throw e;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('directive lines and skipped groups never shift a span: same lines/columns as with them emptied', () => {
    // A group skipped entirely (its lines stand for any text, even invalid code).
    const skipped = fc.array(fc.constantFrom(...LINE_LOCAL), { maxLength: 3 }).map((body) => ['#ifndef BPFTRACE_HAVE_BTF', ...body, '#endif']);
    const item = fc.oneof(
      fc.constantFrom(...LINE_LOCAL).map((l) => ({ code: [l], directive: false })),
      fc.constantFrom(...NEUTRAL_DIRECTIVES.filter((d) => !d.includes('BPFTRACE_HAVE_BTF') && d !== '#endif')).map((l) => ({ code: [l], directive: true })),
      skipped.map((code) => ({ code, directive: true })),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 20 }), (items) => {
        // A last code line, so that "unexpected end of file" lands on the same column in both.
        const withDirectives = [...items.flatMap((i) => i.code), '// end'].join('\n');
        const emptied = [...items.flatMap((i) => (i.directive ? i.code.map(() => '') : i.code)), '// end'].join('\n');
        expect(outcome(withDirectives)).toEqual(outcome(emptied));
      }),
      { numRuns: 500 },
    );
  });
});
