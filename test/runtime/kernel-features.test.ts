import { describe, expect, it } from 'vitest';
import { fieldRelocationsSupported, kernelVersion } from '../../runtime/kernel-features.ts';

describe('kernel features', () => {
  it('reads major and minor from a release string', () => {
    expect(kernelVersion('6.18.0-1-cloud-amd64')).toEqual([6, 18]);
    expect(kernelVersion('5.4.0')).toEqual([5, 4]);
    expect(kernelVersion('weird')).toBeUndefined();
  });

  it('uses relocated kernel fields from 5.17, and only with kernel BTF', () => {
    const btf = () => true;
    expect(fieldRelocationsSupported([5, 16], btf)).toBe(false);
    expect(fieldRelocationsSupported([5, 17], btf)).toBe(true);
    expect(fieldRelocationsSupported([6, 1], btf)).toBe(true);
    expect(fieldRelocationsSupported([4, 19], btf)).toBe(false);
    expect(fieldRelocationsSupported([6, 18], () => false)).toBe(false);
    expect(fieldRelocationsSupported(undefined, btf)).toBe(false);
  });
});
