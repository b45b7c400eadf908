// `config = { name = value; ... }`: the settings a script gives itself (bpftrace 0.21+). tsbpf
// honours missing_probes; the other variables bpftrace knows are accepted with a warning that
// they have no effect here, and any other name is an error, as in bpftrace.
import type { ConfigSetting } from '../ast.ts';
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
