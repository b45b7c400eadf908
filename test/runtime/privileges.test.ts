import { describe, expect, it } from 'vitest';
import { capabilitiesSuffice, checkPrivileges, MISSING_PRIVILEGES } from '../../runtime/privileges.ts';

const status = (capEff: string) => `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\nCapBnd:\t000001ffffffffff\n`;

describe('privileges', () => {
  it('accepts root, CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON', () => {
    expect(checkPrivileges(status('000001ffffffffff'))).toBeUndefined();
    expect(capabilitiesSuffice(1n << 21n)).toBe(true);
    expect(capabilitiesSuffice((1n << 39n) | (1n << 38n))).toBe(true);
  });

  it('rejects CAP_BPF alone, no capabilities, or an unreadable status', () => {
    expect(capabilitiesSuffice(1n << 39n)).toBe(false);
    expect(checkPrivileges(status('0000000000000000'))).toBe(MISSING_PRIVILEGES);
    expect(checkPrivileges('Name:\tnode\n')).toBe(MISSING_PRIVILEGES);
    expect(MISSING_PRIVILEGES).toBe('tsbpf needs root (or CAP_BPF and CAP_PERFMON) to load BPF programs; run it with sudo');
  });
});
