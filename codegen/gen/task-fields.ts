// Members of the kernel's struct task_struct that codegen reads with loads the kernel relocates
// at program load (CO-RE; see codegen/insn.ts KernelField): comm, ppid and pcomm.
import type { KernelField } from '../insn.ts';

/** `char comm[16]` (TASK_COMM_LEN), always NUL-padded by the kernel. */
export const TASK_COMM: KernelField = { struct: 'task_struct', member: 'comm', type: { kind: 'char_array', length: 16 } };
export const TASK_REAL_PARENT: KernelField = { struct: 'task_struct', member: 'real_parent', type: { kind: 'pointer' } };
export const TASK_TGID: KernelField = { struct: 'task_struct', member: 'tgid', type: { kind: 'int', size: 4, signed: true } };

/** What a builtin that needs relocated loads says on kernels that cannot relocate them. */
export function needsRelocations(name: string): string {
  return `${name} needs a kernel that relocates struct member loads (Linux 5.17 or later, with BTF)`;
}
