// `config = { name = value; ... }`: the settings a script gives itself (bpftrace 0.21+). tsbpf
// honours missing_probes; the other variables bpftrace knows are accepted with a warning that
// they have no effect here, and any other name is an error, as in bpftrace.
import type { ConfigSetting, MapDecl } from '../ast.ts';
import type { DiagnosticBag } from '../diagnostics.ts';

import type { MissingProbes, ScriptConfig } from '../checked.ts';

export const DEFAULT_CONFIG: ScriptConfig = { missingProbes: 'error' };

/** Config variables of bpftrace (man/adoc/bpftrace.adoc) that tsbpf does not act on. */
const IGNORED = new Set([
  'cache_user_symbols', 'cpp_demangle', 'lazy_symbolication', 'license', 'log_size', 'max_bpf_progs', 'max_cat_bytes',
  'max_map_keys', 'max_probes', 'max_strlen', 'max_type_res_iterations', 'on_stack_limit', 'perf_rb_pages',
  'print_maps_on_exit', 'show_debug_info', 'stack_mode', 'str_trunc_trailer', 'symbol_source', 'use_blazesym',
  'unstable_import', 'unstable_macro', 'unstable_map_decl', 'unstable_tseries', 'unstable_addr', 'unstable_typeinfo',
]);

const MAP_KINDS: Readonly<Record<string, boolean>> = { hash: false, lruhash: true, percpuhash: false, percpulruhash: true };
/** The kernel's limit on a hash map's entries is far higher; this keeps a typo from pinning memory. */
const MAX_DECLARED_ENTRIES = 1 << 24;

/** `let @m = KIND(N);` declarations by map name. Aggregations are per-CPU whatever the kind
 *  says, other values never are; `lru` and N are what a declaration changes. */
export function readMapDecls(decls: readonly MapDecl[] | undefined, bag: DiagnosticBag): Map<string, { lru: boolean; maxEntries: number }> {
  const out = new Map<string, { lru: boolean; maxEntries: number }>();
  for (const d of decls ?? []) {
    const lru = MAP_KINDS[d.mapKind];
    if (lru === undefined) {
      bag.error(`Invalid map type: ${d.mapKind}`, d.span, ['HINT: maps are declared as hash(N), lruhash(N), percpuhash(N) or percpulruhash(N)']);
    } else if (d.maxEntries < 1n || d.maxEntries > BigInt(MAX_DECLARED_ENTRIES)) {
      bag.error(`${d.name}: the number of entries must be between 1 and ${MAX_DECLARED_ENTRIES} (${d.maxEntries} given)`, d.span);
    } else if (out.has(d.name)) {
      bag.error(`${d.name} is declared more than once`, d.span);
    } else {
      out.set(d.name, { lru, maxEntries: Number(d.maxEntries) });
    }
  }
  return out;
}

export function readConfig(settings: readonly ConfigSetting[] | undefined, bag: DiagnosticBag): ScriptConfig {
  let missingProbes: MissingProbes = DEFAULT_CONFIG.missingProbes;
  for (const s of settings ?? []) {
    // bpftrace also accepts the BPFTRACE_ environment variable spelling, upper case.
    const name = s.name.toLowerCase().replace(/^bpftrace_/, '');
    if (name === 'missing_probes') {
      if (s.value === 'error' || s.value === 'warn' || s.value === 'ignore') missingProbes = s.value;
      else bag.error(`Invalid value for missing_probes: ${String(s.value)}`, s.span, ['HINT: valid values are error, warn and ignore']);
    } else if (IGNORED.has(name)) {
      bag.warning(`config variable ${s.name} has no effect in tsbpf; it is ignored`, s.span);
    } else {
      bag.error(`Unrecognized config variable: ${s.name}`, s.span);
    }
  }
  return { missingProbes };
}
