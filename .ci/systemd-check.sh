#!/usr/bin/env bash
# Checks deploy/systemd/ollama-proxy.service with Debian's systemd tools, which need no systemd running as PID 1:
# `systemd-analyze verify` and the offline `systemd-analyze security` score, both against a temporary root that holds
# the distribution's units (for the targets the unit depends on) and an executable at the unit's ExecStart path.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v systemd-analyze >/dev/null 2>&1; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null
fi
unit=deploy/systemd/ollama-proxy.service
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd/system" "$root/usr/local/bin"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
cp "$unit" "$root/etc/systemd/system/"
# verify only checks that each Exec*= line names an executable: a stand-in at each path (ExecStart's binary,
# ExecReload's kill), inside the temporary root only.
for exe in $(sed -nE 's/^Exec[A-Za-z]*=[-@!+:]*(\/[^ ]+).*/\1/p' "$unit"); do
	mkdir -p "$root$(dirname "$exe")"
	printf '#!/bin/sh\n' >"$root$exe"
	chmod 755 "$root$exe"
done

# verify exits 0 on an unknown key or a value it cannot parse (it warns and ignores them): any output fails.
out=$(systemd-analyze verify --root="$root" ollama-proxy.service 2>&1) || { echo "$out"; exit 1; }
[ -z "$out" ] || { echo "$out"; echo "systemd check: the unit has warnings"; exit 1; }

# The hardening the unit promises, named: DynamicUser= alone implies some of them, so the score below would not miss
# them. The key comes from the root-only environment file, never from the unit.
for setting in DynamicUser=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes NoNewPrivileges=yes \
	Restart=on-failure; do
	grep -qx "$setting" "$unit" || { echo "systemd check: $unit lacks $setting"; exit 1; }
done
grep -q '^EnvironmentFile=/etc/ollama-proxy/env$' "$unit" || { echo "systemd check: no EnvironmentFile"; exit 1; }
if grep -Eq '^Environment=.*(KEY|TOKEN|SECRET)' "$unit"; then
	echo "systemd check: a secret is set in the unit itself"
	exit 1
fi

# Dropping a hardening setting raises the exposure score (shown as 2.8 of 10) above 3.0 and fails here; the
# threshold is given in tenths.
security=$(systemd-analyze security --offline=yes --threshold=30 --root="$root" ollama-proxy.service 2>&1) ||
	{ echo "$security"; echo "systemd check: exposure above 3.0"; exit 1; }
echo "systemd check: ok (verify clean; $(echo "$security" | tail -1 | sed 's/^→ //'))"
