// What codegen hands the runtime: maps to create, programs to load and where to attach them,
// and the layout of every event the programs send to userspace. The runtime creates, loads,
// attaches and decodes from this alone; it never looks at the AST again.
import type { CheckedAttach, FormatPart, MapInfo } from '../lang/checked.ts';
import type { Span } from '../lang/source.ts';
import type { Type } from '../lang/types.ts';
import type { Insn } from './insn.ts';

export type MapKind = 'hash' | 'percpu_hash' | 'lru_hash' | 'lru_percpu_hash' | 'array' | 'percpu_array' | 'ringbuf' | 'stack_trace';

/**
 * Why a map exists. `user` maps hold a script's `@maps`; the others are internal:
 * - `events`: the ring buffer carrying printf/exit/print/clear events (maxEntries = ring size);
 * - `lost`: per-CPU array, element 0 counts events the ring buffer had no room for;
 * - `globals`: array of one element whose value the runtime writes before BEGIN
 *   (see GLOBALS_* offsets below);
 * - `scratch`: per-CPU array used as large temporary storage (strings, tuple keys, records);
 * - `stack`: a stack_trace map bpf_get_stackid fills, one per (kernel/user, frame limit), named
 *   by stackMapName; key u32 stack id, value `limit` u64 instruction pointers (0 after the last).
 */
export type MapRole = 'user' | 'events' | 'lost' | 'globals' | 'scratch' | 'stack';

/** The stack map of kstack(limit) (user = false) or ustack(limit). */
export function stackMapName(user: boolean, limit: number): string {
  return `.${user ? 'u' : 'k'}stack${limit}`;
}

/** Byte offsets in the `globals` map value that the runtime fills in before running BEGIN. */
export const GLOBALS_START_NS = 0; // CLOCK_MONOTONIC (= bpf_ktime_get_ns) at start, for `elapsed`
export const GLOBALS_CPID = 8; // u32: pid of the -c command (0 without one), for `cpid`
export const GLOBALS_SIZE = 16;

export interface FieldLayout {
  readonly offset: number;
  readonly type: Type;
}

export interface MapSpec {
  /** Unique within the object: `@name` / `@` for user maps, `.events`, `.lost`, ... for internal ones. */
  readonly name: string;
  readonly role: MapRole;
  readonly kind: MapKind;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** For user maps: the map's types (for printing) and how keys are laid out in keySize bytes. */
  readonly user?: {
    readonly info: MapInfo;
    readonly keyLayout: readonly FieldLayout[];
    /**
     * hist()/lhist() maps: each entry is one bucket of one user key. The kernel key is the
     * user key fields (keyLayout) followed by a u64 bucket index at this offset; the value is
     * a per-CPU u64 count. The runtime regroups the rows under their user key.
     */
    readonly bucketOffset?: number;
  };
}

/** `tracing`: fentry/fexit (BPF_PROG_TYPE_TRACING); the runtime sets the attach type and BTF id. */
export type ProgType = 'tracepoint' | 'kprobe' | 'perf_event' | 'raw_tracepoint' | 'tracing';

export interface ProgramSpec {
  /** Kernel-visible name (at most 15 chars; the runtime truncates if needed). */
  readonly name: string;
  readonly progType: ProgType;
  /** Where to attach, as resolved by semantic analysis. BEGIN/END programs are raw_tracepoint
   *  programs the runtime runs once with BPF_PROG_TEST_RUN. */
  readonly attach: CheckedAttach;
  /** Index of the probe in the script, to tie verifier errors back to it. */
  readonly probeIndex: number;
  readonly insns: readonly Insn[];
  /** Source span each instruction came from (same length as insns). */
  readonly spans: readonly (Span | undefined)[];
}

/** Kinds of records in the events ring buffer. Every record starts with EventHeader. */
export enum EventKind {
  /** id = printf id; payload = arguments laid out per PrintfLayout. */
  Printf = 1,
  /** payload: int64 exit code at offset 8 (0 for a bare exit()). */
  Exit = 2,
  /** id = index of the map in BpfObject.maps to print now; u64 `top` at PRINT_MAP_TOP and
   *  `div` at PRINT_MAP_DIV (print(@m, top, div); 0: every entry, no division). */
  PrintMap = 3,
  /** id = index of the map in BpfObject.maps to clear now. */
  ClearMap = 4,
  /** time(fmt): id = index of the format in BpfObject.timeFormats; userspace formats the time it receives this. */
  Time = 5,
  /** join(argv[, sep]): id = index of sep in BpfObject.joinDelimiters; payload: JOIN_ARGS
   *  strings of JOIN_ARG_SIZE bytes each (NUL-terminated); the first empty one ends the list. */
  Join = 6,
  /** cat(fmt, args...): like Printf (id = printf id, same layout); userspace prints the file
   *  whose path the formatted text is. */
  Cat = 7,
}

/** Layout of a PrintMap record. */
export const PRINT_MAP_TOP = 8;
export const PRINT_MAP_DIV = 16;
export const PRINT_MAP_RECORD = 24;

/** Elements and bytes per element (NUL included) join() reads, as bpftrace 0.17. */
export const JOIN_ARGS = 16;
export const JOIN_ARG_SIZE = 1024;

/** Every record begins with `u32 kind; u32 id;` (8 bytes); payload follows at offset 8. */
export const EVENT_HEADER_SIZE = 8;

export interface PrintfLayout {
  readonly id: number;
  readonly parts: readonly FormatPart[];
  /** One per printf argument, offsets from the start of the record (>= EVENT_HEADER_SIZE). */
  readonly args: readonly FieldLayout[];
  /** Total record size in bytes. */
  readonly size: number;
}

export interface BpfObject {
  readonly license: string;
  readonly maps: readonly MapSpec[];
  readonly programs: readonly ProgramSpec[];
  readonly printfs: readonly PrintfLayout[];
  /** strftime formats of time() calls, by id (EventKind.Time); absent when there are none. */
  readonly timeFormats?: readonly string[];
  /** Separators of join() calls, by id (EventKind.Join); absent when there are none. */
  readonly joinDelimiters?: readonly string[];
  /** `config = { missing_probes = warn | ignore }`: a probe that fails to attach is skipped
   *  (with a warning) instead of ending the run. Absent means error. */
  readonly missingProbes?: 'warn' | 'ignore';
}
