// Whether this process may load BPF programs and open perf events, checked up front so the
// user gets one clear sentence instead of an EPERM from deep inside the loader.
import { readFileSync } from 'node:fs';

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

export const MISSING_PRIVILEGES =
  'tsbpf needs root (or CAP_BPF and CAP_PERFMON) to load BPF programs; run it with sudo';

/** Whether a CapEff mask grants what tracing needs. */
export function capabilitiesSuffice(capEff: bigint): boolean {
  const has = (cap: bigint) => (capEff >> cap) & 1n;
  return has(CAP_SYS_ADMIN) === 1n || (has(CAP_BPF) === 1n && has(CAP_PERFMON) === 1n);
}

/** Undefined when privileges suffice, else the message to show. */
export function checkPrivileges(statusText?: string): string | undefined {
  let text = statusText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/status', 'utf8');
    } catch {
      return MISSING_PRIVILEGES;
    }
  }
  const m = /^CapEff:\s*([0-9a-fA-F]+)/m.exec(text);
  if (!m) return MISSING_PRIVILEGES;
  return capabilitiesSuffice(BigInt(`0x${m[1]}`)) ? undefined : MISSING_PRIVILEGES;
}
