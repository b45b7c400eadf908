// Binding a loaded program to its event source. Every source here is a perf event: closing
// its fd detaches the program, so an Attachment is just the fds to close.
import type { ResolvedAttach } from '../lang/checked.ts';
import { onlineCpus } from './cpus.ts';
import { rawTracepointOpen } from './bpf-syscall.ts';
import { closeFd } from './libc.ts';
import { enable, openCounter, openCpuClockFreq, openCpuClockPeriod, openKprobe, openTracepoint, openUprobe, setBpf } from './perf-event.ts';

export interface Attachment {
  /** The perf event fds holding the program (for tests and diagnostics). */
  readonly fds: readonly number[];
  /** Detaches the program. Idempotent. */
  close(): void;
}

class PerfAttachment implements Attachment {
  private closed = false;
  constructor(readonly fds: readonly number[]) {}
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of this.fds) closeFd(fd);
  }
}

export interface AttachOptions {
  /** Limit uprobes to this process (`-p PID`; default: every process, as bpftrace 0.17 does even
   *  with -c). */
  readonly pid?: number;
}

/** Attaches program `progFd` where `resolved` says. BEGIN/END are not attachable: they run
 *  once through BPF_PROG_TEST_RUN. */
export function attachProgram(progFd: number, resolved: ResolvedAttach, opts: AttachOptions = {}): Attachment {
  switch (resolved.kind) {
    case 'tracepoint':
      return bindAll(progFd, [() => openTracepoint(resolved.format.id)]);
    case 'kprobe':
      return bindAll(progFd, [() => openKprobe(resolved.fn, resolved.offset, resolved.ret)]);
    case 'uprobe':
      return bindAll(progFd, [() => openUprobe(resolved.path, resolved.offset, resolved.ret, opts.pid ?? -1)]);
    case 'fentry':
      // The program was loaded for its function (attach_btf_id); the link fd holds it there.
      return new PerfAttachment([rawTracepointOpen(progFd)]);
    case 'interval':
      // One CPU only: an interval probe fires once per period, not once per CPU.
      return bindAll(progFd, [() => openCpuClockPeriod(resolved.periodNs, 0)]);
    case 'profile':
      return bindAll(progFd, onlineCpus().map((cpu) => () => openCpuClockFreq(resolved.hz, cpu)));
    case 'perf_counter':
      return bindAll(progFd, onlineCpus().map((cpu) => () => openCounter(resolved.counter, resolved.event, resolved.period, cpu)));
    case 'begin':
    case 'end':
      throw new Error(`${resolved.kind.toUpperCase()} programs are run, not attached`);
  }
}

/** Opens each event, binds the program and enables it; on failure closes what it opened. */
function bindAll(progFd: number, openers: readonly (() => number)[]): Attachment {
  const fds: number[] = [];
  try {
    for (const open of openers) {
      const fd = open();
      fds.push(fd);
      setBpf(fd, progFd);
      enable(fd);
    }
  } catch (e) {
    for (const fd of fds) closeFd(fd);
    throw e;
  }
  return new PerfAttachment(fds);
}
