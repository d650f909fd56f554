#!/usr/bin/env bash
# make deb: Debian packages of the cross-built binaries, with dpkg-deb from a staging tree.
#
#   deploy/debian/build.sh [PACKAGE:ARCH...]
#
# PACKAGE is lotsense-gateway or lotsense-cloud, ARCH a Debian architecture; without
# arguments: lotsense-gateway for arm64, armhf and amd64, lotsense-cloud for amd64 and
# arm64. The binaries are taken from $BIN/linux-<arch>/ (arm64, armv7 for armhf, amd64),
# built with CGO_ENABLED=0 by `make deb`. Environment:
#   VERSION     the `git describe --tags --always --dirty` of the binaries (default: asked
#               from git); the package version is made from it, see deb_version
#   BIN         where the binaries are (default bin)
#   DIST        where the .deb files go (default dist)
#   MAINTAINER  the control file's Maintainer (default below)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
BIN=${BIN:-bin}
DIST=${DIST:-dist}
MAINTAINER=${MAINTAINER:-lotsense maintainers <maintainers@lotsense.invalid>}

die() {
	echo "deploy/debian/build.sh: $*" >&2
	exit 1
}

# deb_version turns a `git describe --tags --always --dirty` string into a Debian
# version: v1.2.0 -> 1.2.0; v1.2.0-3-gabc1234 -> 1.2.0+git3.abc1234; a bare commit
# abc1234 -> 0.0~git<commit date>.abc1234; -rc1 in a tag -> ~rc1 (sorts before the
# release); a dirty tree adds +dirty<UTC build time>, so each build sorts after the last.
deb_version() {
	local d=$1 dirty="" base v
	if [[ $d == *-dirty ]]; then
		d=${d%-dirty}
		dirty=+dirty$(date -u +%Y%m%d%H%M%S)
	fi
	if [[ $d =~ ^[0-9a-f]{7,40}$ ]]; then
		local day
		day=$(TZ=UTC git -C "$root" log -1 --format=%cd --date=format-local:%Y%m%d "$d" 2>/dev/null || date -u +%Y%m%d)
		v="0.0~git$day.$d"
	elif [[ $d =~ ^v?([0-9][0-9A-Za-z.+~-]*)-([0-9]+)-g([0-9a-f]+)$ ]]; then
		base=${BASH_REMATCH[1]//-/\~}
		v="$base+git${BASH_REMATCH[2]}.${BASH_REMATCH[3]}"
	elif [[ $d =~ ^v?([0-9][0-9A-Za-z.+~-]*)$ ]]; then
		v=${BASH_REMATCH[1]//-/\~}
	else
		v="0.0~$(printf %s "$d" | tr -c 'A-Za-z0-9.+~' '.')"
	fi
	v=$v$dirty
	[[ $v =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || die "cannot make a Debian version of $1 (got $v)"
	printf '%s\n' "$v"
}

# goarch_dir names the directory under $BIN of a Debian architecture's binaries.
goarch_dir() {
	case $1 in
	amd64) echo linux-amd64 ;;
	arm64) echo linux-arm64 ;;
	armhf) echo linux-armv7 ;;
	*) die "unknown architecture $1 (want amd64, arm64 or armhf)" ;;
	esac
}

# elf_machine prints the ELF machine of a binary (62 x86-64, 183 AArch64, 40 ARM), to
# refuse packaging a binary built for another architecture.
elf_machine() {
	od -An -tu2 -j18 -N2 "$1" | tr -d ' '
}

want_machine() {
	case $1 in
	amd64) echo 62 ;;
	arm64) echo 183 ;;
	armhf) echo 40 ;;
	esac
}

describe() {
	case $1 in
	lotsense-gateway)
		cat <<'EOF'
lotsense edge gateway: lot tracking with RFID and cold-chain sensing
 Runs on a small Linux box (Raspberry Pi class) at a dock door, in a
 refrigerated truck or in a cold room: polls temperature/humidity sensors
 (Modbus, I2C, 1-Wire), RFID portals (LLRP) and barcode scanners, attaches
 every reading to the lots it concerns, keeps it on local disk until the
 MQTT broker has it, and raises alarms on site.
 .
 Installs the lotsense-gateway.service systemd unit (enabled, not started),
 an example configuration in /etc/lotsense/gateway.yaml, and the system user
 lotsense in the i2c, gpio, dialout and input groups.
EOF
		;;
	lotsense-cloud)
		cat <<'EOF'
lotsense cloud service: ingest, lot holds, alerts and QA dashboard
 Ingests what lotsense gateways publish over MQTT (with an embedded broker
 when none is configured), flags temperature excursions per lot, puts the
 affected lots on hold, alerts the QA dashboard and answers trace and recall
 questions; SQLite under /var/lib/lotsense-cloud.
 .
 Installs the lotsense-cloud.service systemd unit (enabled, not started),
 its flags in /etc/lotsense/cloud.env and the system user lotsense-cloud.
EOF
		;;
	esac
}

# stage fills $1 with the package tree of package $2 for architecture $3.
stage() {
	local dir=$1 pkg=$2 arch=$3 bin conf
	bin="$BIN/$(goarch_dir "$arch")/$pkg"
	[ -f "$bin" ] || die "$bin not found: build it first (make deb builds every binary)"
	[ "$(elf_machine "$bin")" = "$(want_machine "$arch")" ] ||
		die "$bin is not a linux/$arch binary (ELF machine $(elf_machine "$bin"))"
	case $pkg in
	lotsense-gateway) conf=gateway.yaml ;;
	lotsense-cloud) conf=cloud.env ;;
	esac

	install -d -m 0755 "$dir/DEBIAN" "$dir/usr/bin" "$dir/lib/systemd/system" "$dir/etc/lotsense" \
		"$dir/usr/share/doc/$pkg"
	install -m 0755 "$bin" "$dir/usr/bin/$pkg"
	install -m 0644 "$root/deploy/systemd/$pkg.service" "$dir/lib/systemd/system/$pkg.service"
	install -m 0640 "$here/$conf" "$dir/etc/lotsense/$conf"
	install -m 0644 "$root/deploy/README.md" "$dir/usr/share/doc/$pkg/README.md"
	case $pkg in
	lotsense-gateway) install -d -m 0750 "$dir/var/lib/lotsense" ;;
	lotsense-cloud) install -d -m 0750 "$dir/var/lib/lotsense-cloud" ;;
	esac
	for s in postinst prerm postrm; do
		install -m 0755 "$here/$pkg/$s" "$dir/DEBIAN/$s"
	done
	echo "/etc/lotsense/$conf" >"$dir/DEBIAN/conffiles"
	chmod 0644 "$dir/DEBIAN/conffiles"
	{
		echo "Package: $pkg"
		echo "Version: $debver"
		echo "Architecture: $arch"
		echo "Maintainer: $MAINTAINER"
		echo "Installed-Size: $(du -sk --exclude=DEBIAN "$dir" | cut -f1)"
		echo "Depends: adduser"
		echo "Section: misc"
		echo "Priority: optional"
		echo "Homepage: https://github.com/lotsense/lotsense"
		echo "Description: $(describe "$pkg")"
	} >"$dir/DEBIAN/control"
	chmod 0644 "$dir/DEBIAN/control"
}

main() {
	local targets=("$@") t pkg arch out
	if ! command -v dpkg-deb >/dev/null; then
		die "dpkg-deb not found: it is part of dpkg, on every Debian system; elsewhere install dpkg (apt-get install dpkg, brew install dpkg)"
	fi
	VERSION=${VERSION:-$(git -C "$root" describe --tags --always --dirty 2>/dev/null || echo dev)}
	if [ ${#targets[@]} -eq 0 ]; then
		targets=(lotsense-gateway:arm64 lotsense-gateway:armhf lotsense-gateway:amd64 lotsense-cloud:amd64 lotsense-cloud:arm64)
	fi
	debver=$(deb_version "$VERSION")
	mkdir -p "$DIST"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	umask 022
	for t in "${targets[@]}"; do
		pkg=${t%%:*} arch=${t#*:}
		case $pkg in
		lotsense-gateway | lotsense-cloud) ;;
		*) die "unknown package $pkg (want lotsense-gateway:ARCH or lotsense-cloud:ARCH)" ;;
		esac
		stage "$work/$pkg-$arch" "$pkg" "$arch"
		out="$DIST/${pkg}_${debver}_${arch}.deb"
		dpkg-deb --root-owner-group -Zxz --build "$work/$pkg-$arch" "$out" >/dev/null
		echo "$out"
	done
}

# Sourced (by the test), it only defines the functions.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	main "$@"
fi
