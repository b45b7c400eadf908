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

/** A defined function of a user-space binary (ELF symbol), for uprobes. */
export interface UserFunction {
  readonly name: string;
  /** The symbol's virtual address (st_value). */
  readonly address: number;
  readonly size: number;
  /** An indirect function (STT_GNU_IFUNC): the symbol is the resolver, not the implementation. */
  readonly ifunc: boolean;
}

/** A uprobe target resolved to a file and its functions, or why it could not be. */
export type UserBinaryLookup =
  | {
      readonly kind: 'found';
      /** The path as probes name it (bare names resolved through PATH / the ld.so cache). */
      readonly path: string;
      readonly functions: readonly UserFunction[];
      /** The file offset virtual address `vaddr` is loaded from (what the uprobe PMU takes),
       *  or undefined if no loadable segment maps it. */
      fileOffset(vaddr: number): number | undefined;
    }
  | { readonly kind: 'error'; readonly message: string; readonly hint?: string };

/** What a kernel function's parameter or return value is, from BTF (typedefs and qualifiers
 *  looked through): integers (incl. enums, bool, char) by size and signedness, pointers, or a
 *  value tsbpf cannot read (a struct passed by value, a float). */
export type KernelValueShape =
  | { readonly kind: 'int'; readonly size: number; readonly signed: boolean }
  /** `target`: the BTF id of what it points to (0 for void), when known. */
  | { readonly kind: 'pointer'; readonly target?: number }
  | { readonly kind: 'void' }
  | { readonly kind: 'other'; readonly size: number };

export interface KernelValue {
  /** The C type as declared, e.g. `const char *`, `size_t`, `struct file *`. */
  readonly cType: string;
  readonly shape: KernelValueShape;
}

/** A kernel function's signature from BTF (/sys/kernel/btf/vmlinux), for fentry/fexit probes. */
export interface KernelFunction {
  readonly name: string;
  /** The BTF id of the FUNC: BPF_PROG_LOAD's attach_btf_id. */
  readonly btfId: number;
  readonly params: readonly (KernelValue & { readonly name: string })[];
  readonly returns: KernelValue;
}

/** What a BTF type is as a value, typedefs and qualifiers looked through. */
export type KernelTypeShape =
  /** Integers, enums, bool, char. */
  | { readonly kind: 'int'; readonly size: number; readonly signed: boolean }
  | { readonly kind: 'pointer'; readonly target: number }
  /** A struct or union by its BTF id (after typedefs). */
  | { readonly kind: 'record'; readonly id: number; readonly size: number }
  | { readonly kind: 'array'; readonly elem: number; readonly nelems: number; readonly size: number }
  | { readonly kind: 'void' }
  | { readonly kind: 'other'; readonly size: number };

export interface KernelTypeInfo {
  /** The type as C writes it: `struct task_struct`, `pid_t`, `char[16]`, `struct mm_struct *`. */
  readonly cType: string;
  readonly shape: KernelTypeShape;
}

/** One member of a struct/union; anonymous members (name '') hold nested records. */
export interface KernelMember {
  readonly name: string;
  /** BTF type id of the member. */
  readonly type: number;
  /** Offset from the start of the record, in bits. */
  readonly bitOffset: number;
  /** Width of a bitfield in bits; 0 for an ordinary member. */
  readonly bitfieldSize: number;
}

export interface KernelRecord {
  readonly kind: 'struct' | 'union';
  readonly name: string;
  readonly id: number;
  readonly size: number;
  readonly members: readonly KernelMember[];
}

/** The kernel's types from BTF, for struct pointers (`(struct sock *)arg0`, `curtask->pid`). */
export interface KernelTypes {
  /** The BTF id of `struct NAME` / `union NAME`, or undefined if BTF has none. */
  recordId(kind: 'struct' | 'union', name: string): number | undefined;
  /** The struct/union that type `id` is (typedefs looked through), else undefined. */
  record(id: number): KernelRecord | undefined;
  /** What type `id` is (0 is void). */
  describe(id: number): KernelTypeInfo;
  /** The value of enumerator `name` (`TCP_ESTABLISHED`) of any enum in BTF, or undefined if no
   *  enum has one. Optional: absent means enum constants are unknown. */
  enumerator?(name: string): bigint | undefined;
}

/** A cgroup v2 directory's id (what bpf_get_current_cgroup_id returns for its tasks), or why not. */
export type CgroupLookup = { readonly id: bigint } | { readonly error: string };

export interface KernelEnvironment {
  /** The format of tracepoint CAT:EVENT, or undefined if the kernel has no such tracepoint. */
  tracepointFormat(category: string, event: string): TracepointFormat | undefined;
  /** Tracepoints whose `category:event` matches a glob with `*` and `?` (for wildcards). */
  listTracepoints(categoryGlob: string, eventGlob: string): readonly { category: string; event: string }[];
  /** Whether the kernel can attach kprobes at all (CONFIG_KPROBES: kprobe PMU or kprobe_events). */
  readonly hasKprobes: boolean;
  /** Whether `name` is a kernel function symbol (from /proc/kallsyms); undefined if unknown. */
  kernelSymbolExists(name: string): boolean | undefined;
  /**
   * Kernel functions a kprobe can attach to whose names match a glob with `*` and `?`, sorted
   * (for `kprobe:vfs_*`). Optional: absent means wildcards cannot be expanded.
   */
  listKernelFunctions?(glob: string): readonly string[];
  /**
   * Resolves a uprobe target: a path (`/bin/bash`, `./a.out`) or a bare name looked up like
   * bpftrace does (an executable in PATH, else a library such as `libc` in the ld.so cache).
   * Optional: an environment without it cannot resolve uprobes.
   */
  resolveUserBinary?(target: string): UserBinaryLookup;
  /**
   * Whether the kernel can load and attach fentry/fexit (BPF_PROG_TYPE_TRACING) programs.
   * Optional: absent means no.
   */
  readonly hasFentry?: boolean;
  /** The BTF signature of kernel function `name`, or undefined if the kernel's BTF has no such
   *  function (or there is no BTF). Optional: absent means no BTF. */
  kernelFunction?(name: string): KernelFunction | undefined;
  /** The kernel's BTF types, or undefined without BTF. Optional: absent means no BTF. */
  kernelTypes?(): KernelTypes | undefined;
  /** The address of kernel symbol `name` (any type: function or data), for kaddr(); undefined if
   *  /proc/kallsyms has none. Optional: absent means unknown. */
  kernelSymbolAddress?(name: string): bigint | undefined;
  /** The id of the cgroup v2 directory `path`, for cgroupid(). Optional: absent means unknown. */
  cgroupId?(path: string): CgroupLookup;
}
