// What fentry/fexit need from the live kernel: function signatures from its BTF, and whether it
// can run BPF_PROG_TYPE_TRACING programs at all (some kernels build BPF without them: loading
// one returns EPERM with an empty log, as on this project's build VM).
import type { KernelFunction, KernelValue } from '../lang/env.ts';
import type { Btf, TypedValue } from './btf.ts';
import { BPF_TRACE_FENTRY, LoadError, progLoad } from './bpf-syscall.ts';
import { closeFd } from './libc.ts';

/** `r0 = 0; exit`. */
const TRIVIAL = Buffer.from([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

/** Functions present in practically every kernel, to load the probe program against. */
const PROBE_TARGETS = ['bpf_fentry_test1', 'do_sys_openat2', 'vfs_read'];

function kernelValue(v: TypedValue): KernelValue {
  const s = v.shape;
  const shape: KernelValue['shape'] =
    s.kind === 'int' ? { kind: 'int', size: s.size, signed: s.signed }
    : s.kind === 'pointer' ? { kind: 'pointer', target: s.target }
    : s.kind === 'void' ? { kind: 'void' }
    : { kind: 'other', size: s.kind === 'fwd' || s.kind === 'func_proto' ? 0 : s.size };
  return { cType: v.cType, shape };
}

/** Kernel function `name` as semantic analysis sees it, or undefined if BTF has no such FUNC. */
export function kernelFunctionFromBtf(btf: Btf, name: string): KernelFunction | undefined {
  const sig = btf.funcSignature(name);
  if (!sig) return undefined;
  return {
    name: sig.name,
    btfId: sig.id,
    params: sig.params.map((p) => ({ name: p.name, ...kernelValue(p) })),
    returns: kernelValue(sig.returns),
  };
}

function loads(o: Parameters<typeof progLoad>[0]): boolean | 'EPERM' {
  try {
    closeFd(progLoad(o));
    return true;
  } catch (e) {
    if (e instanceof LoadError && (e.code === 'EPERM' || e.code === 'EACCES')) return 'EPERM';
    return false;
  }
}

/**
 * Whether the kernel loads a trivial fentry program. Without privileges every load fails with
 * EPERM; then this answers true so that the run fails later with the privileges diagnostic
 * instead of claiming the kernel lacks fentry.
 */
export function canRunTracingPrograms(btf: Btf | undefined): boolean {
  if (!btf) return false;
  const target = PROBE_TARGETS.map((n) => btf.findFunc(n)).find((id) => id !== undefined);
  if (target === undefined) return false;
  const tracing = loads({ progType: 'tracing', insns: TRIVIAL, license: 'GPL', name: 'tsbpf_probe', expectedAttachType: BPF_TRACE_FENTRY, attachBtfId: target });
  if (tracing !== 'EPERM') return tracing;
  // EPERM: either no tracing programs here, or no privileges for any program at all.
  return loads({ progType: 'raw_tracepoint', insns: TRIVIAL, license: 'GPL', name: 'tsbpf_probe' }) === 'EPERM';
}
