// Bundles the CLI into one CommonJS file: start-up is dominated by module loading, and a
// single bundle avoids chevrotain's ~700-file import graph (see shared notes/startup.md).
// koffi stays external: it ships a native binary and cannot be bundled.
import { build } from 'esbuild';

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
  define: { 'process.env.TSBPF_BUNDLED': '"1"' },
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
  logLevel: 'warning',
});
