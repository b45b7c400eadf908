// Builtin identifiers (`pid`, `comm`, `arg0`, ...): their types and which probes allow them.
import type { CheckedAttach } from '../checked.ts';
import { DEFAULT_STACK_LIMIT, s64, stringType, u32, u64, type Type } from '../types.ts';
import { fexitRetvalType } from './fentry.ts';
import type { ProbeKind } from './probes.ts';

/** What the builtins of one probe depend on. */
export interface ProbeContext {
  /** Probe kinds as written, one per attach point; undefined where the provider was invalid. */
  readonly kinds: readonly (ProbeKind | undefined)[];
  readonly attaches: readonly CheckedAttach[];
  /** Whether the run has a `-c CMD` child, which `cpid` names. */
  readonly hasChild?: boolean;
}

export type BuiltinResult =
  | { readonly ok: true; readonly type: Type }
  /** `unknown`: no builtin has this name (it may still be a kernel enum constant). */
  | { readonly ok: false; readonly message?: string; readonly unknown?: boolean };

const SIMPLE: ReadonlyMap<string, Type> = new Map<string, Type>([
  ['pid', u32],
  ['tid', u32],
  ['uid', u64],
  ['gid', u64],
  ['nsecs', u64],
  ['elapsed', u64],
  ['cpu', u32],
  ['comm', stringType(16)],
  // The parent process's comm (bpftrace HEAD): curtask->real_parent->comm.
  ['pcomm', stringType(16)],
  // Typed as `struct task_struct *` by infer.ts when the kernel has BTF.
  ['curtask', u64],
  ['cgroup', u64],
  // The parent process's pid (bpftrace HEAD): curtask->real_parent->tgid.
  ['ppid', u32],
  ['rand', u32],
  ['jiffies', u64],
  ['numaid', u32],
]);

/** bpftrace builtins tsbpf does not implement yet. */
const UNSUPPORTED = new Set([
  'ctx', 'username', 'usermode', 'ncpus', 'probetype', 'sarg0', 'sarg1', 'sarg2', 'sarg3', 'sarg4', 'sarg5',
  'arg6', 'arg7', 'arg8', 'arg9',
]);

/** Kinds of the probe where every attach point is known; empty when some provider was invalid. */
function knownKinds(ctx: ProbeContext): ProbeKind[] {
  return ctx.kinds.every((k) => k !== undefined) ? (ctx.kinds as ProbeKind[]) : [];
}

function usedHere(ctx: ProbeContext, allowed: readonly ProbeKind[]): string {
  const other = knownKinds(ctx).find((k) => !allowed.includes(k));
  return other === 'begin' || other === 'end' ? other.toUpperCase() : (other ?? allowed[0]!);
}

const ARG_KINDS: readonly ProbeKind[] = ['kprobe', 'uprobe'];
const RETVAL_KINDS: readonly ProbeKind[] = ['kretprobe', 'uretprobe', 'fexit'];
const ARGS_KINDS: readonly ProbeKind[] = ['tracepoint', 'fentry', 'fexit'];
const isFentry = (k: ProbeKind) => k === 'fentry' || k === 'fexit';
const FUNC_KINDS: readonly ProbeKind[] = ['kprobe', 'kretprobe', 'uprobe', 'uretprobe', 'fentry', 'fexit'];

/**
 * The value of `func` in a program attached at `a`: the probed function's name, known at compile
 * time since each attach point gets its own program. (bpftrace 0.17 symbolizes the instruction
 * pointer instead, which in a uretprobe names the caller.) An address probe keeps its address.
 */
export function funcName(a: CheckedAttach): string {
  const r = a.resolved;
  switch (r.kind) {
    case 'kprobe':
    case 'fentry':
      return r.fn;
    case 'uprobe': {
      const plus = r.fn.indexOf('+');
      return plus < 0 ? r.fn : r.fn.slice(0, plus);
    }
    case 'tracepoint':
      // A kprobe on a syscall redirected to its tracepoint: the function a kprobe would have hit.
      if (r.fallbackFrom) return /^sys_/.test(r.fallbackFrom.fn) ? `__x64_${r.fallbackFrom.fn}` : r.fallbackFrom.fn;
      return '';
    default:
      return '';
  }
}

/**
 * The type of builtin `name` in a probe, or why it is not available. `ok: false` without a
 * message means an earlier error (an invalid attach point) already explains the problem.
 */
export function builtinType(name: string, ctx: ProbeContext): BuiltinResult {
  const simple = SIMPLE.get(name);
  if (simple) return { ok: true, type: simple };
  const kinds = knownKinds(ctx);
  const only = (...allowed: ProbeKind[]): boolean => kinds.length > 0 && kinds.every((k) => allowed.includes(k));
  if (name === 'cpid') {
    if (!ctx.hasChild) return { ok: false, message: 'cpid cannot be used without child command (-c CMD)' };
    return { ok: true, type: u32 };
  }
  if (name === 'kstack' || name === 'ustack') {
    return { ok: true, type: { kind: 'stack', user: name === 'ustack', limit: DEFAULT_STACK_LIMIT, mode: 'bpftrace' } };
  }
  if (name === 'func') {
    if (kinds.length === 0) return { ok: false };
    if (!only(...FUNC_KINDS)) {
      const bad = ctx.attaches.find((a) => funcName(a) === '');
      return { ok: false, message: `The func builtin can not be used with '${bad?.attachPoint.provider ?? usedHere(ctx, FUNC_KINDS)}' probes` };
    }
    const longest = Math.max(0, ...ctx.attaches.map((a) => utf8Length(funcName(a))));
    return { ok: true, type: stringType(longest + 1) };
  }
  if (name === 'probe') {
    const longest = Math.max(0, ...ctx.attaches.map((a) => utf8Length(a.probeName)));
    return { ok: true, type: stringType(longest + 1) };
  }
  const argN = /^arg([0-5])$/.exec(name);
  if (argN) {
    if (kinds.length === 0) return { ok: false };
    if (!only(...ARG_KINDS)) {
      const what = kinds.some((k) => k === 'uprobe' || k === 'uretprobe') ? 'kprobe and uprobe' : 'kprobe';
      return { ok: false, message: `The ${name} builtin can only be used with ${what} probes (${usedHere(ctx, ARG_KINDS)} used here)` };
    }
    const n = Number(argN[1]);
    for (const a of ctx.attaches) {
      if (a.resolved.kind !== 'tracepoint') continue;
      // On the syscall-tracepoint fallback argN is the syscall's Nth argument, so it must exist.
      const count = a.resolved.format.fields.filter((f) => f.name !== '__syscall_nr').length;
      if (n >= count) {
        const tp = `${a.resolved.format.category}:${a.resolved.format.event}`;
        return {
          ok: false,
          message: `${name} is not available in ${a.probeName}: it runs on tracepoint:${tp}, whose syscall has ${count} argument${count === 1 ? '' : 's'}`,
        };
      }
    }
    return { ok: true, type: u64 };
  }
  if (name === 'retval') {
    if (kinds.length === 0) return { ok: false };
    if (!only(...RETVAL_KINDS)) {
      const what = kinds.some(isFentry)
        ? 'kretprobe, uretprobe and fexit'
        : kinds.some((k) => k === 'uprobe' || k === 'uretprobe') ? 'kretprobe and uretprobe' : 'kretprobe';
      return { ok: false, message: `The retval builtin can only be used with ${what} probes (${usedHere(ctx, RETVAL_KINDS)} used here)` };
    }
    const fexit = fexitRetvalType(ctx.attaches);
    if (fexit && 'message' in fexit) return { ok: false, message: fexit.message };
    return { ok: true, type: fexit ?? s64 };
  }
  if (name === 'args') {
    if (kinds.length === 0) return { ok: false };
    if (!only(...ARGS_KINDS)) {
      const what = kinds.some(isFentry) ? 'tracepoint and fentry/fexit' : 'tracepoint';
      return { ok: false, message: `The args builtin can only be used with ${what} probes (${usedHere(ctx, ARGS_KINDS)} used here)` };
    }
    // `args` has no value type of its own; FieldAccess resolves `args.f`.
    return { ok: true, type: u64 };
  }
  if (UNSUPPORTED.has(name)) return { ok: false, message: `The ${name} builtin is not supported yet` };
  return { ok: false, message: `Unknown identifier: '${name}'`, unknown: true };
}

export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}
