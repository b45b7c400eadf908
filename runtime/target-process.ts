// `-p PID`: the process a run is about. Its uprobes attach to it alone, and the run ends when it
// exits (as bpftrace 0.17 does). The exit is noticed through a pidfd (pidfd_open, 5.3+) polled
// from Node's event loop, so nothing wakes up while the process runs.
import { closeFd, lastErrno, libc, SyscallError } from './libc.ts';

const SYS_PIDFD_OPEN = 434; // x86-64
const ESRCH = 3;

export class TargetProcess {
  private poller: { close(): void } | undefined;
  private closed = false;

  private constructor(
    readonly pid: number,
    private readonly pidfd: number,
  ) {}

  /** Opens `pid`; throws a SyscallError (ESRCH: no such process) if it cannot be watched. */
  static open(pid: number): TargetProcess {
    const fd = Number(libc().syscall(SYS_PIDFD_OPEN, 'int', pid, 'uint', 0));
    if (fd < 0) throw new SyscallError(`watching pid ${pid}`, lastErrno());
    return new TargetProcess(pid, fd);
  }

  /** Calls `exited` once, when the process has exited. */
  onExit(exited: () => void): void {
    if (this.closed || this.poller) return;
    this.poller = libc().koffi.node.poll(this.pidfd, { readable: true }, () => {
      this.stopPolling();
      exited();
    });
  }

  /** Stops watching. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopPolling();
    closeFd(this.pidfd);
  }

  private stopPolling(): void {
    this.poller?.close();
    this.poller = undefined;
  }
}

/** Whether an error from TargetProcess.open means the process does not exist. */
export function isNoSuchProcess(e: unknown): boolean {
  return e instanceof SyscallError && e.errno === ESRCH;
}
