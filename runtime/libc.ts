// The few libc entry points the runtime needs, through koffi. koffi is loaded on first use only:
// importing this module costs nothing, so front-end-only commands (parse, check, -d) never load
// the native addon.
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';

type Koffi = typeof import('koffi');

interface Libc {
  readonly koffi: Koffi;
  readonly syscall: (nr: number, ...args: unknown[]) => number | bigint;
  readonly ioctl: (fd: number, req: number, ...args: unknown[]) => number;
  readonly mmap: (addr: null, len: number, prot: number, flags: number, fd: number, off: number) => bigint;
  readonly munmap: (addr: bigint, len: number) => number;
  readonly close: (fd: number) => number;
  readonly mount: (src: string, target: string, fstype: string, flags: number, data: null) => number;
  readonly getppid: () => number;
}

let loaded: Libc | undefined;

/** The libc bindings, loaded on first call. */
export function libc(): Libc {
  if (loaded) return loaded;
  const koffi = createRequire(import.meta.url)('koffi') as Koffi;
  const lib = koffi.load('libc.so.6');
  loaded = {
    koffi,
    syscall: lib.func('long syscall(long nr, ...)') as Libc['syscall'],
    ioctl: lib.func('int ioctl(int fd, unsigned long req, ...)') as Libc['ioctl'],
    mmap: lib.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)') as Libc['mmap'],
    munmap: lib.func('int munmap(void *addr, size_t len)') as Libc['munmap'],
    close: lib.func('int close(int fd)') as Libc['close'],
    mount: lib.func('int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const void *data)') as Libc['mount'],
    getppid: lib.func('int getppid(void)') as Libc['getppid'],
  };
  return loaded;
}

/** The address of a Buffer's bytes, for pointer fields of kernel structs. */
export function addressOf(buf: Buffer): bigint {
  return libc().koffi.address(buf);
}

/** The errno of the last failed call on this thread. */
export function lastErrno(): number {
  return libc().koffi.errno();
}

const errnoNames = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, n]) => [n, name] as [number, string]),
);
// The kernel's internal ENOTSUPP leaks out of bpf(2) (e.g. BPF_PROG_TEST_RUN on tracepoints).
errnoNames.set(524, 'ENOTSUPP');

/** `EPERM`, `ENOENT`, ... or `errno N` for numbers libc has no name for. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

const errnoText: Record<string, string> = {
  EPERM: 'operation not permitted',
  EACCES: 'permission denied',
  ENOENT: 'no such file or directory',
  EINVAL: 'invalid argument',
  E2BIG: 'argument too big',
  ENOMEM: 'out of memory',
  EBADF: 'bad file descriptor',
  EEXIST: 'already exists',
  EBUSY: 'device or resource busy',
  ENOSPC: 'no space left',
  EFAULT: 'bad address',
  ENODEV: 'no such device',
  EOPNOTSUPP: 'operation not supported',
  ENOTSUPP: 'operation not supported',
  ESRCH: 'no such process',
};

/** A failed system call: which operation, and the errno it returned. */
export class SyscallError extends Error {
  readonly code: string;
  constructor(
    readonly op: string,
    readonly errno: number,
  ) {
    const code = errnoName(errno);
    const text = errnoText[code];
    super(`${op} failed: ${code}${text ? ` (${text})` : ''}`);
    this.name = 'SyscallError';
    this.code = code;
  }
}

/** Closes a file descriptor, ignoring errors (used on cleanup paths). */
export function closeFd(fd: number): void {
  if (fd >= 0) libc().close(fd);
}

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const MAP_FAILED = 0xffffffffffffffffn;
