// End to end through the built CLI: time(), -f json and -o FILE, byte for byte as bpftrace 0.17.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../cli/args.ts';
import { kernelAvailable } from '../support/kernel.ts';
import { hasCommand, tsbpf } from './cli.ts';

const SCRIPT = String.raw`BEGIN { printf("a\"b\\c\td\n%s\x01\n", "é"); @a = count(); @b[1] = sum(5); @b[2] = sum(3); @c["x", 2] = max(3); @d = avg(4); @e = stats(7); @h = hist(5); @l = lhist(-5, 0, 100, 10); @l = lhist(500, 0, 100, 10); @s["a"] = "str\"q"; print(@b); exit(); }`;

// bpftrace 0.17's `-f json` stdout for SCRIPT on this machine.
const JSON_OUT = [
  '{"type": "attached_probes", "data": {"probes": 1}}',
  String.raw`{"type": "printf", "data": "a\"b\\c\td\n\uffffffc3\uffffffa9\u0001\n"}`,
  '{"type": "map", "data": {"@b": {"2": 3, "1": 5}}}',
  '',
  '',
  '{"type": "map", "data": {"@a": 1}}',
  '{"type": "map", "data": {"@b": {"2": 3, "1": 5}}}',
  '{"type": "map", "data": {"@c": {"x,2": 3}}}',
  '{"type": "stats", "data": {"@d": 4}}',
  '{"type": "stats", "data": {"@e": {"count": 1, "average": 7, "total": 7}}}',
  '{"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 1}]}}',
  '{"type": "hist", "data": {"@l": [{"max": -1, "count": 1}, {"min": 0, "max": 9, "count": 0}, {"min": 10, "max": 19, "count": 0}, {"min": 20, "max": 29, "count": 0}, {"min": 30, "max": 39, "count": 0}, {"min": 40, "max": 49, "count": 0}, {"min": 50, "max": 59, "count": 0}, {"min": 60, "max": 69, "count": 0}, {"min": 70, "max": 79, "count": 0}, {"min": 80, "max": 89, "count": 0}, {"min": 90, "max": 99, "count": 0}, {"min": 100, "count": 1}]}}',
  String.raw`{"type": "map", "data": {"@s": {"a": "str\"q"}}}`,
  '',
].join('\n');

const tmpFile = (name: string): string => join(mkdtempSync(join(tmpdir(), 'tsbpf-o-')), name);

/** bpftrace's stdout (and -o file) for a script; stderr dropped (it warns about RLIMIT_MEMLOCK). */
function bpftrace(args: readonly string[]): string {
  return execFileSync('bpftrace', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, TZ: 'UTC' } });
}

/** HH:MM:SS in UTC of `ms`. */
const hms = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

describe('-f and -o arguments', () => {
  it('are passed on', () => {
    expect(parseArgs(['-f', 'json', '-o', 'x.json', '-e', 'BEGIN {}'])).toMatchObject({ kind: 'run', options: { format: 'json', outputFile: 'x.json' } });
    const plain = parseArgs(['-e', 'BEGIN {}']);
    expect(plain.kind === 'run' && 'format' in plain.options).toBe(false);
  });
  it('reject an unknown format', () => {
    expect(parseArgs(['-f', 'yaml', '-e', 'BEGIN {}'])).toEqual({
      kind: 'exit', code: 1, stdout: '', stderr: `tsbpf: invalid output format "yaml": valid formats are 'text' and 'json'\n`,
    });
  });
});

describe.skipIf(!kernelAvailable)('-f json (live kernel)', () => {
  it('prints printf, print(@m), attached_probes and the exit maps as bpftrace does', () => {
    expect(tsbpf(['-f', 'json', '-e', SCRIPT])).toEqual({ code: 0, signal: null, stdout: JSON_OUT, stderr: '' });
  });

  it('-q drops attached_probes; -f text is the default', () => {
    expect(tsbpf(['-q', '-f', 'json', '-e', SCRIPT]).stdout).toBe(JSON_OUT.slice(JSON_OUT.indexOf('\n') + 1));
    expect(tsbpf(['-f', 'text', '-e', 'BEGIN { @x[1, "a"] = 3; exit(); }'])).toEqual({
      code: 0, signal: null, stdout: '\n\n@x[1, a]: 3\n', stderr: 'Attaching 1 probe...\n',
    });
  });

  it.skipIf(!hasCommand('bpftrace'))('is byte for byte what the installed bpftrace prints', () => {
    expect(tsbpf(['-f', 'json', '-e', SCRIPT]).stdout).toBe(bpftrace(['-f', 'json', '-e', SCRIPT]));
  });

  it('rejects an unknown format', () => {
    expect(tsbpf(['-f', 'xml', '-e', 'BEGIN { exit(); }'])).toEqual({
      code: 1, signal: null, stdout: '', stderr: `tsbpf: invalid output format "xml": valid formats are 'text' and 'json'\n`,
    });
  });
});

describe.skipIf(!kernelAvailable)('time() (live kernel)', () => {
  const TIMES = 'BEGIN { time(); time("%H:%M:%S "); time("[%Y-%m-%d %a %b %e %j %p %I %T %Z %z %%]\\n"); printf("\\n"); time(""); exit(); }';

  it('prints the local time when the event arrives, in order with printf; an empty result is an error', () => {
    const t0 = Date.now();
    const r = tsbpf(['-e', TIMES], { env: { TZ: 'UTC' } });
    const t1 = Date.now();
    const m = /^(\d\d:\d\d:\d\d)\n(\d\d:\d\d:\d\d) \[(\d{4}-\d\d-\d\d) \w{3} \w{3} [ \d]\d \d{3} [AP]M \d\d (\d\d:\d\d:\d\d) UTC \+0000 %\]\n\n\n\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    for (const t of [m![1]!, m![2]!, m![4]!]) expect(t >= hms(t0 - 1000) && t <= hms(t1)).toBe(true);
    expect(m![3]).toBe(new Date(t1).toISOString().slice(0, 10));
    expect(r.stderr).toBe('Attaching 1 probe...\nERROR: strftime returned 0\n');
    expect(r.code).toBe(0);
  });

  it('in the local time zone ($TZ), %Z as glibc names it', () => {
    const r = tsbpf(['-q', '-e', 'BEGIN { time("%Z %z\\n"); exit(); }'], { env: { TZ: 'Asia/Kolkata' } });
    expect(r.stdout).toBe('IST +0530\n\n\n');
  });

  it('as JSON lines', () => {
    const r = tsbpf(['-q', '-f', 'json', '-e', 'BEGIN { time("%H:%M:%S "); exit(); }'], { env: { TZ: 'UTC' } });
    expect(r.stdout).toMatch(/^\{"type": "time", "data": "\d\d:\d\d:\d\d "\}\n\n\n$/);
  });

  it.skipIf(!hasCommand('bpftrace'))('has the shape the installed bpftrace prints', () => {
    const shape = (s: string): string => s.replace(/\d/g, '9');
    const script = 'BEGIN { time(); time("%H:%M:%S "); time("%F %Z %z|"); exit(); }';
    expect(shape(tsbpf(['-q', '-e', script], { env: { TZ: 'UTC' } }).stdout)).toBe(shape(bpftrace(['-q', '-e', script])));
    expect(shape(tsbpf(['-q', '-f', 'json', '-e', script], { env: { TZ: 'UTC' } }).stdout)).toBe(shape(bpftrace(['-q', '-f', 'json', '-e', script])));
  });

  it('takes only a string literal, as a statement', () => {
    expect(tsbpf(['-e', 'BEGIN { $x = "%H"; time($x); }']).stderr).toBe(
      'stdin:1:20-28: ERROR: time() expects a string literal (string provided)\nBEGIN { $x = "%H"; time($x); }\n                   ~~~~~~~~\n',
    );
    expect(tsbpf(['-e', 'BEGIN { @x = time(); }']).stderr).toBe(
      'stdin:1:14-20: ERROR: time() should not be used in an assignment or as a map key\nBEGIN { @x = time(); }\n             ~~~~~~\n',
    );
    expect(tsbpf(['-e', 'BEGIN { time("a", "b"); }']).stderr).toBe(
      'stdin:1:9-23: ERROR: time() takes up to one argument (2 provided)\nBEGIN { time("a", "b"); }\n        ~~~~~~~~~~~~~~\n',
    );
  });
});

describe.skipIf(!kernelAvailable)('-o FILE (live kernel)', () => {
  const MAPS = 'BEGIN { printf("hi\\n"); time("%%\\n"); @a[1] = count(); @b = hist(3); exit(); }';

  it('writes the trace output to FILE; stdout keeps the two newlines before the exit maps, as in bpftrace', () => {
    const path = tmpFile('out.txt');
    const r = tsbpf(['-o', path, '-e', MAPS]);
    expect(r).toEqual({ code: 0, signal: null, stdout: '\n\n', stderr: 'Attaching 1 probe...\n' });
    expect(readFileSync(path, 'utf8')).toBe('hi\n%\n@a[1]: 1\n@b: \n[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n');
  });

  it('with -f json', () => {
    const path = tmpFile('out.json');
    const r = tsbpf(['-f', 'json', '-o', path, '-e', MAPS]);
    expect(r).toEqual({ code: 0, signal: null, stdout: '\n\n', stderr: '' });
    expect(readFileSync(path, 'utf8')).toBe(
      [
        '{"type": "attached_probes", "data": {"probes": 1}}',
        '{"type": "printf", "data": "hi\\n"}',
        '{"type": "time", "data": "%\\n"}',
        '{"type": "map", "data": {"@a": {"1": 1}}}',
        '{"type": "hist", "data": {"@b": [{"min": 2, "max": 3, "count": 1}]}}',
        '',
      ].join('\n'),
    );
  });

  it.skipIf(!hasCommand('bpftrace'))('matches the installed bpftrace (its text-mode Attaching line aside)', () => {
    const ours = tmpFile('ours');
    const theirs = tmpFile('theirs');
    const r = tsbpf(['-o', ours, '-e', MAPS]);
    const stdout = bpftrace(['-o', theirs, '-e', MAPS]);
    expect(r.stdout).toBe(stdout);
    expect(readFileSync(ours, 'utf8')).toBe(readFileSync(theirs, 'utf8').replace('Attaching 1 probe...\n', ''));
    const oursJson = tmpFile('ours.json');
    const theirsJson = tmpFile('theirs.json');
    tsbpf(['-f', 'json', '-o', oursJson, '-e', MAPS]);
    bpftrace(['-f', 'json', '-o', theirsJson, '-e', MAPS]);
    expect(readFileSync(oursJson, 'utf8')).toBe(readFileSync(theirsJson, 'utf8'));
  });

  it('reports a file it cannot create', () => {
    const path = join(tmpFile('dir'), 'missing', 'out');
    const r = tsbpf(['-o', path, '-e', 'BEGIN { exit(); }']);
    expect(r).toEqual({ code: 1, signal: null, stdout: '', stderr: `ERROR: cannot open output file '${path}': no such file or directory\n` });
    expect(existsSync(path)).toBe(false);
  });
});
