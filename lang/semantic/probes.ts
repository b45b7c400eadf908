// Attach-point resolution: aliases, units, tracepoint and uprobe wildcards, uprobe symbols and the
// kprobe-to-tracepoint fallback on kernels without kprobes (fentry/fexit: ./fentry.ts). Produces one
// CheckedAttach per concrete attach point.
import type { AttachPoint } from '../ast.ts';
import type { CheckedAttach, ResolvedAttach } from '../checked.ts';
import type { DiagnosticBag } from '../diagnostics.ts';
import type { KernelEnvironment, UserFunction } from '../env.ts';
import { resolveFentry } from './fentry.ts';
import { counterEvent, HARDWARE_EVENTS, SOFTWARE_EVENTS } from './perf-counters.ts';

/** The probe type as the user wrote it (a kprobe that fell back to a tracepoint stays 'kprobe'). */
export type ProbeKind =
  | 'begin' | 'end' | 'tracepoint' | 'kprobe' | 'kretprobe' | 'uprobe' | 'uretprobe' | 'fentry' | 'fexit' | 'interval' | 'profile'
  | 'software' | 'hardware';

export interface ResolvedAttachPoint {
  /** Undefined when the provider is unknown or unsupported. */
  readonly kind?: ProbeKind;
  /** Empty when resolution failed (an error was reported). */
  readonly attaches: readonly CheckedAttach[];
}

const ALIASES: ReadonlyMap<string, ProbeKind> = new Map<string, ProbeKind>([
  ['begin', 'begin'],
  ['end', 'end'],
  ['tracepoint', 'tracepoint'],
  ['t', 'tracepoint'],
  ['kprobe', 'kprobe'],
  ['k', 'kprobe'],
  ['kretprobe', 'kretprobe'],
  ['kr', 'kretprobe'],
  ['uprobe', 'uprobe'],
  ['u', 'uprobe'],
  ['uretprobe', 'uretprobe'],
  ['ur', 'uretprobe'],
  ['fentry', 'fentry'],
  ['f', 'fentry'],
  ['kfunc', 'fentry'],
  ['fexit', 'fexit'],
  ['fr', 'fexit'],
  ['kretfunc', 'fexit'],
  ['interval', 'interval'],
  ['i', 'interval'],
  ['profile', 'profile'],
  ['p', 'profile'],
  ['software', 'software'],
  ['s', 'software'],
  ['hardware', 'hardware'],
  ['h', 'hardware'],
]);

/** bpftrace providers tsbpf does not implement yet, by alias, with their canonical names. */
const UNSUPPORTED: ReadonlyMap<string, string> = new Map([
  ['usdt', 'usdt'], ['U', 'usdt'],
  ['rawtracepoint', 'rawtracepoint'], ['rt', 'rawtracepoint'],
  ['watchpoint', 'watchpoint'], ['w', 'watchpoint'],
  ['asyncwatchpoint', 'asyncwatchpoint'], ['aw', 'asyncwatchpoint'],
  ['iter', 'iter'], ['it', 'iter'],
  ['self', 'self'], ['test', 'test'], ['bench', 'bench'],
]);

const NO_KPROBES = 'this kernel has no kprobes (CONFIG_KPROBES is off)';

export function resolveAttachPoint(ap: AttachPoint, env: KernelEnvironment, bag: DiagnosticBag): ResolvedAttachPoint {
  // Short aliases are case-sensitive (`U` is usdt, `u` uprobe); full names are not.
  const kind = ALIASES.get(ap.provider) ?? ALIASES.get(ap.provider.toLowerCase());
  if (!kind) {
    const other = UNSUPPORTED.get(ap.provider) ?? UNSUPPORTED.get(ap.provider.toLowerCase());
    bag.error(other ? `${other} probes are not supported yet` : `Invalid probe type: ${ap.provider}`, ap.span);
    return { attaches: [] };
  }
  const fail = (message: string, notes?: readonly string[], missing?: true): ResolvedAttachPoint => {
    bag.error(message, ap.span, notes, missing);
    return { kind, attaches: [] };
  };
  const one = (resolved: ResolvedAttach, probeName: string, notice?: string): ResolvedAttachPoint => ({
    kind,
    attaches: [{ attachPoint: ap, resolved, probeName, ...(notice ? { notice } : {}) }],
  });
  const parts = ap.parts;

  switch (kind) {
    case 'begin':
    case 'end': {
      const name = kind === 'begin' ? 'BEGIN' : 'END';
      if (parts.length !== 0) return fail(`${name} probe type requires 0 arguments`);
      return one({ kind }, name);
    }
    case 'tracepoint':
      return resolveTracepoint(ap, env, fail);
    case 'kprobe':
    case 'kretprobe':
      return resolveKprobe(ap, kind, env, fail, one);
    case 'uprobe':
    case 'uretprobe':
      return resolveUprobe(ap, kind, env, fail);
    case 'fentry':
    case 'fexit': {
      const r = resolveFentry(ap, kind, env);
      return r.ok ? one(r.resolved, r.probeName, r.notice) : fail(r.message, r.notes, r.missing);
    }
    case 'interval': {
      const period = parsePeriod(parts, 'interval', fail);
      if (!('periodNs' in period)) return period;
      if (period.periodNs <= 0n) return fail(`interval: a frequency of ${period.count} hz is too high (at most 1000000000)`);
      return one({ kind: 'interval', periodNs: period.periodNs }, `interval:${period.unit}:${period.count}`);
    }
    case 'profile': {
      const period = parsePeriod(parts, 'profile', fail);
      if (!('periodNs' in period)) return period;
      const exact = period.unit === 'hz' ? Number(period.count) : 1e9 / Number(period.periodNs);
      const hz = Math.round(exact);
      if (exact < 1 || period.periodNs <= 0n) {
        return fail(`profile: a period of ${period.count}${period.unit} can not be expressed as a whole sampling frequency (1 hz to 1000000000 hz)`);
      }
      return one({ kind: 'profile', hz }, `profile:${period.unit}:${period.count}`);
    }
    case 'software':
    case 'hardware':
      return resolveCounter(ap, kind, fail, one);
  }
}

/** `missing`: the probe point does not exist on this system (see Diagnostic.missingProbe). */
type Fail = (message: string, notes?: readonly string[], missing?: true) => ResolvedAttachPoint;
type One = (resolved: ResolvedAttach, probeName: string, notice?: string) => ResolvedAttachPoint;

/** `software:EVENT[:COUNT]`, `hardware:EVENT[:COUNT]`, with bpftrace 0.17's messages. */
function resolveCounter(ap: AttachPoint, kind: 'software' | 'hardware', fail: Fail, one: One): ResolvedAttachPoint {
  const parts = ap.parts;
  if (parts.length !== 1 && parts.length !== 2) return fail(`${kind} probe type requires 1 or 2 arguments`);
  const target = parts[0]!;
  if (target === '') return fail(`${kind} probe must have a ${kind} event name`);
  if (/[*?]/.test(target)) return fail(`wildcards are not allowed for ${kind} probe type`);
  const event = counterEvent(kind, target);
  if (!event) {
    const names = (kind === 'software' ? SOFTWARE_EVENTS : HARDWARE_EVENTS).map((e) => e.name).join(', ');
    return fail(`${target} is not a ${kind} probe`, [`HINT: ${kind} events are ${names}`]);
  }
  const count = parts[1];
  if (count !== undefined && !/^\d+$/.test(count)) return fail(`${kind} probe can only have an integer count`);
  const period = count === undefined || BigInt(count) === 0n ? event.defaultPeriod : BigInt(count);
  return one({ kind: 'perf_counter', counter: kind, event: event.name, period }, [kind, ...parts].join(':'));
}

const UNIT_NS: Readonly<Record<string, bigint>> = { s: 1_000_000_000n, ms: 1_000_000n, us: 1_000n, ns: 1n };

interface Period {
  readonly unit: string;
  readonly count: bigint;
  readonly periodNs: bigint;
}

/** `PROVIDER:UNIT:N` or `PROVIDER:NUNIT` (e.g. `interval:1s`, newer bpftrace). */
function parsePeriod(parts: readonly string[], provider: string, fail: Fail): Period | ResolvedAttachPoint {
  let unit: string;
  let digits: string;
  if (parts.length === 2) {
    [unit, digits] = [parts[0]!, parts[1]!];
  } else if (parts.length === 1 && /^\d+[a-z]+$/.test(parts[0]!)) {
    const m = /^(\d+)([a-z]+)$/.exec(parts[0]!)!;
    [digits, unit] = [m[1]!, m[2]!];
  } else {
    return fail(`${provider} probe type requires 2 arguments`);
  }
  if (unit !== 'hz' && !(unit in UNIT_NS)) return fail(`${unit} is not an accepted unit of time`);
  if (!/^\d+$/.test(digits) || BigInt(digits) === 0n) {
    return fail(`${provider}: the count must be a positive integer ('${digits}' given)`);
  }
  const count = BigInt(digits);
  const periodNs = unit === 'hz' ? 1_000_000_000n / count : count * UNIT_NS[unit]!;
  return { unit, count, periodNs };
}

function hasGlob(s: string): boolean {
  return s.includes('*') || s.includes('?');
}

function resolveTracepoint(ap: AttachPoint, env: KernelEnvironment, fail: Fail): ResolvedAttachPoint {
  if (ap.parts.length !== 2) return fail('tracepoint probe type requires 2 arguments');
  const [category, event] = [ap.parts[0]!, ap.parts[1]!];
  const notFound = (): ResolvedAttachPoint =>
    fail(
      `tracepoint not found: ${category}:${event}`,
      [`HINT: tracepoints are listed under /sys/kernel/tracing/events/; try: tsbpf -l 'tracepoint:${category}:*'`],
      true,
    );
  const names = hasGlob(category) || hasGlob(event) ? env.listTracepoints(category, event) : [{ category, event }];
  const attaches: CheckedAttach[] = [];
  for (const n of names) {
    const format = env.tracepointFormat(n.category, n.event);
    if (format) {
      attaches.push({ attachPoint: ap, resolved: { kind: 'tracepoint', format }, probeName: `tracepoint:${n.category}:${n.event}` });
    }
  }
  if (attaches.length === 0) return notFound();
  return { kind: 'tracepoint', attaches };
}

/** The NAME of `sys_NAME`, `__x64_sys_NAME` or `__se_sys_NAME`, else undefined. */
function syscallName(fn: string): string | undefined {
  const m = /^(?:__x64_|__se_)?sys_(\w+)$/.exec(fn);
  return m ? m[1] : undefined;
}

function resolveKprobe(
  ap: AttachPoint,
  kind: 'kprobe' | 'kretprobe',
  env: KernelEnvironment,
  fail: Fail,
  one: (r: ResolvedAttach, name: string, notice?: string) => ResolvedAttachPoint,
): ResolvedAttachPoint {
  // `kprobe:fn` or `kprobe:module:fn`; the module only narrows the symbol lookup.
  if (ap.parts.length < 1 || ap.parts.length > 2) return fail(`${kind} probe type requires 1 argument`);
  const target = ap.parts[ap.parts.length - 1]!;
  const plus = target.indexOf('+');
  const fn = plus < 0 ? target : target.slice(0, plus);
  let offset = 0;
  if (plus >= 0) {
    const off = target.slice(plus + 1);
    if (!/^(?:0[xX][0-9a-fA-F]+|\d+)$/.test(off)) return fail(`${kind}: invalid offset '${off}' in ${target}`);
    if (kind === 'kretprobe') return fail('kretprobe: an offset is only allowed on kprobes');
    offset = Number(BigInt(off));
  }
  if (fn === '') return fail(`${kind} probe type requires a function name`);
  const probeName = `${kind}:${ap.parts.join(':')}`;
  const written = `${kind}:${target}`;
  if (hasGlob(fn)) {
    if (!env.hasKprobes) return fail(`${written}: ${NO_KPROBES}, so kernel functions cannot be probed; use a tracepoint instead (wildcards work there too, e.g. tracepoint:syscalls:sys_enter_*)`, undefined, true);
    if (plus >= 0) return fail(`${written}: an offset cannot be combined with a wildcard`);
    const names = env.listKernelFunctions?.(fn) ?? [];
    if (names.length === 0) {
      return fail(`${written}: no kernel function matches '${fn}'`, ['HINT: kprobe-able functions are listed in /sys/kernel/tracing/available_filter_functions'], true);
    }
    const prefix = ap.parts.length === 2 ? `${ap.parts[0]}:` : '';
    return {
      kind,
      attaches: names.map((name) => ({
        attachPoint: ap,
        resolved: { kind: 'kprobe', fn: name, offset: 0, ret: kind === 'kretprobe' },
        probeName: `${kind}:${prefix}${name}`,
      })),
    };
  }

  if (env.hasKprobes) {
    let symbol = fn;
    const sys = syscallName(fn);
    if (env.kernelSymbolExists(fn) === false) {
      // Since 4.17 x86-64 syscalls are `__x64_sys_NAME`; scripts still say `sys_NAME`.
      if (sys !== undefined && fn === `sys_${sys}` && env.kernelSymbolExists(`__x64_sys_${sys}`)) {
        symbol = `__x64_sys_${sys}`;
      } else {
        return fail(`${written}: no kernel function named '${fn}' (not in /proc/kallsyms)`, undefined, true);
      }
    }
    return one({ kind: 'kprobe', fn: symbol, offset, ret: kind === 'kretprobe' }, probeName);
  }

  const sys = syscallName(fn);
  if (sys !== undefined && plus < 0) {
    const event = `${kind === 'kprobe' ? 'sys_enter_' : 'sys_exit_'}${sys}`;
    const format = env.tracepointFormat('syscalls', event);
    if (format) {
      return one(
        { kind: 'tracepoint', format, fallbackFrom: { provider: kind, fn } },
        probeName,
        `${written}: ${NO_KPROBES}; attaching to tracepoint:syscalls:${event} instead`,
      );
    }
  }
  return fail(
    `${written}: ${NO_KPROBES}, so kernel functions cannot be probed; use a tracepoint instead (list them under /sys/kernel/tracing/events)`,
    undefined,
    true,
  );
}

/** `uprobe:BIN:FUNC`, `uprobe:BIN:FUNC+OFF`, `uprobe:BIN:ADDRESS` and wildcards in FUNC. */
function resolveUprobe(ap: AttachPoint, kind: 'uprobe' | 'uretprobe', env: KernelEnvironment, fail: Fail): ResolvedAttachPoint {
  if (ap.parts.length !== 2) return fail(`${kind} probe type requires 2 arguments`);
  const [target, spec] = [ap.parts[0]!, ap.parts[1]!];
  if (target === '') return fail(`${kind}: missing the binary or library to probe (e.g. ${kind}:/bin/bash:readline)`);
  if (spec === '') return fail(`${kind}: missing the function to probe in ${kind}:${target}`);
  if (!env.resolveUserBinary) return fail(`${kind} probes cannot be resolved here: this environment cannot read user-space binaries`);
  const bin = env.resolveUserBinary(target);
  if (bin.kind === 'error') return fail(bin.message, bin.hint ? [`HINT: ${bin.hint}`] : undefined, true);
  const ret = kind === 'uretprobe';
  const attach = (fn: string, offset: number): CheckedAttach => ({
    attachPoint: ap,
    resolved: { kind: 'uprobe', path: bin.path, fn, offset, ret },
    probeName: `${kind}:${bin.path}:${fn}`,
  });
  const outside = (what: string): ResolvedAttachPoint =>
    fail(`${kind}:${bin.path}:${spec}: ${what} is not in a loadable segment of ${bin.path}`);

  // A bare number is an address in the binary (bpftrace's `uprobe:BIN:ADDRESS`).
  if (/^(?:0[xX][0-9a-fA-F]+|\d+)$/.test(spec)) {
    const offset = bin.fileOffset(Number(BigInt(spec)));
    if (offset === undefined) return outside(`address ${spec}`);
    return { kind, attaches: [attach(spec, offset)] };
  }

  const plus = spec.indexOf('+');
  const fn = plus < 0 ? spec : spec.slice(0, plus);
  if (hasGlob(fn)) {
    if (plus >= 0) return fail(`${kind}: an offset cannot be combined with a wildcard (${spec})`);
    const re = globRegExp(fn);
    const matches = bin.functions.filter((f) => re.test(f.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const attaches: CheckedAttach[] = [];
    for (const f of matches) {
      const offset = bin.fileOffset(f.address);
      if (offset !== undefined) attaches.push(attach(f.name, offset));
    }
    if (attaches.length === 0) return fail(`No functions in ${bin.path} match ${fn}`, undefined, true);
    return { kind, attaches };
  }

  let delta = 0;
  if (plus >= 0) {
    const off = spec.slice(plus + 1);
    if (!/^(?:0[xX][0-9a-fA-F]+|\d+)$/.test(off)) return fail(`${kind}: invalid offset '${off}' in ${spec}`);
    if (ret) return fail('uretprobe: an offset is only allowed on uprobes');
    delta = Number(BigInt(off));
  }
  const f = bin.functions.find((x) => x.name === fn);
  if (!f) {
    const near = nearMatches(fn, bin.functions);
    return fail(`Could not resolve symbol: ${bin.path}:${fn}`, [
      near.length > 0
        ? `HINT: functions with similar names: ${near.join(', ')}`
        : `HINT: list the functions of the binary with: tsbpf -l '${kind}:${bin.path}:*'`,
    ], true);
  }
  if (f.ifunc) {
    const impls = bin.functions.filter((x) => !x.ifunc && x.name.startsWith(`__${fn}_`)).map((x) => x.name).sort().slice(0, 5);
    return fail(`${kind}:${bin.path}:${fn}: ${fn} is an indirect function (IFUNC) whose symbol is its resolver, which runs once at load time`, [
      `HINT: probe the implementation it selects instead${impls.length > 0 ? `, e.g. ${impls.join(', ')}` : ''}`,
    ]);
  }
  if (f.size > 0 && delta >= f.size) {
    return fail(`${kind}: offset ${delta} is outside ${fn} (${f.size} bytes)`);
  }
  const offset = bin.fileOffset(f.address + delta);
  if (offset === undefined) return outside(`function ${fn}`);
  return { kind, attaches: [attach(spec, offset)] };
}

function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Up to five function names close to `name`: containing it, or within two edits of it. */
function nearMatches(name: string, functions: readonly UserFunction[]): string[] {
  const lower = name.toLowerCase();
  const scored: { name: string; score: number }[] = [];
  for (const f of functions) {
    const other = f.name.toLowerCase();
    if (Math.abs(other.length - lower.length) <= 2) {
      const d = editDistance(lower, other, 2);
      if (d <= 2) {
        scored.push({ name: f.name, score: d });
        continue;
      }
    }
    if (lower.length >= 3 && other.includes(lower)) scored.push({ name: f.name, score: 3 + other.length - lower.length });
  }
  scored.sort((a, b) => a.score - b.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, 5).map((s) => s.name);
}

/** Levenshtein distance, or `limit + 1` as soon as it is known to exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      best = Math.min(best, v);
    }
    if (best > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length]!;
}
