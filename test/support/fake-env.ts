// A fixture KernelEnvironment for tests of semantic analysis and codegen: a few tracepoints with
// the layouts this machine's tracefs reports (Linux 6.18, x86-64), and a configurable kprobe story.
import type { KernelEnvironment, TracepointField, TracepointFormat } from '../../lang/env.ts';

function field(cType: string, name: string, offset: number, size: number, signed: boolean, isCharArray = false): TracepointField {
  return { name, cType, offset, size, signed, isCharArray };
}

/** Tracepoint formats keyed `category:event`, copied from /sys/kernel/tracing/events/. */
export const FAKE_TRACEPOINTS: readonly TracepointFormat[] = [
  {
    category: 'syscalls',
    event: 'sys_enter_openat',
    id: 782,
    fields: [
      field('int', '__syscall_nr', 8, 4, true),
      field('int', 'dfd', 16, 8, false),
      field('const char *', 'filename', 24, 8, false),
      field('int', 'flags', 32, 8, false),
      field('umode_t', 'mode', 40, 8, false),
    ],
  },
  {
    category: 'syscalls',
    event: 'sys_exit_openat',
    id: 781,
    fields: [field('int', '__syscall_nr', 8, 4, true), field('long', 'ret', 16, 8, true)],
  },
  {
    category: 'syscalls',
    event: 'sys_enter_open',
    id: 784,
    fields: [
      field('int', '__syscall_nr', 8, 4, true),
      field('const char *', 'filename', 16, 8, false),
      field('int', 'flags', 24, 8, false),
      field('umode_t', 'mode', 32, 8, false),
    ],
  },
  {
    category: 'syscalls',
    event: 'sys_enter_execve',
    id: 862,
    fields: [
      field('int', '__syscall_nr', 8, 4, true),
      field('const char *', 'filename', 16, 8, false),
      field('const char *const *', 'argv', 24, 8, false),
      field('const char *const *', 'envp', 32, 8, false),
    ],
  },
  {
    category: 'syscalls',
    event: 'sys_exit_execve',
    id: 861,
    fields: [field('int', '__syscall_nr', 8, 4, true), field('long', 'ret', 16, 8, true)],
  },
  {
    category: 'sched',
    event: 'sched_switch',
    id: 372,
    fields: [
      field('char[16]', 'prev_comm', 8, 16, false, true),
      field('pid_t', 'prev_pid', 24, 4, true),
      field('int', 'prev_prio', 28, 4, true),
      field('long', 'prev_state', 32, 8, true),
      field('char[16]', 'next_comm', 40, 16, false, true),
      field('pid_t', 'next_pid', 56, 4, true),
      field('int', 'next_prio', 60, 4, true),
    ],
  },
  {
    category: 'sched',
    event: 'sched_process_exec',
    id: 358,
    fields: [
      field('__data_loc char[]', 'filename', 8, 4, false),
      field('pid_t', 'pid', 12, 4, true),
      field('pid_t', 'old_pid', 16, 4, true),
    ],
  },
];

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export interface FakeEnvOptions {
  /** Default false, as on this machine's kernel (CONFIG_KPROBES off). */
  readonly hasKprobes?: boolean;
  /** Known kernel symbols; other names answer false. Undefined: every name answers undefined. */
  readonly symbols?: readonly string[];
  readonly tracepoints?: readonly TracepointFormat[];
}

export function fakeEnv(opts: FakeEnvOptions = {}): KernelEnvironment {
  const tps = opts.tracepoints ?? FAKE_TRACEPOINTS;
  const symbols = opts.symbols ? new Set(opts.symbols) : undefined;
  return {
    hasKprobes: opts.hasKprobes ?? false,
    tracepointFormat: (category, event) => tps.find((t) => t.category === category && t.event === event),
    listTracepoints: (categoryGlob, eventGlob) => {
      const c = globToRegExp(categoryGlob);
      const e = globToRegExp(eventGlob);
      return tps.filter((t) => c.test(t.category) && e.test(t.event)).map((t) => ({ category: t.category, event: t.event }));
    },
    kernelSymbolExists: (name) => (symbols ? symbols.has(name) : undefined),
  };
}
