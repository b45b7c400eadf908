// fentry/fexit attach points (`fentry:vfs_read`, aliases f/kfunc, fexit/fr/kretfunc): the
// function's BTF signature, and on kernels that cannot run tracing programs either the syscall
// tracepoint fallback (as kprobe:sys_NAME does without kprobes) or an error that says why.
import type { AttachPoint } from '../ast.ts';
import type { FentryParam, FieldInfo, ResolvedAttach } from '../checked.ts';
import type { KernelEnvironment, KernelValue } from '../env.ts';
import { intType, type IntBits, type Type } from '../types.ts';
import { fieldType } from './fields.ts';

export type FentryResolution =
  | { readonly ok: true; readonly resolved: ResolvedAttach; readonly probeName: string; readonly notice?: string }
  | { readonly ok: false; readonly message: string; readonly notes?: readonly string[]; readonly missing?: true };

export const NO_FENTRY = 'this kernel cannot run fentry/fexit programs (BPF_PROG_TYPE_TRACING)';

/** The NAME of `sys_NAME`, `__x64_sys_NAME` or `__se_sys_NAME`, else undefined. */
function syscallOf(fn: string): string | undefined {
  return /^(?:__x64_|__se_)?sys_(\w+)$/.exec(fn)?.[1];
}

export function resolveFentry(ap: AttachPoint, kind: 'fentry' | 'fexit', env: KernelEnvironment): FentryResolution {
  const fail = (message: string, notes?: readonly string[], missing?: true): FentryResolution => ({
    ok: false,
    message,
    ...(notes ? { notes } : {}),
    ...(missing ? { missing } : {}),
  });
  // `fentry:fn` or `fentry:vmlinux:fn` (newer bpftrace names the module).
  if (ap.parts.length < 1 || ap.parts.length > 2) return fail(`${kind} probe type requires 1 argument`);
  const fn = ap.parts[ap.parts.length - 1]!;
  const written = `${kind}:${ap.parts.join(':')}`;
  if (fn === '') return fail(`${kind} probe type requires a function name`);
  if (ap.parts.length === 2 && ap.parts[0] !== 'vmlinux') {
    return fail(`${written}: functions of kernel modules are not supported yet (only vmlinux)`);
  }
  if (fn.includes('*') || fn.includes('?')) return fail(`${written}: wildcards in ${kind} function names are not supported yet`);
  const probeName = `${kind}:${fn}`;

  if (!env.hasFentry) {
    const sys = syscallOf(fn);
    if (sys !== undefined) {
      const event = `${kind === 'fentry' ? 'sys_enter_' : 'sys_exit_'}${sys}`;
      const format = env.tracepointFormat('syscalls', event);
      if (format) {
        return {
          ok: true,
          resolved: { kind: 'tracepoint', format, fallbackFrom: { provider: kind, fn } },
          probeName,
          notice: `${kind}:${fn}: ${NO_FENTRY}; attaching to tracepoint:syscalls:${event} instead`,
        };
      }
    }
    const alternative = env.hasKprobes
      ? `use ${kind === 'fentry' ? 'kprobe' : 'kretprobe'}:${fn} instead, or a tracepoint`
      : 'this kernel has no kprobes either; use a tracepoint instead (list them with: tsbpf -l \'tracepoint:*\')';
    return fail(`${written}: ${NO_FENTRY}, so kernel functions cannot be probed this way`, [`HINT: ${alternative}`], true);
  }

  let sig = env.kernelFunction?.(fn);
  const sys = syscallOf(fn);
  // Since 4.17 x86-64 syscalls are `__x64_sys_NAME`; scripts still say `sys_NAME`.
  if (!sig && sys !== undefined && fn === `sys_${sys}`) sig = env.kernelFunction?.(`__x64_sys_${sys}`);
  if (!sig) return fail(`${written}: no kernel function named '${fn}' in the kernel's BTF (/sys/kernel/btf/vmlinux)`, undefined, true);
  const params: FentryParam[] = [];
  let offset = 0;
  for (const p of sig.params) {
    params.push({ ...p, offset });
    offset += 8 * (p.shape.kind === 'other' ? Math.max(1, Math.ceil(p.shape.size / 8)) : 1);
  }
  return {
    ok: true,
    resolved: { kind: 'fentry', fn: sig.name, btfId: sig.btfId, ret: kind === 'fexit', params, returns: sig.returns, retOffset: offset },
    probeName,
  };
}

/** The type a parameter or return value reads as, or undefined if tsbpf cannot read it. */
export function kernelValueType(v: KernelValue): Type | undefined {
  switch (v.shape.kind) {
    case 'pointer':
      return intType(64, false);
    case 'int': {
      const size = v.shape.size;
      if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return undefined;
      return intType((size * 8) as IntBits, v.shape.signed);
    }
    default:
      return undefined;
  }
}

export type FuncArgResult =
  | { readonly ok: true; readonly type: Type; readonly info: FieldInfo }
  | { readonly ok: false; readonly message: string; readonly notes?: readonly string[] };

type FentryAttach = Extract<ResolvedAttach, { kind: 'fentry' }>;

/** `args.NAME` in an fentry/fexit probe: parameter NAME, read from its ctx slot. */
export function funcArgField(r: FentryAttach, name: string): FuncArgResult {
  const p = r.params.find((x) => x.name === name);
  if (!p) {
    return {
      ok: false,
      message: `Can't find function parameter ${name} of ${r.fn}`,
      notes: [`parameters of ${r.fn}: ${r.params.map((x) => `${x.cType}${x.cType.endsWith('*') ? '' : ' '}${x.name}`).join(', ') || '(none)'}`],
    };
  }
  const size = p.shape.kind === 'int' ? p.shape.size : 8;
  const field = { name, cType: p.cType, offset: p.offset, size, signed: p.shape.kind === 'int' && p.shape.signed, isCharArray: false };
  const plain = kernelValueType(p) && fieldType(field);
  // A pointer with a known BTF target can be followed (`args.file->f_path`).
  const target = p.shape.kind === 'pointer' ? p.shape.target : undefined;
  const type = plain && target !== undefined ? { ...plain, pointee: { id: target, cType: p.cType.replace(/\s*\*$/, '') } } : plain;
  if (!type) return { ok: false, message: `Parameter '${name}' of ${r.fn} has type '${p.cType}', which tsbpf can not read yet` };
  return { ok: true, type, info: { kind: 'funcArg', field } };
}

/**
 * The type of `retval` when every attach point of the probe is an fexit on a function: the
 * return type from BTF (one probe on several functions whose return types differ reads int64).
 * Undefined when some attach point is not an fexit (kretprobe, or a syscall tracepoint
 * fallback: retval is then the int64 it always is). A message when a function returns nothing
 * tsbpf can read.
 */
export function fexitRetvalType(attaches: readonly { readonly resolved: ResolvedAttach }[]): Type | { readonly message: string } | undefined {
  const fexits = attaches.map((a) => a.resolved).filter((r): r is FentryAttach => r.kind === 'fentry' && r.ret);
  if (fexits.length === 0 || fexits.length !== attaches.length) return undefined;
  let result: Type | undefined;
  for (const r of fexits) {
    const t = kernelValueType(r.returns);
    if (!t) {
      const what = r.returns.shape.kind === 'void' ? 'returns void' : `returns '${r.returns.cType}', which tsbpf can not read yet`;
      return { message: `The retval builtin is not available in fexit:${r.fn}: ${r.fn} ${what}` };
    }
    if (result && JSON.stringify(result) !== JSON.stringify(t)) return intType(64, true);
    result = t;
  }
  return result;
}
