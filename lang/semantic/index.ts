// Semantic analysis: resolves attach points against the kernel, infers every expression's
// type, fixes map and variable types across probes and reports all errors at once.
import type { Program } from '../ast.ts';
import type { CheckedAttach, CheckedProbe, CheckedProgram, MapInfo } from '../checked.ts';
import { CompileError, DiagnosticBag, type Diagnostic } from '../diagnostics.ts';
import type { KernelEnvironment, KernelTypes } from '../env.ts';
import { s64 } from '../types.ts';
import { checkPass, type PassResult, type ProbeInput } from './infer.ts';
import { resolveAttachPoint, type ProbeKind } from './probes.ts';
import { readConfig, readMapDecls } from './config.ts';
import { makeCheckedProgram } from './result.ts';
import { sameKnowledge, type Knowledge } from './tables.ts';

export interface AnalyzeOptions {
  /** Positional parameters from the command line: `$1` is positionals[0]. */
  readonly positionals: readonly string[];
  /** Whether the run has a `-c CMD` child (makes `cpid` available). */
  readonly hasChild?: boolean;
}

export interface AnalyzeResult {
  readonly checked: CheckedProgram;
  readonly warnings: Diagnostic[];
}

/** Passes are repeated while string slots keep widening; this bounds a pathological program. */
const MAX_PASSES = 32;
/** As bpftrace's max_probes: each attach is a program and a perf event; a runaway wildcard
 *  (`kprobe:*`) would take minutes to load and slow the whole kernel. */
export const MAX_ATTACHES = 1024;

export function analyze(program: Program, env: KernelEnvironment, opts: AnalyzeOptions): AnalyzeResult {
  const attachBag = new DiagnosticBag();
  const config = readConfig(program.config, attachBag);
  const decls = readMapDecls(program.mapDecls, attachBag);
  if (program.probes.length === 0) attachBag.error('No probes to attach');
  const resolveBag = new DiagnosticBag();
  const resolved: ProbeInput[] = program.probes.map((probe, index) => {
    const kinds: (ProbeKind | undefined)[] = [];
    const attaches: CheckedAttach[] = [];
    for (const ap of probe.attachPoints) {
      const r = resolveAttachPoint(ap, env, resolveBag);
      kinds.push(r.kind);
      attaches.push(...r.attaches);
    }
    return { probe, index, ctx: { kinds, attaches, ...(opts.hasChild ? { hasChild: true } : {}) } };
  });
  // missing_probes = warn | ignore: a probe point this system lacks is dropped (with a warning),
  // and a probe left with no attach point at all is not compiled.
  for (const d of resolveBag.items) {
    if (!d.missingProbe || config.missingProbes === 'error') attachBag.items.push(d);
    else if (config.missingProbes === 'warn') attachBag.items.push({ ...d, severity: 'warning' });
  }
  const dropsMissing = config.missingProbes !== 'error';
  // Dropped probes are still checked, so that the maps and types they define stay known to the
  // others (a map assigned only there is printed empty), but not compiled.
  const inputs = resolved;
  const kept = dropsMissing ? resolved.filter((p) => p.ctx.attaches.length > 0) : resolved;
  if (dropsMissing && kept.length === 0 && program.probes.length > 0 && !attachBag.hasErrors) {
    attachBag.error('No probes to attach', undefined, [`every probe is missing on this system (missing_probes = ${config.missingProbes})`]);
  }
  const total = inputs.reduce((n, p) => n + p.ctx.attaches.length, 0);
  if (total > MAX_ATTACHES) {
    attachBag.error(`Can't attach to ${total} probes because it exceeds the limit of ${MAX_ATTACHES} probes`, undefined, [
      'HINT: narrow the wildcards in the attach points',
    ]);
  }

  // Read BTF only if the script follows a kernel struct pointer or names an unknown identifier.
  let types: KernelTypes | undefined | null = null;
  const kernelTypes = (): KernelTypes | undefined => {
    if (types === null) types = env.kernelTypes?.();
    return types;
  };
  let knowledge: Knowledge = { vars: new Map(), maps: new Map() };
  let pass: PassResult;
  for (let i = 0; ; i++) {
    pass = checkPass(inputs, knowledge, opts.positionals, kernelTypes, {
      cgroupId: (path) => env.cgroupId?.(path) ?? { error: 'cgroups cannot be looked up here' },
      symbolAddress: (name) => env.kernelSymbolAddress?.(name),
    });
    if (sameKnowledge(pass.knowledge, knowledge) || i === MAX_PASSES) break;
    knowledge = pass.knowledge;
  }

  const diagnostics = [...attachBag.items, ...pass.bag.items].sort((a, b) => (a.span?.offset ?? -1) - (b.span?.offset ?? -1));
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new CompileError(errors, diagnostics.filter((d) => d.severity === 'warning'));

  const maps = new Map<string, MapInfo>();
  for (const [name, m] of pass.maps) {
    // A map only ever cleared/deleted/printed has no value type: it stays an int map.
    const decl = decls.get(name);
    maps.set(name, { name, keys: m.keys ?? [], value: m.value ?? s64, span: m.span, ...(decl ? { decl } : {}) });
  }
  const probes: CheckedProbe[] = kept.map((p) => ({
    probe: p.probe,
    index: p.index,
    attaches: p.ctx.attaches,
    variables: pass.vars[p.index] ?? new Map(),
  }));
  const checked = makeCheckedProgram({
    program,
    config,
    probes,
    maps,
    printfs: pass.printfs,
    positionals: opts.positionals,
    types: pass.types,
    fields: pass.fields,
    members: pass.members,
    indexes: pass.indexes,
    constants: pass.constants,
    printfOf: pass.printfOf,
    mapOf: pass.mapOf,
  });
  return { checked, warnings: diagnostics.filter((d) => d.severity === 'warning') };
}
