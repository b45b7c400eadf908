// What the running kernel can do that changes the code we generate (as opposed to lang/env.ts,
// which answers what a script may name). Cheap checks only: this runs on every start.
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { VMLINUX_BTF } from './btf.ts';

/** The kernel release as [major, minor], or undefined if it does not look like `6.18.0-...`. */
export function kernelVersion(text = release()): readonly [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * Whether codegen may read kernel struct members with CO-RE relocated loads (GenerateOptions.
 * kernelFields): the kernel applies relocations itself from 5.17 (bpf_get_current_task_btf is
 * 5.11) and needs its own BTF. A kernel with backported BPF but an older version number just
 * gets the helper-based code, which works everywhere.
 */
export function kernelAppliesFieldRelocations(): boolean {
  return fieldRelocationsSupported(kernelVersion(), () => existsSync(VMLINUX_BTF));
}

/** kernelAppliesFieldRelocations for a given kernel version and BTF check. */
export function fieldRelocationsSupported(version: readonly [number, number] | undefined, hasBtf: () => boolean): boolean {
  if (!version) return false;
  const [major, minor] = version;
  return (major > 5 || (major === 5 && minor >= 17)) && hasBtf();
}
