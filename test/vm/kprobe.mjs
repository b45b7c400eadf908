// kprobe/kretprobe and fentry/fexit tests for the second-kernel rig (test/vm/run boots a kernel
// with kprobes and tracing programs and runs this there). Plain node, not vitest: node starts 10-30x slower under TCG. Prints one
// PASS/FAIL line per check and exits non-zero if any failed.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/tsbpf.cjs', import.meta.url));
const NOTIFY = '__BPFTRACE_NOTIFY_PROBES_ATTACHED';
const TIMEOUT_MS = 120_000;
let failed = 0;

function check(name, ok, detail) {
  if (!ok) failed++;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${ok ? '' : `\n  ${detail.replace(/\n/g, '\n  ')}`}`);
}

/** Starts tsbpf; `whileAttached` runs once it reported its probes attached. */
function tsbpf(args, whileAttached) {
  return new Promise((resolve) => {
    const child = spawn(BIN, args, { env: { ...process.env, [NOTIFY]: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let attached = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      if (!attached && stdout.includes(`${NOTIFY}\n`)) {
        attached = true;
        whileAttached(child);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: stdout.replace(`${NOTIFY}\n`, ''), stderr });
    });
  });
}

/** Opens files in batches until told to stop, yielding to the event loop between batches. */
function openFilesUntil(stopped) {
  const step = () => {
    for (let i = 0; i < 50; i++) {
      closeSync(openSync('/etc/hostname', 'r'));
      try {
        closeSync(openSync('/nonexistent-tsbpf-vm-test', 'r'));
      } catch {
        // ENOENT is the point: a negative retval.
      }
    }
    if (!stopped()) setImmediate(step);
  };
  step();
}

const show = (r) => `code ${r.code} signal ${r.signal}\nstdout: ${JSON.stringify(r.stdout)}\nstderr: ${JSON.stringify(r.stderr)}`;

console.log(`kernel ${spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim()}`);

// 1. kprobe count
{
  let done = false;
  const r = await tsbpf(['-e', 'kprobe:do_sys_openat2 { @ = count(); } interval:ms:300 { exit(); }'], () => openFilesUntil(() => done));
  done = true;
  const m = /^\n\n@: (\d+)\n$/.exec(r.stdout);
  check('kprobe:do_sys_openat2 counts opens', r.code === 0 && m !== null && Number(m[1]) > 0 && r.stderr === 'Attaching 2 probes...\n', show(r));
}

// 1b. kprobe wildcard: one probe per matching function, `probe` names each
{
  let done = false;
  const r = await tsbpf(['-e', 'kprobe:do_sys_open* { @[probe] = count(); } interval:ms:300 { exit(); }'], () => openFilesUntil(() => done));
  done = true;
  const attached = /^Attaching (\d+) probes\.\.\.\n$/.exec(r.stderr);
  check(
    'kprobe:do_sys_open* expands to every matching function and counts do_sys_openat2',
    r.code === 0 && attached !== null && Number(attached[1]) >= 3 && /\n@\[kprobe:do_sys_openat2\]: [1-9]\d*\n/.test(r.stdout),
    show(r),
  );
}

// 2. kretprobe with retval, filtered to this process
{
  let done = false;
  const r = await tsbpf(
    ['-e', 'kretprobe:do_sys_openat2 /pid == $1/ { @min = min(retval); @max = max(retval); } interval:ms:300 { exit(); }', String(process.pid)],
    () => openFilesUntil(() => done),
  );
  done = true;
  const m = /^\n\n@max: (\d+)\n@min: (-?\d+)\n$/.exec(r.stdout);
  check('kretprobe:do_sys_openat2 sees retval (fd >= 3 and -ENOENT)', r.code === 0 && m !== null && Number(m[1]) >= 3 && m[2] === '-2', show(r));
}

// 2b. comm in a kprobe and an fentry program: on this kernel too (6.1 >= 5.17) it is read with
//     loads the kernel relocates to task_struct.comm, not with bpf_get_current_comm
{
  let done = false;
  const r = await tsbpf(
    ['-e', 'kprobe:do_sys_openat2 /pid == $1/ { @k[comm] = count(); } fentry:do_sys_openat2 /pid == $1/ { @f[comm] = count(); } interval:ms:300 { exit(); }', String(process.pid)],
    () => openFilesUntil(() => done),
  );
  done = true;
  const d = spawnSync(BIN, ['-d', '-e', 'kprobe:do_sys_openat2 { @[comm] = count(); }'], { encoding: 'utf8' });
  check(
    'comm in kprobe and fentry programs is read through relocated task_struct.comm loads',
    r.code === 0 && /^@f\[node\]: [1-9]\d*$/m.test(r.stdout) && /^@k\[node\]: [1-9]\d*$/m.test(r.stdout) &&
      d.stdout.includes('task_struct.comm+8') && !d.stdout.includes('get_current_comm'),
    `${show(r)}\n-d: ${d.stdout}`,
  );
}

// 2c. ntop() of a kernel struct's IPv6 address array and of its IPv4 integer, as the tcp*.bt
//     tools read them, on connections to 127.0.0.1 and ::1 (the guest has lo)
{
  const script =
    'kprobe:tcp_connect /pid == $1/ { $sk = (struct sock *)arg0; @v6[ntop($sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8)] = count(); ' +
    '@v4[ntop($sk->__sk_common.skc_daddr)] = count(); } interval:ms:1500 { exit(); }';
  const r = await tsbpf(['-e', script, String(process.pid)], () => {
    for (const host of ['127.0.0.1', '::1']) {
      const srv = createServer((s) => s.end()).listen(0, host, () => {
        const c = connect(srv.address().port, host, () => {
          c.end();
          srv.close();
        });
        c.on('error', () => srv.close());
      });
    }
  });
  check(
    'ntop() of sock_common\'s skc_v6_daddr.in6_u.u6_addr8 and skc_daddr in a kprobe',
    r.code === 0 && /^@v6\[::1\]: 1$/m.test(r.stdout) && /^@v4\[127\.0\.0\.1\]: 1$/m.test(r.stdout),
    show(r),
  );
}

// 2c'. the shape of bpftrace's tcpconnect.bt: AF_INET from <sys/socket.h>, the family's address
//      via ntop(), the destination port turned around with `$dport = bswap($dport)`
{
  const ports = [];
  const script =
    '#include <sys/socket.h>\n' +
    'kprobe:tcp_connect /pid == $1/ { $sk = (struct sock *)arg0; $f = $sk->__sk_common.skc_family; ' +
    'if ($f == AF_INET) { $d = ntop($sk->__sk_common.skc_daddr); } else { $d = ntop($sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8); } ' +
    '$dport = $sk->__sk_common.skc_dport; $dport = bswap($dport); printf("%s %d\\n", $d, $dport); } interval:ms:1500 { exit(); }';
  const r = await tsbpf(['-e', script, String(process.pid)], () => {
    for (const host of ['127.0.0.1', '::1']) {
      const srv = createServer((s) => s.end()).listen(0, host, () => {
        ports.push(`${host} ${srv.address().port}`);
        const c = connect(srv.address().port, host, () => {
          c.end();
          srv.close();
        });
        c.on('error', () => srv.close());
      });
    }
  });
  const lines = r.stdout.split('\n').filter((l) => /^\S+ \d+$/.test(l)).sort();
  check('tcpconnect.bt\'s pattern: AF_INET, ntop() of either family, bswap() of a 16-bit variable', r.code === 0 && lines.join() === ports.sort().join(), `${show(r)}\nports: ${ports}`);
}

// 2d. kaddr() of a data symbol (this kernel lists them: CONFIG_KALLSYMS_ALL) and `*` reading it,
//     as bpftrace's loads.bt does: avenrun[0] is the 1-minute load in 11-bit fixed point
{
  const r = spawnSync(BIN, ['-q', '-e', 'BEGIN { $a = kaddr("avenrun"); printf("%d %d\\n", $a > 0, (*$a >> 11) < 1000 && *($a + 16) >= 0); exit(); }'], {
    encoding: 'utf8',
  });
  check('kaddr("avenrun") and * read the load average', r.status === 0 && r.stdout === '1 1\n\n\n', show({ ...r, code: r.status }));
}

// 3. the design card: sys_execve resolves to __x64_sys_execve, no tracepoint fallback here
{
  const r = await tsbpf(['-e', 'kprobe:sys_execve < printf("Hello\\n") >'], (child) => {
    spawnSync('/bin/true');
    setTimeout(() => child.kill('SIGINT'), 500);
  });
  check(
    'kprobe:sys_execve prints Hello with no fallback notice',
    r.code === 0 && /^(Hello\n)+\n\n$/.test(r.stdout) && r.stderr === 'Attaching 1 probe...\n',
    show(r),
  );
}

// 4. -d shows a kprobe program, not a tracepoint one
{
  const r = spawnSync(BIN, ['-d', '-e', 'kprobe:sys_execve { exit(); }'], { encoding: 'utf8' });
  check('-d compiles kprobe:sys_execve as a kprobe program', r.status === 0 && /\(kprobe\) for kprobe:sys_execve/.test(r.stdout) && r.stderr === '', show({ ...r, code: r.status }));
}

// 5. fentry: parameters by name, str() of a user pointer, a signed int parameter, arithmetic on
//    a struct pointer (struct open_how is 8-aligned)
{
  let done = false;
  const r = await tsbpf(
    [
      '-e',
      'fentry:do_sys_openat2 /pid == $1/ { @[str(args.filename)] = count(); @dfd[args->dfd] = count(); } ' +
        'f:do_sys_openat2 /pid == $1 && args.how != 0/ { @low[args.how & 7] = count(); } interval:ms:300 { exit(); }',
      String(process.pid),
    ],
    () => openFilesUntil(() => done),
  );
  done = true;
  const hits = (key) => Number(new RegExp(`^${key.replace(/[[\]]/g, '\\$&')}: (\\d+)$`, 'm').exec(r.stdout)?.[1] ?? 0);
  check(
    'fentry:do_sys_openat2 counts str(args.filename), args->dfd (AT_FDCWD = -100) and args.how & 7',
    r.code === 0 && hits('@[/etc/hostname]') > 0 && hits('@[/nonexistent-tsbpf-vm-test]') > 0 && hits('@dfd[-100]') > 0 &&
      hits('@low[0]') > 0 && !/^@low\[[1-7]\]/m.test(r.stdout) && r.stderr === 'Attaching 3 probes...\n',
    show(r),
  );
}

// 6. fexit with retval (the function's own return type) and its parameters
{
  let done = false;
  const r = await tsbpf(
    ['-e', 'fr:do_sys_openat2 /pid == $1/ { @min = min(retval); @max = max(retval); @dfd = min(args.dfd); } interval:ms:300 { exit(); }', String(process.pid)],
    () => openFilesUntil(() => done),
  );
  done = true;
  const m = /^\n\n@dfd: (-?\d+)\n@max: (\d+)\n@min: (-?\d+)\n$/.exec(r.stdout);
  check(
    'fexit:do_sys_openat2 sees retval (fd >= 3 and -ENOENT) and args.dfd',
    r.code === 0 && m !== null && m[1] === '-100' && Number(m[2]) >= 3 && m[3] === '-2' && r.stderr === 'Attaching 2 probes...\n',
    show(r),
  );
}

// 7. sys_NAME resolves to __x64_sys_NAME in BTF: no fallback notice on a kernel with fentry
{
  let done = false;
  const r = await tsbpf(['-e', 'fentry:sys_openat { @ = count(); } interval:ms:300 { exit(); }'], () => openFilesUntil(() => done));
  done = true;
  check('fentry:sys_openat attaches to __x64_sys_openat with no fallback', r.code === 0 && /^\n\n@: [1-9]\d*\n$/.test(r.stdout) && r.stderr === 'Attaching 2 probes...\n', show(r));
}

// 8. -d shows a tracing program that reads the return slot after the three parameters
{
  const r = spawnSync(BIN, ['-d', '-e', 'fexit:do_sys_openat2 { @ = sum(retval); }'], { encoding: 'utf8' });
  check(
    '-d compiles fexit:do_sys_openat2 as a tracing program',
    r.status === 0 && /\(tracing\) for fexit:do_sys_openat2/.test(r.stdout) && /\*\(u64 \*\)\(r6 \+24\)/.test(r.stdout) && r.stderr === '',
    show({ ...r, code: r.status }),
  );
}

// 9. kernel struct pointers through BTF: a kprobe's arg cast to `struct open_how *` and an
//    fentry struct-pointer parameter, both reading open_how.flags (libuv opens with O_CLOEXEC)
{
  let done = false;
  const r = await tsbpf(
    [
      '-e',
      'kprobe:do_sys_openat2 /pid == $1/ { @k[((struct open_how *)arg2)->flags & 0x80000] = count(); } ' +
        'fentry:do_sys_openat2 /pid == $1/ { @f[args.how->flags & 0x80000, args.how.mode] = count(); } interval:ms:300 { exit(); }',
      String(process.pid),
    ],
    () => openFilesUntil(() => done),
  );
  done = true;
  const keys = (map) => [...r.stdout.matchAll(new RegExp(`^@${map}\\[([^\\]]*)\\]: [1-9]\\d*$`, 'gm'))].map((m) => m[1]);
  check(
    'struct open_how flags via (struct open_how *)arg2 in a kprobe and args.how-> in fentry',
    r.code === 0 && keys('k').join() === '524288' && keys('f').join() === '524288, 0' && r.stderr === 'Attaching 3 probes...\n',
    show(r),
  );
}

console.log(failed === 0 ? 'ALL PASS' : `${failed} FAILED`);
process.exit(failed === 0 ? 0 : 1);
