// Bundles the CLI into one CommonJS file: start-up is dominated by module loading, and a
// single bundle avoids chevrotain's ~700-file import graph (see shared notes/startup.md).
// koffi stays external: it ships a native binary and cannot be bundled.
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

// The sources are ESM and use import.meta.url (e.g. createRequire for koffi); in a CJS bundle
// it is rebuilt from the file's path. The CLI asks at run time and from the script node was
// started with, because a startup snapshot would otherwise remember where it was built.
const libraryMetaUrl = {
  define: { 'import.meta.url': '__tsbpf_import_meta_url' },
  banner: { js: 'var __tsbpf_import_meta_url = require("url").pathToFileURL(__filename).href;' },
};
const cliMetaUrl = {
  define: { 'import.meta.url': '__tsbpf_meta.url' },
  banner: {
    js: 'var __tsbpf_meta = { get url() { const a = process.argv[1]; return require("url").pathToFileURL(a ? require("fs").realpathSync(a) : __filename).href; } };',
  },
};

await build({
  entryPoints: ['cli/main.ts'],
  outfile: 'dist/tsbpf.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  external: ['koffi'],
  banner: cliMetaUrl.banner,
  define: {
    ...cliMetaUrl.define,
    'process.env.TSBPF_BUNDLED': '"1"',
    'process.env.TSBPF_VERSION': JSON.stringify(version),
  },
  logLevel: 'warning',
});
await build({
  entryPoints: ['index.ts'],
  outfile: 'dist/index.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['koffi', 'chevrotain', 'commander'],
  ...libraryMetaUrl,
  logLevel: 'warning',
});

// A V8 startup snapshot of the CLI bundle with the lexer and parser already built (cli/main.ts
// warms them up when it sees it is building a snapshot): restoring it starts tsbpf in about the
// time of a bare `node -e 0`. bin/tsbpf.cjs uses it only with the node binary and CPU it was
// built with (recorded in tsbpf.blob.node), else it loads the bundle. Failing to build it is not
// an error.
function buildSnapshot() {
  const blob = 'dist/tsbpf.blob';
  rmSync(blob, { force: true });
  rmSync(`${blob}.node`, { force: true });
  const tmp = `${blob}.${process.pid}.tmp`;
  const r = spawnSync(process.execPath, ['--snapshot-blob', tmp, '--build-snapshot', 'dist/tsbpf.cjs'], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    console.warn(`build.mjs: no startup snapshot (tsbpf starts slower): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
    return;
  }
  // A truncated blob crashes node: write aside, then rename.
  renameSync(tmp, blob);
  // V8 refuses a snapshot taken with other CPU features (its flag hash changes): record them.
  const flags = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags')) ?? '';
  writeFileSync(`${blob}.node`, `${process.execPath}\n${flags.trim()}\n`);
}
buildSnapshot();
