// A fixture KernelEnvironment for tests of semantic analysis and codegen: a few tracepoints with
// the layouts this machine's tracefs reports (Linux 6.18, x86-64), and a configurable kprobe story.
import type {
  KernelEnvironment, KernelFunction, KernelValue, TracepointField, TracepointFormat, UserBinaryLookup, UserFunction,
} from '../../lang/env.ts';

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

/** A user-space binary for uprobe resolution: its functions and PT_LOAD segments. */
export interface FakeBinary {
  readonly path: string;
  readonly functions: readonly UserFunction[];
  readonly segments: readonly { readonly vaddr: number; readonly offset: number; readonly fileSize: number }[];
}

const fn = (name: string, address: number, size: number, ifunc = false): UserFunction => ({ name, address, size, ifunc });

/** uprobe targets by the name a script gives them: a non-PIE program whose text segment is
 *  loaded at 0x401000 from file offset 0x1000, and a libc (PIE-like, text at 0x28000/0x28000). */
export const FAKE_BINARIES: Readonly<Record<string, FakeBinary>> = (() => {
  const app: FakeBinary = {
    path: '/opt/app/bin/app',
    functions: [fn('main', 0x401140, 0x40), fn('add', 0x401180, 0x20), fn('add_one', 0x4011a0, 0x10), fn('sub', 0x4011c0, 0x10)],
    segments: [
      { vaddr: 0x400000, offset: 0, fileSize: 0x1000 },
      { vaddr: 0x401000, offset: 0x1000, fileSize: 0x1000 },
    ],
  };
  const libc: FakeBinary = {
    path: '/lib/x86_64-linux-gnu/libc.so.6',
    functions: [fn('malloc', 0x2a0a0, 0x200), fn('free', 0x2a2a0, 0x100), fn('getpid', 0x2b000, 0x10), fn('memcpy', 0x2c000, 0x40, true), fn('__memcpy_avx_unaligned', 0x2d000, 0x300)],
    segments: [
      { vaddr: 0, offset: 0, fileSize: 0x28000 },
      { vaddr: 0x28000, offset: 0x28000, fileSize: 0x10000 },
    ],
  };
  return { [app.path]: app, app, [libc.path]: libc, libc };
})();

function fakeLookup(binaries: Readonly<Record<string, FakeBinary>>, target: string): UserBinaryLookup {
  const b = binaries[target];
  if (!b) return { kind: 'error', message: `cannot probe '${target}': no such file`, hint: 'give a path' };
  return {
    kind: 'found',
    path: b.path,
    functions: b.functions,
    fileOffset: (v) => {
      const seg = b.segments.find((s) => v >= s.vaddr && v < s.vaddr + s.fileSize);
      return seg ? v - seg.vaddr + seg.offset : undefined;
    },
  };
}

const kint = (cType: string, size: number, signed: boolean): KernelValue => ({ cType, shape: { kind: 'int', size, signed } });
const kptr = (cType: string): KernelValue => ({ cType, shape: { kind: 'pointer' } });

/** Kernel function signatures as this machine's BTF has them (ids from /sys/kernel/btf/vmlinux,
 *  Linux 6.18), plus two made-up shapes: a void function and a struct passed by value. */
export const FAKE_KERNEL_FUNCTIONS: readonly KernelFunction[] = [
  {
    name: 'do_sys_openat2',
    btfId: 76201,
    params: [{ name: 'dfd', ...kint('int', 4, true) }, { name: 'filename', ...kptr('const char *') }, { name: 'how', ...kptr('struct open_how *') }],
    returns: kint('int', 4, true),
  },
  {
    name: 'vfs_read',
    btfId: 119873,
    params: [
      { name: 'file', ...kptr('struct file *') },
      { name: 'buf', ...kptr('char *') },
      { name: 'count', ...kint('size_t', 8, false) },
      { name: 'pos', ...kptr('loff_t *') },
    ],
    returns: kint('ssize_t', 8, true),
  },
  { name: '__x64_sys_openat', btfId: 80001, params: [{ name: 'regs', ...kptr('const struct pt_regs *') }], returns: kint('long int', 8, true) },
  { name: 'fake_void_fn', btfId: 90001, params: [{ name: 'flag', ...kint('bool', 1, false) }], returns: { cType: 'void', shape: { kind: 'void' } } },
  {
    name: 'fake_by_value',
    btfId: 90002,
    params: [{ name: 'ts', cType: 'struct timespec64', shape: { kind: 'other', size: 16 } }, { name: 'small', ...kint('short int', 2, true) }],
    returns: kint('unsigned char', 1, false),
  },
];

export interface FakeEnvOptions {
  /** Whether fentry/fexit programs can run; default false, as on this machine's kernel. */
  readonly hasFentry?: boolean;
  /** Functions in the kernel's BTF; default FAKE_KERNEL_FUNCTIONS. */
  readonly kernelFunctions?: readonly KernelFunction[];
  /** uprobe targets; default FAKE_BINARIES. */
  readonly binaries?: Readonly<Record<string, FakeBinary>>;
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
    listKernelFunctions: (glob) => [...(opts.symbols ?? [])].filter((n) => globToRegExp(glob).test(n)).sort(),
    resolveUserBinary: (target) => fakeLookup(opts.binaries ?? FAKE_BINARIES, target),
    hasFentry: opts.hasFentry ?? false,
    kernelFunction: (name) => (opts.kernelFunctions ?? FAKE_KERNEL_FUNCTIONS).find((f) => f.name === name),
  };
}
