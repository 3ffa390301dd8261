#!/usr/bin/env bash
# Install sipxdp's build and test dependencies on Debian 12 (bookworm).
# Idempotent: does nothing when every package is already there.
set -euo pipefail

# Every tool a test, the demo or the fuzz run calls is here: CI starts from a
# bare Debian 12 (../shared/tools/fresh-machine.sh), and apt runs without
# recommends, so what a package only recommends is named too.
PKGS=(
	# build
	make gcc clang llvm libc6-dev gcc-multilib pkg-config
	libbpf-dev bpftool libelf-dev zlib1g-dev libpcap-dev libjansson-dev uthash-dev libsodium-dev libmnl-dev libmicrohttpd-dev
	libsystemd-dev libcap-ng-dev
	# the package (make deb): dpkg-buildpackage checks build-essential; systemd
	# gives pkg-config the unit and sysusers directories
	build-essential dpkg-dev debhelper systemd
	# tests: packaging (lintian, the man page rendered, the unit verified, logrotate -d)
	lintian man-db groff-base logrotate
	# tests: unit (cmocka), fuzz (libFuzzer's runtime, only recommended by clang)
	libcmocka-dev libclang-rt-14-dev
	# tests: peers, oracles and tools of the prog, net and conformance tiers
	iproute2 sip-tester tshark tcpreplay prometheus prometheus-node-exporter
	python3 python3-scapy jq curl procps util-linux passwd
	# benchmarks: the observers sipxdp is measured beside (tcpdump, tshark above, sngrep);
	# sngrep is also test_hep.sh's HEP receiver
	tcpdump sngrep
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}; run 'make deps' as root" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture: answer no, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
