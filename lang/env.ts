// What semantic analysis needs to know about the kernel it compiles for. lang/ only defines
// the question; runtime/kernel-env.ts answers it from tracefs and /proc, tests answer it with
// fixtures. This keeps lang/ free of I/O.

/** One field of a tracepoint record, from tracefs `events/CAT/EVENT/format`. */
export interface TracepointField {
  readonly name: string;
  /** The C declaration's type text, e.g. `const char *`, `int`, `char[16]`. */
  readonly cType: string;
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
  /** A fixed char array (`char comm[16]`): read as a string of `size` bytes. */
  readonly isCharArray: boolean;
}

export interface TracepointFormat {
  readonly category: string;
  readonly event: string;
  /** The tracepoint id (tracefs `id` file), used by perf_event_open. */
  readonly id: number;
  /** Fields after the common_* header, in record order. */
  readonly fields: readonly TracepointField[];
}

export interface KernelEnvironment {
  /** The format of tracepoint CAT:EVENT, or undefined if the kernel has no such tracepoint. */
  tracepointFormat(category: string, event: string): TracepointFormat | undefined;
  /** Tracepoints whose `category:event` matches a glob with `*` and `?` (for wildcards). */
  listTracepoints(categoryGlob: string, eventGlob: string): readonly { category: string; event: string }[];
  /** Whether the kernel can attach kprobes at all (CONFIG_KPROBES: kprobe PMU or kprobe_events). */
  readonly hasKprobes: boolean;
  /** Whether `name` is a kernel function symbol (from /proc/kallsyms); undefined if unknown. */
  kernelSymbolExists(name: string): boolean | undefined;
}
