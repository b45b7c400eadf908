#!/usr/bin/env node
// In-kernel cost per event and size of the programs tsbpf emits, side by side with bpftrace's
// (LLVM) programs for the same scripts. Usage: node bench/kernel-cost.mjs [rounds=3] [events=1000000]
// (as root, after `npm run build`). See bench/README.md for what each column means.
import {
  bpftraceVersion,
  Child,
  compileC,
  LoadGen,
  median,
  NOTIFY,
  overallTimeout,
  preflight,
  programInfo,
  programsOf,
  restoreBpfStats,
  setBpfStats,
  table,
  tools,
  tsbpfAccepts,
  waitAttached,
} from './lib.mjs';

const ROUNDS = Number(process.argv[2] ?? 3);
const EVENTS = Number(process.argv[3] ?? 1_000_000);
const TRACEPOINT = 5; // BPF_PROG_TYPE_TRACEPOINT: the probe programs (BEGIN/END are other types)
const LOAD_CPU = 1; // the load generator's CPU; the tools run on the other one

const SCRIPTS = [
  // Measures the measurement: run_time_ns of a program that only returns (the stats floor).
  { name: 'empty (stats floor)', text: 'tracepoint:raw_syscalls:sys_enter { }', floor: true },
  { name: '@ = count()', text: 'tracepoint:raw_syscalls:sys_enter { @ = count(); }' },
  { name: '@[comm] = count()', text: 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }' },
  { name: '@ = hist(args->id)', text: 'tracepoint:raw_syscalls:sys_enter { @ = hist(args->id); }' },
  { name: 'printf pid comm', text: 'tracepoint:syscalls:sys_enter_getppid { printf("%d %s\\n", pid, comm); }' },
];

preflight();
overallTimeout(15 * 60 * 1000);
const loadgenBin = compileC('loadgen');
const linecountBin = compileC('linecount');
const TOOLS = tools();

const unsupported = [];
const scripts = SCRIPTS.filter((s) => {
  const r = tsbpfAccepts(s.text);
  if (!r.ok) unsupported.push({ ...s, why: r.why });
  return true; // still measured under bpftrace, for reference
}).map((s) => ({ ...s, tsbpfOk: !unsupported.some((u) => u.name === s.name) }));

/**
 * One measurement of `script` under `tool`: start it with its stdout counted by linecount, wait
 * until attached, run the load once with stats off (the traced call's cost) and once with
 * bpf_stats on (the programs' run_time_ns/run_cnt), then stop it.
 */
async function measure(tool, script, gen) {
  const counter = new Child([linecountBin]);
  const t = new Child(tool.argv(script.text), { env: { [NOTIFY]: '1' }, stdin: 'ignore', stdout: counter.proc.stdin });
  counter.proc.stdin.destroy(); // the tool holds the pipe now; EOF when it exits
  try {
    await waitAttached(t, counter);
    const off = await gen.run(EVENTS);
    setBpfStats(true);
    let before, after, on;
    try {
      before = programsOf(t.pid).filter((p) => p.type === TRACEPOINT);
      on = await gen.run(EVENTS);
      after = programsOf(t.pid).filter((p) => p.type === TRACEPOINT);
    } finally {
      restoreBpfStats();
    }
    const infos = after.map((p) => programInfo(p.id));
    let dt = 0;
    let dn = 0;
    for (const p of after) {
      const b = before.find((x) => x.id === p.id);
      if (!b) continue;
      dt += p.runTimeNs - b.runTimeNs;
      dn += p.runCnt - b.runCnt;
    }
    await t.stop();
    await counter.stop(5000);
    const lost = Number(/Lost (\d+) events/.exec(t.stderr)?.[1] ?? 0);
    return {
      ns: dt / dn,
      runs: dn,
      offCall: off.nsPerCall,
      onCall: on.nsPerCall,
      insns: infos.reduce((a, i) => a + i.xlatedInsns, 0),
      jited: infos.reduce((a, i) => a + i.jitedBytes, 0),
      progs: infos.length,
      lost,
    };
  } finally {
    await t.stop(2000).catch(() => {});
    await counter.stop(2000).catch(() => {});
  }
}

const gen = await LoadGen.start(loadgenBin, LOAD_CPU);
await gen.run(EVENTS); // warm up
const samples = new Map(); // `${tool}\0${script}` -> [measure()]
const base = [];
const failures = new Map();
for (let round = 0; round < ROUNDS; round++) {
  base.push((await gen.run(EVENTS)).nsPerCall);
  for (const s of scripts) {
    for (const tool of TOOLS) {
      if (tool.name === 'tsbpf' && !s.tsbpfOk) continue;
      const key = `${tool.name}\0${s.name}`;
      if (failures.has(key)) continue;
      try {
        const m = await measure(tool, s, gen);
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key).push(m);
      } catch (e) {
        failures.set(key, String(e.message ?? e).split('\n').filter(Boolean).slice(0, 3).join(' / '));
      }
    }
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
}
base.push((await gen.run(EVENTS)).nsPerCall);
await gen.close();

const stat = (tool, script) => {
  const xs = samples.get(`${tool}\0${script}`);
  if (!xs?.length) return undefined;
  const baseCall = median(base);
  return {
    ns: median(xs.map((x) => x.ns)),
    traced: median(xs.map((x) => x.offCall - baseCall)),
    statsCost: median(xs.map((x) => x.onCall - x.offCall)),
    insns: xs[0].insns,
    jited: xs[0].jited,
    progs: xs[0].progs,
    runs: median(xs.map((x) => x.runs)),
    lost: Math.max(...xs.map((x) => x.lost)),
  };
};
// One floor for both tools: the stats floor is the kernel's, not the program's.
const floorSamples = TOOLS.flatMap((t) => (samples.get(`${t.name}\0${SCRIPTS[0].name}`) ?? []).map((x) => x.ns));
const floor = median(floorSamples);

const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');
const rows = [];
for (const s of scripts) {
  const bt = stat('bpftrace', s.name);
  for (const tool of TOOLS) {
    const key = `${tool.name}\0${s.name}`;
    if (tool.name === 'tsbpf' && !s.tsbpfOk) {
      rows.push([s.name, tool.name, 'unsupported', '', '', '', '', '', '', '', '']);
      continue;
    }
    const a = stat(tool.name, s.name);
    if (!a) {
      rows.push([s.name, tool.name, `failed: ${failures.get(key) ?? 'no sample'}`.slice(0, 60), '', '', '', '', '', '', '', '']);
      continue;
    }
    const corr = a.ns - floor;
    const btCorr = bt ? bt.ns - floor : NaN;
    rows.push([
      s.name,
      tool.name,
      `${a.insns}${a.progs > 1 ? ` (${a.progs} progs)` : ''}`,
      String(a.jited),
      f1(a.ns),
      s.floor ? '-' : f1(corr),
      f1(a.traced),
      f1(a.statsCost),
      a.lost ? String(a.lost) : '0',
      s.floor ? '-' : ratio(a.ns, bt?.ns),
      s.floor ? '-' : `${ratio(corr, btCorr)} / ${ratio(a.insns, bt?.insns)}`,
    ]);
  }
}
console.log(`${ROUNDS} interleaved rounds of ${EVENTS} getppid calls per measurement, load pinned to CPU ${LOAD_CPU}; ${bpftraceVersion()}`);
console.log(`untraced getppid: ${f1(median(base))} ns/call; stats floor (empty program, run_time_ns/run_cnt): ${f1(floor)} ns`);
console.log(
  table(
    ['script', 'tool', 'xlated insns', 'jited B', 'ns/event raw', 'ns/event - floor', 'traced call +ns (stats off)', 'stats on +ns', 'lost', 'raw vs bpftrace', 'corrected / insns vs bpftrace'],
    rows,
  ),
);
for (const u of unsupported) console.log(`unsupported by tsbpf: ${u.name}: ${u.why}`);
for (const [key, why] of failures) console.log(`failed: ${key.replace('\0', ' / ')}: ${why}`);
