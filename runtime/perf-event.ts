// perf_event_open(2) for the event sources BPF programs attach to, and the ioctls that bind a
// program to an event and switch it on. Layout of `struct perf_event_attr` from
// include/uapi/linux/perf_event.h.
import { readFileSync } from 'node:fs';
import { addressOf, closeFd, lastErrno, libc, SyscallError } from './libc.ts';

const SYS_PERF_EVENT_OPEN = 298; // x86-64
const PERF_FLAG_FD_CLOEXEC = 8;
const ATTR_SIZE = 128; // PERF_ATTR_SIZE_VER7

const PERF_TYPE_SOFTWARE = 1;
const PERF_TYPE_TRACEPOINT = 2;
const PERF_COUNT_SW_CPU_CLOCK = 0;
const PERF_SAMPLE_RAW = 1n << 10n;

const FLAG_DISABLED = 1n << 0n;
const FLAG_FREQ = 1n << 10n;

const IOC_ENABLE = 0x2400;
const IOC_DISABLE = 0x2401;
const IOC_SET_BPF = 0x40042408;

interface AttrFields {
  readonly type: number;
  readonly config: bigint;
  /** sample_period, or sample_freq in freq mode. */
  readonly sample: bigint;
  readonly freq?: boolean;
  readonly sampleType?: bigint;
  readonly config1?: bigint;
  readonly config2?: bigint;
}

function open(what: string, f: AttrFields, pid: number, cpu: number): number {
  const a = Buffer.alloc(ATTR_SIZE);
  a.writeUInt32LE(f.type, 0);
  a.writeUInt32LE(ATTR_SIZE, 4);
  a.writeBigUInt64LE(f.config, 8);
  a.writeBigUInt64LE(f.sample, 16);
  a.writeBigUInt64LE(f.sampleType ?? 0n, 24);
  // Created disabled: the program is bound first, then the event is enabled.
  a.writeBigUInt64LE(FLAG_DISABLED | (f.freq ? FLAG_FREQ : 0n), 40);
  a.writeUInt32LE(1, 48); // wakeup_events
  a.writeBigUInt64LE(f.config1 ?? 0n, 56);
  a.writeBigUInt64LE(f.config2 ?? 0n, 64);
  const fd = Number(
    libc().syscall(SYS_PERF_EVENT_OPEN, 'void *', a, 'int', pid, 'int', cpu, 'int', -1, 'ulong', PERF_FLAG_FD_CLOEXEC),
  );
  if (fd < 0) throw new SyscallError(`perf_event_open (${what})`, lastErrno());
  return fd;
}

/** A tracepoint event. One event with pid -1 on CPU 0 fires for every CPU (measured: one per
 *  CPU would run the program once per CPU for each hit). */
export function openTracepoint(tracepointId: number): number {
  return open(`tracepoint ${tracepointId}`, { type: PERF_TYPE_TRACEPOINT, config: BigInt(tracepointId), sample: 1n, sampleType: PERF_SAMPLE_RAW }, -1, 0);
}

/** A cpu-clock timer on one CPU firing every `periodNs`. */
export function openCpuClockPeriod(periodNs: bigint, cpu: number): number {
  return open('cpu-clock', { type: PERF_TYPE_SOFTWARE, config: BigInt(PERF_COUNT_SW_CPU_CLOCK), sample: periodNs }, -1, cpu);
}

/** A cpu-clock sampler on one CPU at `hz` samples per second (freq mode). */
export function openCpuClockFreq(hz: number, cpu: number): number {
  return open('cpu-clock', { type: PERF_TYPE_SOFTWARE, config: BigInt(PERF_COUNT_SW_CPU_CLOCK), sample: BigInt(hz), freq: true }, -1, cpu);
}

const PERF_TYPE_HARDWARE = 0;

/** perf_event_attr.config of each software/hardware probe event (enum perf_sw_ids and
 *  perf_hw_id in include/uapi/linux/perf_event.h), by the names lang/semantic/perf-counters.ts
 *  resolves probes to. */
const COUNTER_CONFIG: Readonly<Record<'software' | 'hardware', Readonly<Record<string, number>>>> = {
  software: {
    'cpu-clock': 0, 'task-clock': 1, 'page-faults': 2, 'context-switches': 3, 'cpu-migrations': 4,
    'minor-faults': 5, 'major-faults': 6, 'alignment-faults': 7, 'emulation-faults': 8, dummy: 9, 'bpf-output': 10,
  },
  hardware: {
    'cpu-cycles': 0, instructions: 1, 'cache-references': 2, 'cache-misses': 3, 'branch-instructions': 4,
    'branch-misses': 5, 'bus-cycles': 6, 'frontend-stalls': 7, 'backend-stalls': 8, 'ref-cycles': 9,
  },
};

/** A software or hardware counter on one CPU that overflows (runs the program) every `period` events. */
export function openCounter(counter: 'software' | 'hardware', event: string, period: bigint, cpu: number): number {
  const config = COUNTER_CONFIG[counter][event];
  if (config === undefined) throw new Error(`internal: no ${counter} event ${event}`);
  const type = counter === 'software' ? PERF_TYPE_SOFTWARE : PERF_TYPE_HARDWARE;
  return open(`${counter} ${event}`, { type, config: BigInt(config), sample: period }, -1, cpu);
}

const KPROBE_PMU = '/sys/bus/event_source/devices/kprobe';

/** Whether the kernel has the kprobe PMU (CONFIG_KPROBES with perf support). */
export function hasKprobePmu(): boolean {
  try {
    readFileSync(`${KPROBE_PMU}/type`, 'utf8');
    return true;
  } catch {
    return false;
  }
}

/** A kprobe or kretprobe on `fn`+`offset`, through the kprobe PMU (no tracefs entry to clean up). */
export function openKprobe(fn: string, offset: number, ret: boolean): number {
  const type = Number(readFileSync(`${KPROBE_PMU}/type`, 'utf8').trim());
  let config = 0n;
  if (ret) {
    // `config:N`: the bit of attr.config that selects a return probe.
    const m = /config:(\d+)/.exec(readFileSync(`${KPROBE_PMU}/format/retprobe`, 'utf8'));
    config = 1n << BigInt(m ? Number(m[1]) : 0);
  }
  const name = Buffer.from(`${fn}\0`, 'latin1');
  const fd = open(`${ret ? 'kretprobe' : 'kprobe'} ${fn}`, { type, config, sample: 1n, config1: addressOf(name), config2: BigInt(offset) }, -1, 0);
  name.readUInt8(0); // keep `name` alive until the call has returned
  return fd;
}

const UPROBE_PMU = '/sys/bus/event_source/devices/uprobe';

/** The bit of attr.config that selects a return probe, from the PMU's `format/retprobe` (`config:N`). */
function retprobeBit(pmu: string): bigint {
  const m = /config:(\d+)/.exec(readFileSync(`${pmu}/format/retprobe`, 'utf8'));
  return 1n << BigInt(m ? Number(m[1]) : 0);
}

/**
 * A uprobe or uretprobe at file offset `offset` of `path`, through the uprobe PMU (no tracefs
 * entry to clean up). `pid` -1 fires in every process; a pid limits it to that process.
 */
export function openUprobe(path: string, offset: number, ret: boolean, pid = -1): number {
  let type: number;
  try {
    type = Number(readFileSync(`${UPROBE_PMU}/type`, 'utf8').trim());
  } catch {
    throw new Error('this kernel has no uprobe PMU (/sys/bus/event_source/devices/uprobe): CONFIG_UPROBE_EVENTS is off');
  }
  const config = ret ? retprobeBit(UPROBE_PMU) : 0n;
  const name = Buffer.from(`${path}\0`, 'utf8');
  const what = `${ret ? 'uretprobe' : 'uprobe'} ${path}+0x${offset.toString(16)}`;
  // pid -1 needs a cpu; a pid follows its task on every cpu.
  const fd = open(what, { type, config, sample: 1n, config1: addressOf(name), config2: BigInt(offset) }, pid, pid === -1 ? 0 : -1);
  name.readUInt8(0); // keep `name` alive until the call has returned
  return fd;
}

/** PERF_EVENT_IOC_SET_BPF: run program `progFd` on each event. */
export function setBpf(perfFd: number, progFd: number): void {
  if (libc().ioctl(perfFd, IOC_SET_BPF, 'int', progFd) !== 0) throw new SyscallError('attaching program (PERF_EVENT_IOC_SET_BPF)', lastErrno());
}

export function enable(perfFd: number): void {
  if (libc().ioctl(perfFd, IOC_ENABLE, 'int', 0) !== 0) throw new SyscallError('enabling perf event', lastErrno());
}

export function disable(perfFd: number): void {
  libc().ioctl(perfFd, IOC_DISABLE, 'int', 0);
}

export { closeFd };
