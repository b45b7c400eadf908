#!/bin/sh
":" //; b=$0; [ -L "$b" ] && b=$(readlink -f "$b"); d=${b%/*}/../dist; unset NODE_EXTRA_CA_CERTS; if [ -z "$NODE_OPTIONS$TSBPF_NO_SNAPSHOT" ] && [ -f "$d/tsbpf.blob" ] && { read -r s; read -r c; } < "$d/tsbpf.blob.node" && [ -x "$s" ] && ! [ "$s" -nt "$d/tsbpf.blob" ]; then while read -r l; do case $l in flags*) break ;; esac; done < /proc/cpuinfo; [ "$l" = "$c" ] && exec "$s" --snapshot-blob "$d/tsbpf.blob" "$d/tsbpf.cjs" "$@"; fi; exec node "$d/tsbpf.cjs" "$@"
// Both a shell script and JavaScript. Run directly, the line above (a string and a comment to
// node) starts node once: from the V8 startup snapshot `npm run build` made, if the node binary
// and CPU flags recorded in tsbpf.blob.node are unchanged and NODE_OPTIONS cannot alter V8's
// flags (any of these makes node refuse the snapshot with exit code 14), else from the bundle.
// TSBPF_NO_SNAPSHOT=1 forces the bundle. NODE_EXTRA_CA_CERTS is dropped: tsbpf makes no TLS
// connections and node would parse that file at start-up (~25 ms). Run as `node bin/tsbpf.cjs`,
// node skips the #! line and loads the bundle in this same process.
require('../dist/tsbpf.cjs');
