#!/usr/bin/env node
// printf throughput: how many lines per second tsbpf (and bpftrace) deliver into a pipe, and how
// many they lose, while a load generator pinned to the other CPU makes getppid calls at fixed
// rates and flat out. Usage: node bench/printf-throughput.mjs [scale=1] [tool...]
// (as root, after `npm run build`; scale multiplies the number of calls per rate).
import { readFileSync } from 'node:fs';
import { bpftraceVersion, Child, compileC, LoadGen, overallTimeout, preflight, programsOf, table, tools, waitAttached } from './lib.mjs';

const SCALE = Number(process.argv[2] ?? 1);
const ONLY = process.argv.slice(3);
const LOAD_CPU = 1;
const SCRIPT = 'tracepoint:syscalls:sys_enter_getppid /pid == $1/ { printf("%d %d\\n", pid, nsecs); }';
/** rate 0 = flat out. */
const RUNS = [
  { rate: 100_000, n: 300_000 },
  { rate: 1_000_000, n: 1_000_000 },
  { rate: 2_000_000, n: 2_000_000 },
  { rate: 0, n: 2_000_000 },
].map((r) => ({ ...r, n: Math.round(r.n * SCALE) }));

preflight();
overallTimeout(20 * 60 * 1000);
const loadgenBin = compileC('loadgen');
const linecountBin = compileC('linecount');
const TOOLS = tools().filter((t) => !ONLY.length || ONLY.includes(t.name));

/** utime + stime of `pid` in seconds (clock ticks of 10 ms). */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

async function once(tool, gen, { rate, n }) {
  const counter = new Child([linecountBin]);
  const t = new Child(tool.argv(SCRIPT, [String(gen.pidOf)]), { env: { __BPFTRACE_NOTIFY_PROBES_ATTACHED: '1' }, stdin: 'ignore', stdout: counter.proc.stdin });
  counter.proc.stdin.destroy(); // the tool holds the pipe now; EOF when it exits
  try {
    await waitAttached(t, counter);
    const cpu0 = cpuSeconds(t.pid);
    const load = await gen.run(n, rate, 300000);
    // Let the tool catch up: until every line arrived, or nothing new came for 2 s.
    let seen = -1;
    let still = 0;
    for (let waited = 0; waited < 120000; waited += 100) {
      const last = counter.all.findLast((l) => l.startsWith('n '));
      const count = last ? Number(last.split(' ')[1]) : 0;
      if (count >= n) break;
      if (count === seen) {
        if (++still >= 20) break;
      } else still = 0;
      seen = count;
      await new Promise((r) => setTimeout(r, 100));
    }
    const cpu = cpuSeconds(t.pid) - cpu0;
    const misses = programsOf(t.pid).reduce((a, p) => a + (p.misses || 0), 0);
    await t.stop(30000);
    const eof = await counter.line((l) => l.startsWith('eof '), 30000, 'the final count');
    const [, count, , lastNs] = eof.split(' ').map(Number);
    const lost = Number(/Lost (\d+) events/.exec(t.stderr)?.[1] ?? 0);
    const err = t.stderr
      .split('\n')
      .filter((l) => l && !/^Attaching|^Lost|RLIMIT_MEMLOCK|^__BPFTRACE_NOTIFY/.test(l))
      .join(' / ');
    return {
      n,
      rate,
      produced: n / ((load.endNs - load.startNs) / 1e9),
      callNs: load.nsPerCall,
      received: count,
      delivered: count / ((Math.max(lastNs, load.endNs) - load.startNs) / 1e9),
      lost,
      missing: n - count,
      misses,
      cpu,
      err,
    };
  } finally {
    await t.stop(2000).catch(() => {});
    await counter.stop(2000).catch(() => {});
  }
}

const gen = await LoadGen.start(loadgenBin, LOAD_CPU);
await gen.run(1_000_000); // warm up
const rows = [];
for (const run of RUNS) {
  for (const tool of TOOLS) {
    let r;
    try {
      r = await once(tool, gen, run);
    } catch (e) {
      rows.push([run.rate ? `${run.rate / 1e6}M/s` : 'max', tool.name, String(run.n), `failed: ${String(e.message ?? e).split('\n')[0]}`, '', '', '', '', '', '', '']);
      continue;
    }
    rows.push([
      run.rate ? `${run.rate / 1e6}M/s` : 'max',
      tool.name,
      String(r.n),
      `${(r.produced / 1e6).toFixed(2)}M/s`,
      r.callNs.toFixed(0),
      String(r.received),
      `${(r.delivered / 1e6).toFixed(2)}M/s`,
      String(r.missing),
      String(r.lost),
      String(r.misses),
      r.cpu.toFixed(2),
    ]);
    if (r.err) console.error(`${tool.name} at ${run.rate || 'max'}: ${r.err}`);
    process.stderr.write(`${tool.name} ${run.rate || 'max'}: done\n`);
  }
}
await gen.close();
console.log(`printf into a pipe counted by bench/linecount.c; load pinned to CPU ${LOAD_CPU}; ${bpftraceVersion()}`);
console.log(`script: ${SCRIPT}`);
console.log(
  table(['target rate', 'tool', 'calls', 'achieved rate', 'ns/call', 'lines received', 'lines/s delivered', 'missing', '"Lost N events"', 'recursion misses', 'tool CPU s'], rows),
);
