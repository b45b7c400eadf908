import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const isKoffiLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((p) => /[/\\]koffi[/\\]/.test(p));

describe('koffi loading', () => {
  it('is deferred until a runtime function needs libc', async () => {
    await import('../../runtime/session.ts');
    await import('../../runtime/kernel-env.ts');
    await import('../../runtime/privileges.ts');
    expect(isKoffiLoaded()).toBe(false);
    const { libc } = await import('../../runtime/libc.ts');
    libc();
    expect(isKoffiLoaded()).toBe(true);
  });
});
