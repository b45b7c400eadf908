// tsbpf used as a library from Node code: the package entry (dist/index.cjs, built by
// `npm test`) compiles a script and runs it against the kernel without the CLI.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';

const tsbpf = createRequire(import.meta.url)('tsbpf') as typeof import('../../index.ts');

describe('library entry', () => {
  it('compiles a script and reports errors as diagnostics', () => {
    const source = new tsbpf.SourceFile('lib.bt', 'BEGIN { @x = 1 + ; }');
    let error: unknown;
    try {
      tsbpf.parse(source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(tsbpf.CompileError);
    expect(tsbpf.formatDiagnostics((error as InstanceType<typeof tsbpf.CompileError>).diagnostics, source)).toBe(
      ['lib.bt:1:18-19: ERROR: syntax error, unexpected ;', 'BEGIN { @x = 1 + ; }', '                 ~'].join('\n'),
    );
  });

  it.skipIf(!kernelAvailable)('runs BEGIN in the kernel and reads a map back', () => {
    const source = new tsbpf.SourceFile('lib.bt', 'BEGIN { @sum[7] = 40 + 2; @n = count(); }');
    const { checked } = tsbpf.analyze(tsbpf.parse(source), new tsbpf.LiveKernelEnvironment(), { positionals: [] });
    const obj = tsbpf.generate(checked);
    const session = tsbpf.Session.open(obj);
    try {
      session.runBegin();
      const index = (name: string) => obj.maps.findIndex((m) => m.name === name);
      expect(session.readMap(index('@sum'))).toEqual([{ keys: [7n], value: 42n }]);
      expect(session.readMap(index('@n'))).toEqual([{ keys: [], value: 1n }]);
    } finally {
      session.close();
    }
  });
});
