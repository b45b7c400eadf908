// CPU sets from sysfs (`0-3,5`): per-CPU map values are sized by possible CPUs, profile
// probes open one perf event per online CPU.
import { readFileSync } from 'node:fs';

/** Parses a kernel CPU list such as `0-3,5,7-8`. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`unexpected CPU list: ${text.trim()}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let c = lo; c <= hi; c++) cpus.push(c);
  }
  return cpus;
}

/** CPUs that are online now. */
export function onlineCpus(): number[] {
  return parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
}

/** Number of possible CPUs: the count of per-CPU value copies the kernel returns (highest id + 1). */
export function possibleCpuCount(): number {
  const cpus = parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
  return cpus.length === 0 ? 1 : Math.max(...cpus) + 1;
}
