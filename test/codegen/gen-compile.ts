// Shared by the codegen tests: the real front end (parse + analyze) on a fake kernel, then generate.
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import type { CheckedProgram } from '../../lang/checked.ts';
import type { TracepointFormat } from '../../lang/env.ts';
import { SourceFile } from '../../lang/source.ts';
import { generate } from '../../codegen/gen/index.ts';
import type { BpfObject } from '../../codegen/object.ts';
import { FAKE_TRACEPOINTS, fakeEnv } from '../support/fake-env.ts';

/** raw_syscalls:sys_enter as this machine's tracefs describes it (for the benchmark scripts). */
export const RAW_SYS_ENTER: TracepointFormat = {
  category: 'raw_syscalls',
  event: 'sys_enter',
  id: 21,
  fields: [
    { name: 'id', cType: 'long', offset: 8, size: 8, signed: true, isCharArray: false },
    { name: 'args', cType: 'unsigned long[6]', offset: 16, size: 48, signed: false, isCharArray: false },
  ],
};

export function check(text: string, positionals: readonly string[] = [], hasKprobes = false): { checked: CheckedProgram; source: SourceFile } {
  const source = new SourceFile('stdin', text);
  const env = fakeEnv({ hasKprobes, tracepoints: [...FAKE_TRACEPOINTS, RAW_SYS_ENTER] });
  const { checked } = analyze(parse(source), env, { positionals });
  return { checked, source };
}

export function compile(text: string, positionals: readonly string[] = [], opts: { ringBytes?: number; hasKprobes?: boolean; kernelFields?: boolean } = {}): BpfObject {
  const { checked } = check(text, positionals, opts.hasKprobes ?? false);
  return generate(checked, {
    ...(opts.ringBytes === undefined ? {} : { ringBytes: opts.ringBytes }),
    ...(opts.kernelFields === undefined ? {} : { kernelFields: opts.kernelFields }),
  });
}
