#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_packaging.sh - sipxdp installs the way README "Install" says.
#
# `make install DESTDIR PREFIX=/usr`: exactly these files with these modes,
# the same bytes as their sources; PREFIX=/usr/local: the unit and the man
# page name where the files went.  The man page renders without a warning,
# has every section, and an item for every long option of `sipxdp --help`
# (so an option added without its documentation fails here) with its short
# form and default; the default configuration names every option with its
# default, every value of it parses, its outputs are in the unit's writable
# directories.  The unit passes `systemd-analyze verify` against the staged
# tree (its ExecStart and man page included) and keeps its exposure of 2.0
# (systemd-analyze security); the unit, sysusers and logrotate files agree on the user and the log
# directory; `logrotate -d` takes the logrotate file.  `make uninstall`
# leaves no file, but a changed one under /etc.  `make deb`: the .deb with
# exactly its files, sane control fields, conffiles, maintainer scripts that
# create the user and neither enable nor start the unit, no lintian error or
# warning, its dependencies resolvable (apt-get -s), its binary and man page
# working once extracted; this tree and its parent left as they were.  And
# node_exporter 1.5 reads a .prom file through a symlink, as README tells
# operators to link the agent's text file.
#
# Nothing is installed on this machine: the unit and logrotate checks run in
# a mount namespace (a user one too when not root: unshare -rm) where the staged binary and a
# passwd naming sipxdp are bind-mounted; node_exporter in a network namespace
# of its own.  No root needed.  Exit 0 pass, 1 fail, 77 skip (a tool missing:
# deploy/deps.sh installs them all, so CI never skips).
set -uo pipefail
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build}
SIPXDP=$BUILD/sipxdp

for tool in dpkg-buildpackage dpkg-parsechangelog dh lintian systemd-analyze logrotate groff man unshare \
	prometheus-node-exporter curl pkg-config; do
	if ! command -v "$tool" >/dev/null; then
		echo "packaging: $tool not installed (make deps): skipped"
		exit 77
	fi
done

tmp=$(mktemp -d) || exit 1
ne_pid=
cleanup() {
	[ -n "$ne_pid" ] && kill "$ne_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# check DESCRIPTION CMD...: one assertion, the command's output shown only if it fails.
check() {
	local what=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		ok
	else
		bad "$what"
		sed 's/^/    /' "$tmp/out" | head -40
	fi
}
# same LABEL GOT WANT: two texts equal, their difference shown if not.
same() {
	if [ "$2" = "$3" ]; then
		ok
	else
		bad "$1"
		diff <(echo "$3") <(echo "$2") | sed 's/^/    /'
	fi
}

if ! make -s "$SIPXDP" >"$tmp/out" 2>&1; then
	bad "make $SIPXDP"
	cat "$tmp/out"
	exit 1
fi

# ---- the version: debian/changelog's, printed by --version ---------------
version=$(dpkg-parsechangelog -S Version)
same "$SIPXDP --version is debian/changelog's version" "$("$SIPXDP" --version)" "sipxdp $version"

# The long options --help prints, from its left column, and their defaults.
help=$("$SIPXDP" --help)
help_opts=$(sed -nE 's/^  (-[A-Za-z], |    )--([a-z][a-z0-9-]*).*/\2/p' <<<"$help")
[ "$(wc -l <<<"$help_opts")" -ge 30 ] && ok || bad "only $(wc -l <<<"$help_opts") options read from --help"
# default OPTION: its default as --help prints it, empty if none.
default() {
	awk -v o="--$1" '
		/^  (-[A-Za-z], |    )--/ { cur = ($0 ~ "--" substr(o, 3) "( |$)") }
		cur && match($0, /default [^)]*\)/) { print substr($0, RSTART + 8, RLENGTH - 9); exit }' <<<"$help"
}
[ "$(default max-calls)" = 20000 ] && [ "$(default sip-port)" = 5060 ] && [ -z "$(default textfile)" ] && ok ||
	bad "default(): max-calls '$(default max-calls)', sip-port '$(default sip-port)', textfile '$(default textfile)'"

# ---- make install, PREFIX=/usr ------------------------------------------
root=$tmp/root
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
unitdir=${unitdir:-/lib/systemd/system}
check "make install DESTDIR PREFIX=/usr" make -s install DESTDIR="$root" PREFIX=/usr
same "the files make install puts, and their modes" \
	"$(cd "$root" && find . ! -type d -printf '%m %P\n' | sort -k2)" \
	"$(sort -k2 <<EOF
644 etc/logrotate.d/sipxdp
644 etc/sipxdp/peers
644 etc/sipxdp/sipxdp.conf
644 ${unitdir#/}/sipxdp.service
644 usr/lib/sysusers.d/sipxdp.conf
755 usr/sbin/sipxdp
644 usr/share/man/man8/sipxdp.8
EOF
)"
# Under /usr every path is the packaged one: nothing rewritten.
for pair in "usr/sbin/sipxdp:$SIPXDP" "usr/share/man/man8/sipxdp.8:deploy/man/sipxdp.8" \
	"${unitdir#/}/sipxdp.service:deploy/systemd/sipxdp.service" \
	"usr/lib/sysusers.d/sipxdp.conf:deploy/sysusers/sipxdp.conf" \
	"etc/sipxdp/sipxdp.conf:deploy/config/sipxdp.conf" "etc/sipxdp/peers:deploy/config/peers.example" \
	"etc/logrotate.d/sipxdp:deploy/logrotate/sipxdp"; do
	cmp -s "$root/${pair%%:*}" "${pair#*:}" && ok || bad "/${pair%%:*} differs from ${pair#*:}"
done
unit=$root$unitdir/sipxdp.service
manpage=$root/usr/share/man/man8/sipxdp.8
conf=$root/etc/sipxdp/sipxdp.conf

# ---- the man page -------------------------------------------------------
check "groff -man -ww: no warning" bash -c "groff -man -ww -z '$manpage' 2>&1 | { ! grep .; }"
MANWIDTH=300 man --warnings -l "$manpage" >"$tmp/man.txt" 2>"$tmp/man.err"
[ -s "$tmp/man.err" ] && bad "man -l warns: $(head -5 "$tmp/man.err")" || ok
for s in NAME SYNOPSIS DESCRIPTION OPTIONS "CONFIGURATION FILE" SIGNALS FILES "EXIT STATUS" ENVIRONMENT \
	EXAMPLES "SEE ALSO"; do
	grep -qx "$s" "$tmp/man.txt" && ok || bad "man page: no section $s"
done
grep -qE '^ +sipxdp - ' "$tmp/man.txt" && ok || bad "man page: NAME is not 'sipxdp - ...' (whatis, apropos)"
# Its OPTIONS items, one a line: "TAG<TAB>the item's text", a tag being the
# item's first line at the indent of .TP (7), its text the lines under it.
awk '
	/^[A-Z][A-Z ]*$/ { on = ($0 == "OPTIONS"); next }
	!on { next }
	/^       -/ { if (tag != "") print tag "\t" text; tag = $0; text = ""; next }
	/^   [^ ]/ { if (tag != "") print tag "\t" text; tag = ""; next }	# a subsection
	{ text = text " " $0 }
	END { if (tag != "") print tag "\t" text }' "$tmp/man.txt" | sed -E 's/ +/ /g' >"$tmp/items"
man_opts=$(sed -nE 's/^ ?(-[A-Za-z], )?--([a-z][a-z0-9-]*).*/\2/p' "$tmp/items")
for o in $help_opts; do
	item=$(grep -E "^ ?(-[A-Za-z], )?--$o( |"$'\t'"|$)" "$tmp/items")
	if [ -z "$item" ]; then
		bad "--$o (sipxdp --help) has no item under OPTIONS in deploy/man/sipxdp.8"
		continue
	fi
	ok
	short=$(sed -nE "s/^  (-[A-Za-z]), --$o( .*|$)/\1/p" <<<"$help")
	if [ -n "$short" ]; then
		grep -qE "^ ?$short, --$o" <<<"$item" && ok || bad "man page: --$o without its short form $short"
	fi
	d=$(default "$o")
	if [ -n "$d" ]; then
		grep -qE "default ${d//./\\.}([^0-9.]|$)" <<<"$item" && ok ||
			bad "man page: --$o does not say 'default $d' as --help does"
	fi
done
for o in $man_opts; do
	grep -qx -- "$o" <<<"$help_opts" && ok ||
		bad "man page documents --$o, which sipxdp --help does not have"
done

# ---- the default configuration -------------------------------------------
# Option lines, commented out or not: a name right after the '#' (prose has a space).
conf_lines=$(grep -E '^#?[a-z][a-z0-9-]*([ =]|$)' "$conf")
conf_opts=$(sed -E 's/^#?([a-z][a-z0-9-]*).*/\1/' <<<"$conf_lines" | sort -u)
for o in $help_opts; do
	# Command line only: the file may not hold them (test_opts.c checks it refuses them).
	case $o in config | check-config | help | version | detach | reset-state) continue ;; esac
	grep -qx -- "$o" <<<"$conf_opts" && ok || bad "$conf does not list $o (sipxdp --help has it)"
done
for o in $conf_opts; do
	case $o in
	config | check-config | help | version | detach | reset-state) bad "$conf has $o, which the file may not" ;;
	*) grep -qx -- "$o" <<<"$help_opts" && ok ||
		bad "$conf has $o, which sipxdp --help does not" ;;
	esac
done
# Each commented-out default is --help's.
while read -r name value; do
	d=$(default "$name")
	[ -z "$d" ] || [ "$value" = "$d" ] && ok || bad "$conf: '#$name $value', but --help says default $d"
done < <(sed -nE 's/^#([a-z][a-z0-9-]*)[ =]+([^ ]+)$/\1 \2/p' "$conf")
# Every value in it parses: each line as an option before --help, which
# getopt reaches last, after every value was checked (a bad one is exit 2).
args=()
while read -r name value; do
	args+=("--$name" ${value:+"$value"})
done < <(sed -E 's/^#//; s/[ ]*=[ ]*/ /' <<<"$conf_lines")
check "every option line of $conf parses (sipxdp ${args[*]} --help)" "$SIPXDP" "${args[@]}" --help
! grep -qE '^interface' "$conf" && ok || bad "$conf sets an interface: the package cannot know which"
# The file itself through --config, as the unit reads it: good once an interface is named, and only then.
check "sipxdp --config $conf --check-config -i eth0: the file as shipped parses" \
	"$SIPXDP" --config "$conf" --check-config -i eth0
"$SIPXDP" --config "$conf" --check-config >/dev/null 2>&1
same "... and without an interface it is refused (exit 2: the operator must name one)" "$?" 2

# ---- the unit, the user, the log directory: one story -------------------
unit_val() { sed -nE "s/^$1=(.*)/\1/p" "$unit"; }
user=$(unit_val User)
# A '+' command runs as root, where %u and %g are root: the pin directory's owner is named.
same "the pin directory is made for the unit's User= (by name: %u is root's in a '+' command)" \
	"$(sed -nE 's|^ExecStartPre=.*install -d -o ([^ ]+) -g ([^ ]+) .*/sys/fs/bpf/sipxdp$|\1:\2|p' "$unit")" "$user:$user"
same "the unit's User= is the sysusers.d user" "$user" \
	"$(awk '$1 == "u" { print $2 }' "$root/usr/lib/sysusers.d/sipxdp.conf")"
same "ExecStart runs the installed binary with the installed configuration" "$(unit_val ExecStart)" \
	"/usr/sbin/sipxdp --config /etc/sipxdp/sipxdp.conf"
caps="CAP_BPF CAP_NET_ADMIN CAP_PERFMON CAP_NET_RAW"
same "AmbientCapabilities=" "$(unit_val AmbientCapabilities)" "$caps"
same "CapabilityBoundingSet=" "$(unit_val CapabilityBoundingSet)" "$caps"
# What the unit runs is the package's own binary or an essential package's:
# nothing else is sure to be on a minimal Debian (/bin/kill is procps', and
# `systemctl reload` failed on a minimal system when ExecReload used it).
while read -r prog; do
	[ "$prog" = /usr/sbin/sipxdp ] && { ok; continue; }
	pkg=$(dpkg -S "$prog" 2>/dev/null | awk -F': ' '!/^diversion/ {print $1; exit}')
	[ -n "$pkg" ] && [ "$(dpkg-query -W -f='${Essential}' "$pkg" 2>/dev/null)" = yes ] && ok ||
		bad "the unit runs $prog, which is not from an essential package (${pkg:-no package})"
done < <(sed -nE 's/^Exec[A-Za-z]*=[-@:+!]*([^ ]+).*/\1/p' "$unit")
logdir=/var/log/$(unit_val LogsDirectory) statedir=/var/lib/$(unit_val StateDirectory)
for o in calls-json textfile state-file; do
	path=$(sed -nE "s/^$o[ =]+//p" "$conf")
	case $(dirname "$path") in
	"$logdir" | "$statedir") ok ;;
	*) bad "$conf: $o $path is outside the unit's LogsDirectory and StateDirectory (read-only there)" ;;
	esac
done
same "the peer groups the configuration reads are the installed file" \
	"$(sed -nE 's/^peer-groups[ =]+//p' "$conf")" /etc/sipxdp/peers
lr=$root/etc/logrotate.d/sipxdp
same "logrotate rotates the calls-json directory" "$(sed -n '1,/{/s/^\([^#].*\)\/\*\.json {$/\1/p' "$lr")" "$logdir"
same "logrotate rotates as the unit's user" "$(awk '$1 == "su" { print $2, $3 }' "$lr")" "$user $user"
same "logrotate creates what the agent would (UMask=0027)" "$(awk '$1 == "create" { print $2, $3, $4 }' "$lr")" \
	"0640 $user $user"

# verify: in a mount namespace whose /usr/sbin is the staged one (verify
# checks that ExecStart exists), with MANPATH finding the staged man page
# (it runs `man` for Documentation=man:sipxdp(8)).
# As root, a mount namespace alone: a chrooted process (CI's fresh root) may
# not make a user namespace.  Otherwise a user namespace makes the mount one.
if [ "$(id -u)" = 0 ]; then ns_mount="unshare -m" ns_net="unshare -n"; else ns_mount="unshare -rm" ns_net="unshare -rn"; fi
check "systemd-analyze verify $unitdir/sipxdp.service" env MANPATH="$root/usr/share/man" $ns_mount sh -c '
	mount --bind "$1/usr/sbin" /usr/sbin && systemd-analyze verify "$2" 2>&1 | { ! grep .; }' \
	sh "$root" "$unit"
# The exposure as written, 2.0 (20 on --threshold's scale of 100), is the
# most it may be: a sandbox line dropped raises it (NoNewPrivileges= by 0.2,
# SystemCallFilter= by 1.4) and fails here.
check "systemd-analyze security: exposure at most 2.0" systemd-analyze security --offline=true --threshold=20 "$unit"

# ---- logrotate -d ---------------------------------------------------------
# logrotate resolves `su` and `create` users: a passwd and group naming
# sipxdp, and a /var/log with a calls.json to rotate, bind-mounted.  It
# switches to the `su` user even with -d: as root, to an unused uid; else,
# in a user namespace where only root (this user) is mapped, to root.
if [ "$(id -u)" = 0 ]; then ns="unshare -m" id=64999; else ns="unshare -rm" id=0; fi
mkdir -p "$tmp/log/sipxdp" && echo '{}' >"$tmp/log/sipxdp/calls.json"
{ cat /etc/passwd; echo "$user:x:$id:$id::$statedir:/usr/sbin/nologin"; } >"$tmp/passwd"
{ cat /etc/group; echo "$user:x:$id:"; } >"$tmp/group"
$ns sh -c 'mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/group" /etc/group &&
	mount --bind "$1/log" /var/log && logrotate -d -f -s "$1/state" "$2"' sh "$tmp" "$lr" >"$tmp/lr" 2>&1
rc=$?
if [ $rc -eq 0 ] && ! grep -q '^error' "$tmp/lr"; then ok; else bad "logrotate -d $lr (exit $rc)"; sed 's/^/    /' "$tmp/lr"; fi
for want in "rotating pattern: /var/log/sipxdp/\*.json" "renaming /var/log/sipxdp/calls.json to /var/log/sipxdp/calls.json.1" \
	"creating new /var/log/sipxdp/calls.json mode = 0640 uid = $id gid = $id" "running postrotate script"; do
	grep -q "$want" "$tmp/lr" && ok || bad "logrotate -d: no '$want'"
done

# ---- make uninstall ---------------------------------------------------------
check "make uninstall DESTDIR PREFIX=/usr" make -s uninstall DESTDIR="$root" PREFIX=/usr
same "make uninstall leaves no file" "$(find "$root" ! -type d)" ""
# A changed file under /etc is the operator's: kept by install and uninstall.
make -s install DESTDIR="$root" PREFIX=/usr >/dev/null 2>&1
echo 'carrier_x 192.0.2.0/24' >>"$root/etc/sipxdp/peers"
make -s install DESTDIR="$root" PREFIX=/usr >/dev/null 2>&1
grep -q carrier_x "$root/etc/sipxdp/peers" && ok || bad "make install replaced a changed /etc/sipxdp/peers"
make -s uninstall DESTDIR="$root" PREFIX=/usr >/dev/null 2>&1
same "make uninstall keeps a changed file under /etc, and only it" "$(cd "$root" && find . ! -type d)" \
	"./etc/sipxdp/peers"
rm -rf "$root"

# PREFIX=/usr/local: the configuration still in /etc, the rest under PREFIX,
# the unit and the man page naming where the binary and the unit went.
check "make install DESTDIR PREFIX=/usr/local" make -s install DESTDIR="$root"
same "the files make install puts with PREFIX=/usr/local" "$(cd "$root" && find . ! -type d | sort)" \
	"$(sort <<EOF
./etc/logrotate.d/sipxdp
./etc/sipxdp/peers
./etc/sipxdp/sipxdp.conf
./usr/local/lib/systemd/system/sipxdp.service
./usr/local/lib/sysusers.d/sipxdp.conf
./usr/local/sbin/sipxdp
./usr/local/share/man/man8/sipxdp.8
EOF
)"
same "PREFIX=/usr/local: ExecStart" "$(sed -n 's/^ExecStart=//p' "$root/usr/local/lib/systemd/system/sipxdp.service")" \
	"/usr/local/sbin/sipxdp --config /etc/sipxdp/sipxdp.conf"
grep -q '^\.I /usr/local/lib/systemd/system/sipxdp.service$' "$root/usr/local/share/man/man8/sipxdp.8" && ok ||
	bad "PREFIX=/usr/local: the man page's FILES does not name the unit where it went"
check "make uninstall PREFIX=/usr/local" make -s uninstall DESTDIR="$root"
same "make uninstall PREFIX=/usr/local leaves no file" "$(find "$root" ! -type d)" ""

# ---- make deb -------------------------------------------------------------
tree_before=$(git status --porcelain 2>/dev/null)
parent_before=$(ls -d ../sipxdp_"$version"_* ../sipxdp-dbgsym_"$version"_* 2>/dev/null)
debdir=$tmp/deb
arch=$(dpkg --print-architecture)
deb=$debdir/sipxdp_${version}_$arch.deb
if ! make -s deb BUILD="$debdir" >"$tmp/deb.log" 2>&1 || [ ! -f "$deb" ]; then
	bad "make deb: no $deb"
	tail -30 "$tmp/deb.log" | sed 's/^/    /'
	echo "packaging: $pass passed, $fail failed"
	exit 1
fi
ok
same "make deb leaves this tree as it was" "$(git status --porcelain 2>/dev/null)" "$tree_before"
same "make deb leaves nothing in the parent directory" "$(ls -d ../sipxdp_"$version"_* ../sipxdp-dbgsym_"$version"_* 2>/dev/null)" "$parent_before"
same "the .deb's files" "$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sort)" "$(sort <<EOF
./etc/logrotate.d/sipxdp
./etc/sipxdp/peers
./etc/sipxdp/sipxdp.conf
.$unitdir/sipxdp.service
./usr/lib/sysusers.d/sipxdp.conf
./usr/sbin/sipxdp
./usr/share/doc/sipxdp/changelog.gz
./usr/share/doc/sipxdp/copyright
./usr/share/man/man8/sipxdp.8.gz
EOF
)"
field() { dpkg-deb -f "$deb" "$1"; }
same "Package, Version, Architecture, Section, Priority" \
	"$(field Package) $(field Version) $(field Architecture) $(field Section) $(field Priority)" \
	"sipxdp $version $arch net optional"
grep -qE '^[^<]+ <[^@ ]+@[^> ]+>$' <<<"$(field Maintainer)" && ok || bad "Maintainer '$(field Maintainer)'"
# shlibs found the libraries; dh_installsysusers added what runs systemd-sysusers.
for dep in libbpf1 libc6 libpcap0.8 libjansson4 libmicrohttpd12 "systemd | systemd-standalone-sysusers"; do
	grep -qF "$dep" <<<"$(field Depends)" && ok || bad "Depends has no $dep: $(field Depends)"
done
dpkg-deb -e "$deb" "$tmp/control"
same "conffiles" "$(sort "$tmp/control/conffiles")" \
	"$(printf '%s\n' /etc/logrotate.d/sipxdp /etc/sipxdp/peers /etc/sipxdp/sipxdp.conf)"
grep -q 'systemd-sysusers .*sipxdp.conf' "$tmp/control/postinst" && ok || bad "postinst does not create the user"
# dh_installsystemd --no-enable's snippet enables only what was enabled before;
# the default one enables on first installation ("was-enabled defaults to true").
grep -q "deb-systemd-helper debian-installed 'sipxdp.service'" "$tmp/control/postinst" &&
	! grep -q 'was-enabled defaults to true' "$tmp/control/postinst" && ok ||
	bad "postinst would enable sipxdp.service at installation"
grep -q "deb-systemd-invoke stop 'sipxdp.service'" "$tmp/control/prerm" && ok ||
	bad "prerm does not stop the service at removal"
grep -q 'rm -rf /var/log/sipxdp /var/lib/sipxdp' "$tmp/control/postrm" && ok || bad "postrm does not purge the logs"

lintian --pedantic -I "$deb" >"$tmp/lintian" 2>&1
if grep -qE '^[EW]: ' "$tmp/lintian"; then bad "lintian: errors or warnings"; sed 's/^/    /' "$tmp/lintian"; else ok; fi
# Its dependencies resolve from the archive (nothing is installed).
apt-get install -s "$deb" >"$tmp/apt" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -qE '^Inst sipxdp |sipxdp is already the newest version' "$tmp/apt"; then ok; else
	bad "apt-get install -s $deb (exit $rc)"
	tail -15 "$tmp/apt" | sed 's/^/    /'
fi
x=$tmp/extract
dpkg-deb -x "$deb" "$x"
same "the packaged binary's --version" "$("$x/usr/sbin/sipxdp" --version 2>&1)" "sipxdp $version"
MANWIDTH=80 man --warnings -l "$x/usr/share/man/man8/sipxdp.8.gz" >"$tmp/man2.txt" 2>"$tmp/man2.err"
grep -qE '^ +sipxdp - ' "$tmp/man2.txt" && [ ! -s "$tmp/man2.err" ] && ok ||
	bad "man -l on the packaged man page: $(head -3 "$tmp/man2.err")"

# ---- node_exporter follows a symlinked text file ---------------------------
# README and the man page tell operators to link /var/lib/sipxdp/sipxdp.prom
# into node_exporter's directory: that works only if it follows the link, and
# the stale-file alert needs the file's mtime, not the link's.
mkdir -p "$tmp/ne" "$tmp/agent"
printf '# TYPE sipxdp_packaging_test gauge\nsipxdp_packaging_test 42\n' >"$tmp/agent/sipxdp.prom"
touch -d @1577836800 "$tmp/agent/sipxdp.prom"
ln -s "$tmp/agent/sipxdp.prom" "$tmp/ne/sipxdp.prom"
$ns_net sh -c '
	ip link set lo up || exit 1
	prometheus-node-exporter --web.listen-address=127.0.0.1:9100 --collector.disable-defaults \
		--collector.textfile --collector.textfile.directory="$1" >/dev/null 2>&1 &
	for i in $(seq 50); do curl -sf http://127.0.0.1:9100/metrics && break; sleep 0.1; done
	kill $!' sh "$tmp/ne" >"$tmp/ne.txt" 2>&1
grep -qx 'sipxdp_packaging_test 42' "$tmp/ne.txt" && ok || bad "node_exporter did not read a .prom file through a symlink"
grep -qx "node_textfile_mtime_seconds{file=\"$tmp/ne/sipxdp.prom\"} 1.5778368e+09" "$tmp/ne.txt" && ok ||
	bad "node_exporter's mtime for a symlinked file is not the file's: $(grep mtime_seconds "$tmp/ne.txt")"

echo "packaging: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
