import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatSymbol, hexAddress, KernelSymbols } from '../../runtime/ksyms.ts';
import { kernelAvailable } from '../support/kernel.ts';

const FIXTURE = [
  '0000000000000000 A fixed_percpu_data',
  '0000000000001000 D some_percpu_var',
  'ffffffff81000000 T _stext',
  'ffffffff81000000 T _text',
  'ffffffff81001000 t do_one_initcall',
  'ffffffff81001200 T vfs_read',
  'ffffffff81002000 D jiffies_data',
  'ffffffff81003000 r rodata_thing',
  'ffffffff81004000 W weak_fn',
  'ffffffffc0201000 t ftrace_trampoline\t[__builtin__ftrace]',
  'ffffffffc0300000 t mod_fn\t[my_mod]',
  '',
].join('\n');

describe('KernelSymbols on a kallsyms fixture', () => {
  const k = KernelSymbols.parse(FIXTURE);

  it('keeps text symbols above the kernel address space only', () => {
    expect(k.size).toBe(7);
  });

  it('resolves an address to the nearest symbol at or below it, with its offset', () => {
    expect(k.resolve(0xffffffff81001234n)).toEqual({ name: 'vfs_read', offset: 0x34n });
    expect(k.resolve(0xffffffff81001200n)).toEqual({ name: 'vfs_read', offset: 0n });
    expect(k.resolve(0xffffffff81002010n)).toEqual({ name: 'vfs_read', offset: 0xe10n }); // data symbols are skipped
    expect(k.resolve(0xffffffff81004010n)).toEqual({ name: 'weak_fn', offset: 16n });
    expect(k.resolve(0xffffffffc0201005n)).toEqual({ name: 'ftrace_trampoline', offset: 5n });
    expect(k.resolve(0xffffffffc0300010n)).toEqual({ name: 'mod_fn', offset: 16n });
    // Beyond the last symbol there is no bound, as in bcc.
    expect(k.resolve(0xffffffffff000000n)?.name).toBe('mod_fn');
  });

  it('picks the alias listed last among symbols at one address', () => {
    expect(k.resolve(0xffffffff81000010n)).toEqual({ name: '_text', offset: 16n });
  });

  it('has nothing below the first symbol (user addresses)', () => {
    expect(k.resolve(0x401000n)).toBeUndefined();
    expect(k.resolve(0xffffffff80ffffffn)).toBeUndefined();
  });

  it('formats like bpftrace: name+offset in stacks, name alone for ksym(), hex when unknown', () => {
    expect(formatSymbol(k.resolve(0xffffffff81001234n), 0xffffffff81001234n, true)).toBe('vfs_read+52');
    expect(formatSymbol(k.resolve(0xffffffff81001234n), 0xffffffff81001234n, false)).toBe('vfs_read');
    expect(formatSymbol(undefined, 0x13b0195n, true)).toBe('0x13b0195');
    expect(hexAddress(0n)).toBe('0');
  });

  it('is empty without kallsyms', () => {
    expect(KernelSymbols.load('/nonexistent/kallsyms').resolve(0xffffffff81000000n)).toBeUndefined();
  });
});

describe.skipIf(!kernelAvailable)('KernelSymbols on this machine', () => {
  const text = readFileSync('/proc/kallsyms', 'latin1');
  const k = KernelSymbols.parse(text);
  const addressOf = (name: string): bigint => {
    const m = new RegExp(`^([0-9a-f]+) [tT] ${name}$`, 'm').exec(text);
    if (!m) throw new Error(`${name} not in /proc/kallsyms`);
    return BigInt(`0x${m[1]}`);
  };

  it('loads tens of thousands of symbols', () => {
    expect(k.size).toBeGreaterThan(10_000);
  });

  it('resolves known functions and offsets into them', () => {
    for (const name of ['do_syscall_64', 'vfs_read', 'schedule']) {
      const at = addressOf(name);
      expect(k.resolve(at + 3n)).toEqual({ name, offset: 3n });
    }
  });
});
