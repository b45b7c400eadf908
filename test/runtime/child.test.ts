// The -c child: command-line splitting and the stopped-until-released start.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChildCommand, findExecutable, splitCommand } from '../../runtime/child.ts';

describe('splitCommand', () => {
  it('splits on blanks and groups quoted words', () => {
    expect(splitCommand('  ls -l   /tmp ')).toEqual(['ls', '-l', '/tmp']);
    expect(splitCommand(`sh -c "echo 'a b'" x\\ y ''`)).toEqual(['sh', '-c', "echo 'a b'", 'x y', '']);
    expect(splitCommand('printf "%s\\"\\n"')).toEqual(['printf', '%s"\\n']);
  });

  it('rejects an unterminated quote', () => {
    expect(() => splitCommand('echo "hi')).toThrow('unterminated " quote in the command');
  });
});

describe('findExecutable', () => {
  it('looks bare names up in PATH', () => {
    expect(findExecutable('sh', '/nonexistent:/bin')).toBe('/bin/sh');
    expect(findExecutable('sh', '/nonexistent')).toBeUndefined();
    expect(findExecutable('/etc/passwd')).toBeUndefined();
  });
});

describe('ChildCommand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-child-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('does not run the command before release, then runs it with the same pid', async () => {
    const marker = join(dir, 'ran');
    const child = await ChildCommand.spawn(['/bin/sh', '-c', `echo $$ > ${marker}; exit 3`]);
    await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(marker)).toBe(false);
    expect(child.running).toBe(true);
    child.release();
    expect(await child.exited).toBe(3);
    expect(readFileSync(marker, 'utf8')).toBe(`${child.pid}\n`);
    expect(child.running).toBe(false);
  });

  it('never runs the command when killed before release', async () => {
    const marker = join(dir, 'never');
    const child = await ChildCommand.spawn(['/bin/sh', '-c', `touch ${marker}`]);
    child.kill();
    await child.exited;
    expect(existsSync(marker)).toBe(false);
  });

  it('rejects a command that is not found', async () => {
    await expect(ChildCommand.spawn(['no-such-command-xyz'])).rejects.toThrow("cannot run 'no-such-command-xyz': no such executable in PATH");
  });
});
