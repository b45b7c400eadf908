// uprobe/uretprobe resolution (paths, bare library names, offsets, addresses, wildcards, errors)
// and the builtins that depend on them (argN, retval, cpid), against fake binaries.
import { describe, expect, it } from 'vitest';
import { parse } from '../../lang/parser.ts';
import { SourceFile } from '../../lang/source.ts';
import { analyze, type AnalyzeOptions } from '../../lang/semantic/index.ts';
import { CompileError, formatDiagnostics } from '../../lang/diagnostics.ts';
import type { CheckedAttach } from '../../lang/checked.ts';
import { fakeEnv } from '../support/fake-env.ts';

const opts: AnalyzeOptions = { positionals: [] };

function attaches(src: string): [string, unknown][] {
  const { checked } = analyze(parse(new SourceFile('stdin', src)), fakeEnv(), opts);
  return checked.probes.flatMap((p) => p.attaches.map((a: CheckedAttach) => [a.probeName, a.resolved] as [string, unknown]));
}

/** The formatted diagnostics of a program that must fail. */
function failure(src: string, o: AnalyzeOptions = opts): string {
  const source = new SourceFile('stdin', src);
  try {
    analyze(parse(source), fakeEnv(), o);
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return formatDiagnostics(e.diagnostics, source);
  }
  throw new Error('expected a CompileError');
}

describe('uprobe attach points', () => {
  it('resolves a function to its file offset through the loadable segments', () => {
    expect(attaches('uprobe:/opt/app/bin/app:add {} u:/opt/app/bin/app:main {}')).toEqual([
      ['uprobe:/opt/app/bin/app:add', { kind: 'uprobe', path: '/opt/app/bin/app', fn: 'add', offset: 0x1180, ret: false }],
      ['uprobe:/opt/app/bin/app:main', { kind: 'uprobe', path: '/opt/app/bin/app', fn: 'main', offset: 0x1140, ret: false }],
    ]);
  });

  it('resolves uretprobe and ur the same way, with ret set', () => {
    expect(attaches('uretprobe:/opt/app/bin/app:sub, ur:/opt/app/bin/app:sub {}')).toEqual([
      ['uretprobe:/opt/app/bin/app:sub', { kind: 'uprobe', path: '/opt/app/bin/app', fn: 'sub', offset: 0x11c0, ret: true }],
      ['uretprobe:/opt/app/bin/app:sub', { kind: 'uprobe', path: '/opt/app/bin/app', fn: 'sub', offset: 0x11c0, ret: true }],
    ]);
  });

  it('names a probe on a bare library name by the resolved path', () => {
    expect(attaches('uprobe:libc:malloc { }')).toEqual([
      ['uprobe:/lib/x86_64-linux-gnu/libc.so.6:malloc', { kind: 'uprobe', path: '/lib/x86_64-linux-gnu/libc.so.6', fn: 'malloc', offset: 0x2a0a0, ret: false }],
    ]);
  });

  it('adds an offset inside the function (decimal or hex)', () => {
    expect(attaches('uprobe:app:add+4 {} uprobe:app:add+0x10 {}').map(([, r]) => r)).toEqual([
      { kind: 'uprobe', path: '/opt/app/bin/app', fn: 'add+4', offset: 0x1184, ret: false },
      { kind: 'uprobe', path: '/opt/app/bin/app', fn: 'add+0x10', offset: 0x1190, ret: false },
    ]);
  });

  it('takes a bare number as a virtual address', () => {
    expect(attaches('uprobe:app:0x401184 {}')).toEqual([
      ['uprobe:/opt/app/bin/app:0x401184', { kind: 'uprobe', path: '/opt/app/bin/app', fn: '0x401184', offset: 0x1184, ret: false }],
    ]);
  });

  it('expands wildcards in the function name, sorted by name', () => {
    expect(attaches('uprobe:app:add* {}').map(([n]) => n)).toEqual(['uprobe:/opt/app/bin/app:add', 'uprobe:/opt/app/bin/app:add_one']);
    expect(attaches('uprobe:app:?u? {}').map(([n]) => n)).toEqual(['uprobe:/opt/app/bin/app:sub']);
  });

  it('reports a missing file with the attach point and a hint', () => {
    expect(failure('uprobe:/no/such:f { }')).toBe(
      "stdin:1:1-18: ERROR: cannot probe '/no/such': no such file\nuprobe:/no/such:f { }\n~~~~~~~~~~~~~~~~~\nHINT: give a path",
    );
  });

  it('reports a missing symbol with similar names', () => {
    expect(failure('BEGIN {}\nuprobe:app:ad { }')).toBe(
      'stdin:2:1-14: ERROR: Could not resolve symbol: /opt/app/bin/app:ad\nuprobe:app:ad { }\n~~~~~~~~~~~~~\nHINT: functions with similar names: add',
    );
    expect(failure('uprobe:libc:zzzzzz { }')).toContain("HINT: list the functions of the binary with: tsbpf -l 'uprobe:/lib/x86_64-linux-gnu/libc.so.6:*'");
  });

  it('rejects offsets outside the function, on uretprobes and with wildcards', () => {
    expect(failure('uprobe:app:add+32 { }')).toContain('ERROR: uprobe: offset 32 is outside add (32 bytes)');
    expect(failure('uretprobe:app:add+4 { }')).toContain('ERROR: uretprobe: an offset is only allowed on uprobes');
    expect(failure('uprobe:app:a*+4 { }')).toContain('ERROR: uprobe: an offset cannot be combined with a wildcard (a*+4)');
    expect(failure('uprobe:app:0x10 { }')).toContain('ERROR: uprobe:/opt/app/bin/app:0x10: address 0x10 is not in a loadable segment of /opt/app/bin/app');
    expect(failure('uprobe:app:zz* { }')).toContain('ERROR: No functions in /opt/app/bin/app match zz*');
  });

  it('points an IFUNC at its implementations', () => {
    expect(failure('uprobe:libc:memcpy { }')).toContain(
      'memcpy is an indirect function (IFUNC) whose symbol is its resolver, which runs once at load time\nuprobe:libc:memcpy { }\n~~~~~~~~~~~~~~~~~~\nHINT: probe the implementation it selects instead, e.g. __memcpy_avx_unaligned',
    );
  });

  it('requires a binary and a function', () => {
    expect(failure('uprobe:app { }')).toContain('ERROR: uprobe probe type requires 2 arguments');
    expect(failure('uprobe::f { }')).toContain('ERROR: uprobe: missing the binary or library to probe (e.g. uprobe:/bin/bash:readline)');
    expect(failure('uprobe:app: { }')).toContain('ERROR: uprobe: missing the function to probe in uprobe:app');
  });
});

describe('builtins in uprobes', () => {
  const typeOk = (src: string, o: AnalyzeOptions = opts): void => {
    analyze(parse(new SourceFile('stdin', src)), fakeEnv(), o);
  };

  it('allows argN in uprobes and retval in uretprobes', () => {
    typeOk('uprobe:app:add { @[arg0, arg5] = count(); } uretprobe:app:add { @r = sum(retval); } uprobe:app:add, uprobe:libc:malloc { @k = arg1; }');
  });

  it('rejects retval in a uprobe and argN in a uretprobe', () => {
    expect(failure('uprobe:app:add { @ = retval; }')).toContain(
      'ERROR: The retval builtin can only be used with kretprobe and uretprobe probes (uprobe used here)',
    );
    expect(failure('uretprobe:app:add { @ = arg0; }')).toContain(
      'ERROR: The arg0 builtin can only be used with kprobe and uprobe probes (uretprobe used here)',
    );
  });

  it('allows cpid only with a child command', () => {
    expect(failure('BEGIN { @ = cpid; }')).toBe(
      'stdin:1:13-17: ERROR: cpid cannot be used without child command (-c CMD)\nBEGIN { @ = cpid; }\n            ~~~~',
    );
    const { checked } = analyze(parse(new SourceFile('stdin', 'BEGIN { $c = cpid; }')), fakeEnv(), { positionals: [], hasChild: true });
    const assign = checked.program.probes[0]!.body.stmts[0]!;
    expect(assign.kind === 'AssignStmt' && checked.typeOf(assign.value)).toEqual({ kind: 'int', bits: 32, signed: false });
  });
});
