// Gate for tests that need the live kernel (root, bpf(2), tracefs). Locally, a non-root run
// skips them; under CI (CI=true) they must run, so `kernelAvailable` is forced true there and a
// missing capability makes the tests fail instead of silently skipping.
import { accessSync, constants } from 'node:fs';

function probe(): boolean {
  if (process.env.CI === 'true' || process.env.CI === '1') return true;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return false;
  try {
    accessSync('/sys/kernel/btf/vmlinux', constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export const kernelAvailable = probe();
