// The output of semantic analysis (lang/semantic/): the AST plus everything later stages need,
// so that codegen never re-derives types or re-resolves probes. This is the contract between
// lang/ and codegen/.
import type { AttachPoint, Builtin, Call, Deref, Expr, FieldAccess, Index, MapAccess, Probe, Program, ScratchVar } from './ast.ts';
import type { Span } from './source.ts';
import type { KernelValue, TracepointField, TracepointFormat } from './env.ts';
import type { Type } from './types.ts';


/** What to do with a probe this system does not have (`config = { missing_probes = ... }`):
 *  fail (the default), warn and go on without it, or go on silently. */
export type MissingProbes = 'error' | 'warn' | 'ignore';

/** A script's `config = { ... }` settings that tsbpf acts on. */
export interface ScriptConfig {
  readonly missingProbes: MissingProbes;
}

/** Where a probe attaches, after aliases, wildcards and kernel fallbacks are resolved. */
export type ResolvedAttach =
  | { readonly kind: 'begin' }
  | { readonly kind: 'end' }
  | {
      readonly kind: 'tracepoint';
      readonly format: TracepointFormat;
      /**
       * Set when a `kprobe:sys_NAME`/`kretprobe:sys_NAME` was redirected to
       * syscalls:sys_enter_NAME/sys_exit_NAME because the kernel has no kprobes (or an
       * fentry/fexit one because it cannot run tracing programs). Then argN reads
       * the syscall's Nth argument (record offset 16 + 8N) and retval the `ret` field.
       */
      readonly fallbackFrom?: { readonly provider: 'kprobe' | 'kretprobe' | 'fentry' | 'fexit'; readonly fn: string };
    }
  | {
      readonly kind: 'kprobe';
      /** The kernel symbol to attach to (already mapped to `__x64_sys_NAME` when needed). */
      readonly fn: string;
      readonly offset: number;
      readonly ret: boolean;
    }
  | {
      readonly kind: 'uprobe';
      /** The binary or library as resolved (`/lib/x86_64-linux-gnu/libc.so.6`). */
      readonly path: string;
      /** The function (or `0x...` address) as it appears in the probe name. */
      readonly fn: string;
      /** File offset of the probe point in `path` (the uprobe PMU's probe offset). */
      readonly offset: number;
      readonly ret: boolean;
    }
  | {
      /** fentry/fexit: a BPF_PROG_TYPE_TRACING program on a kernel function's BTF id. Its ctx is
       *  an array of u64 slots: the parameters, then in fexit the return value. */
      readonly kind: 'fentry';
      readonly fn: string;
      readonly btfId: number;
      /** fexit (true) or fentry. */
      readonly ret: boolean;
      /** The parameters with the ctx offset each is read from: 8 bytes per slot, and a struct
       *  passed by value takes as many slots as it has 8-byte words. */
      readonly params: readonly FentryParam[];
      readonly returns: KernelValue;
      /** ctx offset of the return value (fexit): right after the parameters' slots. */
      readonly retOffset: number;
    }
  | { readonly kind: 'interval'; readonly periodNs: bigint }
  | { readonly kind: 'profile'; readonly hz: number }
  | {
      /** software:EVENT[:COUNT] / hardware:EVENT[:COUNT]: a perf counter on every CPU that runs
       *  the program once every `period` events. */
      readonly kind: 'perf_counter';
      readonly counter: 'software' | 'hardware';
      /** The event's canonical name (`page-faults` for `faults`), see semantic/perf-counters.ts. */
      readonly event: string;
      readonly period: bigint;
    };

/** A parameter of an fentry/fexit function and where the program's ctx holds it. */
export interface FentryParam extends KernelValue {
  readonly name: string;
  readonly offset: number;
}

export interface CheckedAttach {
  readonly attachPoint: AttachPoint;
  readonly resolved: ResolvedAttach;
  /** Canonical name, the value of the `probe` builtin: `tracepoint:syscalls:sys_enter_openat`. */
  readonly probeName: string;
  /** A one-line notice for stderr (e.g. the kprobe-to-tracepoint fallback), if any. */
  readonly notice?: string;
}

export interface CheckedProbe {
  readonly probe: Probe;
  /** Index of the probe in the program. */
  readonly index: number;
  /** One entry per concrete attach point (wildcards expanded). Codegen emits one program each. */
  readonly attaches: readonly CheckedAttach[];
  /** Every scratch variable of this probe with its type (scope is the whole probe for now). */
  readonly variables: ReadonlyMap<string, Type>;
}

/** A map used by the program, with key and value types consistent across all probes. */
export interface MapInfo {
  /** `@` for the anonymous map, else `@name`. */
  readonly name: string;
  /** Key types in order; empty for a scalar map (`@x = 1`). */
  readonly keys: readonly Type[];
  /** An IntType/StringType for plain assignment, an AggType for count()/sum()/... */
  readonly value: Type;
  /** First place the map appears, for diagnostics. */
  readonly span: Span;
  /** `let @m = lruhash(N);`: evict least recently used entries, and hold at most N. */
  readonly decl?: { readonly lru: boolean; readonly maxEntries: number };
}

/** One piece of a parsed printf format string. */
export type FormatPart =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'conv';
      /** The whole directive as written, e.g. `%-10lu`. */
      readonly spec: string;
      readonly flags: string;
      readonly width?: number;
      readonly precision?: number;
      /** Length modifier as written (`l`, `ll`, `h`, `hh`, `z`, `j`, `t`), ignored for output. */
      readonly length: string;
      /** d i u x X o c s p */
      readonly conversion: string;
      /** Index into the printf's argument list. */
      readonly arg: number;
    };

export interface PrintfInfo {
  /** Index in CheckedProgram.printfs; also the event id codegen writes. */
  readonly id: number;
  readonly call: Call;
  readonly parts: readonly FormatPart[];
  /** Types of the arguments after the format string. */
  readonly argTypes: readonly Type[];
}

/** How a field access resolved: a tracepoint record field, or (`kind: 'funcArg'`) a parameter of
 *  an fentry/fexit function, described as the field of the ctx slot it is read from (its
 *  FentryParam.offset, the parameter's size and signedness). */
export interface FieldInfo {
  readonly kind: 'tracepoint' | 'funcArg';
  readonly field: TracepointField;
}

/**
 * How a kernel struct member access (`p->f`, `p.f` on a BTF-typed pointer, `r.f` inside an
 * embedded struct) resolved. Its address is `object + offset` when `via` is 'pointer' (the object
 * is a pointer value), or the object's own address + offset when `via` is 'record' (the object is
 * an embedded struct member, itself a FieldAccess with a MemberInfo). A member of a struct type
 * is never read by itself; anything else is read with `size` bytes from that address (strings:
 * char arrays; integers and pointers: extended per the expression's type).
 */
export interface MemberInfo {
  readonly via: 'pointer' | 'record';
  readonly offset: number;
  readonly size: number;
  readonly record: boolean;
  /** The struct lives in user memory (read with probe_read_user). */
  readonly user?: boolean;
  /** A bitfield: bits [shift, shift + bits) of the `size` bytes read. */
  readonly bitfield?: { readonly shift: number; readonly bits: number };
}

/**
 * How `e[i]` resolved: which bytes element i is, read as the expression's integer type.
 * - `context`: an element of a tracepoint array field, a load at `offset` in the program's context;
 * - `pointer`: `offset` bytes past the address the pointer `e.object` holds; `space` is where
 *   that memory is (`program`: where this program's plain pointers point, user memory for
 *   syscall tracepoints and uprobes);
 * - `member`: `offset` bytes into the kernel struct array member `e.object` (a FieldAccess with
 *   a MemberInfo).
 */
export type IndexInfo =
  | { readonly kind: 'context'; readonly offset: number; readonly size: 1 | 2 | 4 | 8 }
  | { readonly kind: 'pointer'; readonly offset: number; readonly size: 1 | 2 | 4 | 8; readonly space: 'user' | 'kernel' | 'program' }
  | { readonly kind: 'member'; readonly offset: number; readonly size: 1 | 2 | 4 | 8; readonly user?: boolean };

export interface CheckedProgram {
  readonly program: Program;
  /** The script's `config = { ... }` settings, defaults filled in. */
  readonly config: ScriptConfig;
  readonly probes: readonly CheckedProbe[];
  readonly maps: ReadonlyMap<string, MapInfo>;
  readonly printfs: readonly PrintfInfo[];
  /** Positional parameters as given on the command line ($1 is index 0). */
  readonly positionals: readonly string[];
  /** The type of every expression in the program. Throws for an expression it never saw. */
  typeOf(e: Expr): Type;
  /** The resolved field of an `args.x` / `args->x` access in the program for `attach`
   *  (one probe may attach to several tracepoints whose layouts differ). */
  fieldOf(e: FieldAccess, attach: CheckedAttach): FieldInfo;
  /** Where element `e[i]` (or `*e`, element 0) is, for the program of `attach` (tracepoint
   *  layouts differ). */
  indexOf?(e: Index | Deref, attach: CheckedAttach): IndexInfo;
  /** The resolution of a kernel struct member access, or undefined for `args.f` (see fieldOf). */
  memberOf?(e: FieldAccess): MemberInfo | undefined;
  /** The value of a bare identifier that names a kernel enumerator (`TCP_ESTABLISHED`), or
   *  undefined for a real builtin. */
  constantOf?(e: Builtin | Call): bigint | undefined;
  /** The printf a `printf(...)` call was assigned. */
  printfOf(e: Call): PrintfInfo;
  /** The map an access refers to. */
  mapOf(e: MapAccess): MapInfo;
  /** The declared type of a scratch variable in a probe. */
  variableType(probe: CheckedProbe, v: ScratchVar): Type;
}
