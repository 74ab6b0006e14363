#!/usr/bin/env bash
# Proves what can be proved without a container engine: the compiled binary runs inside a root filesystem that
# holds only what gcr.io/distroless/base-nossl-debian12 holds (glibc, CA certificates, tzdata, passwd with the
# nonroot uid 65532, /tmp), as uid 65532, answers /health, and its `healthcheck` subcommand works there.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "distroless check: needs root (chroot, mount)"; exit 1; }
work=$(mktemp -d)
chmod 755 "$work" # apt downloads as its own user
rootfs="$work/rootfs"
chroot=$(command -v chroot)
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
	umount "$rootfs/proc" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# Debian 12 packages, as the distroless debian12 base is built from them.
apt-get update -qq >/dev/null
(cd "$work" && apt-get download -qq -o APT::Sandbox::User=root libc6 base-files netbase tzdata ca-certificates >/dev/null)
mkdir -p "$rootfs"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$rootfs"; done
# usr-merge, as the images have it
for dir in bin lib lib64 sbin; do
	if [ -d "$rootfs/$dir" ] && [ ! -L "$rootfs/$dir" ]; then
		mkdir -p "$rootfs/usr/$dir" && cp -a "$rootfs/$dir/." "$rootfs/usr/$dir/" && rm -rf "${rootfs:?}/$dir"
	fi
	[ -e "$rootfs/$dir" ] || ln -s "usr/$dir" "$rootfs/$dir"
done
mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/tmp" "$rootfs/proc" "$rootfs/app"
chmod 1777 "$rootfs/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$rootfs/etc/group"
cat /etc/ssl/certs/ca-certificates.crt >"$rootfs/etc/ssl/certs/ca-certificates.crt"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
# Nothing else: no shell, no libssl, no libstdc++.
rm -f "$rootfs/usr/bin/"* "$rootfs/usr/sbin/"* 2>/dev/null || true

bun run build >/dev/null 2>&1
cp ollama-proxy "$rootfs/app/ollama-proxy"
mount -t proc proc "$rootfs/proc"

port=$(bun -e 'const s = Bun.serve({ port: 0, fetch: () => new Response() }); console.log(s.port); s.stop(true)')
env -i HOST=127.0.0.1 PORT="$port" OPENAI_BASE_URL=http://127.0.0.1:9/v1 \
	"$chroot" --userspec=65532:65532 "$rootfs" /app/ollama-proxy >"$work/server.log" 2>&1 &
pid=$!

# bun, not curl: CI machines are only guaranteed to have what .ci/run installs.
for _ in $(seq 1 100); do
	bun -e "const r = await fetch('http://127.0.0.1:$port/health'); process.stdout.write(await r.text())" \
		>"$work/health.json" 2>/dev/null && break
	sleep 0.05
done
grep -q '"status":"healthy"' "$work/health.json" || { cat "$work/server.log"; echo "distroless check: /health did not answer"; exit 1; }

# env and chroot exec into the binary, so the background job's pid is the server's.
uid=$(grep '^Uid:' "/proc/$pid/status" | cut -f2)
[ "$uid" = 65532 ] || { echo "distroless check: server runs as uid $uid, not 65532"; exit 1; }

env -i PORT="$port" "$chroot" --userspec=65532:65532 "$rootfs" /app/ollama-proxy healthcheck ||
	{ echo "distroless check: healthcheck failed inside the rootfs"; exit 1; }
if env -i PORT=9 "$chroot" --userspec=65532:65532 "$rootfs" /app/ollama-proxy healthcheck; then
	echo "distroless check: healthcheck passed against a closed port"
	exit 1
fi

echo "distroless check: ok ($(du -shx "$rootfs" 2>/dev/null | cut -f1) rootfs, uid $uid, /health and healthcheck answered)"
