#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install the Debian packages that building and testing tunfilter need,
# and only those that are missing: with everything present this asks
# dpkg-query once and touches nothing (no apt-get update, no network).
#
# Usage: contrib/install-deps.sh [--dry-run]
#   --dry-run   print the missing packages and exit 1 if there are any
set -eu

pkgs="
	build-essential autoconf automake libtool pkg-config make
	libevent-dev libnl-3-dev libnl-route-3-dev libinih-dev libcriterion-dev
	mandoc
	iproute2 iputils-ping socat python3 iperf3 procps coreutils
	iptables ethtool conntrack
	libnetfilter-queue-dev
"

dry_run=0
case "${1:-}" in
--dry-run) dry_run=1 ;;
"") ;;
*)
	echo "usage: $0 [--dry-run]" >&2
	exit 2
	;;
esac

# One dpkg-query for all: it prints a line for every known package, and
# "ii" in the status abbreviation means installed and configured.
# Unknown packages make it exit non-zero, which is why stderr and the
# status are ignored: anything not printed as "ii" counts as missing.
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' $pkgs 2>/dev/null || true)
missing=
for p in $pkgs; do
	if ! printf '%s\n' "$installed" | grep -q "^$p ii"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
echo "install-deps: missing:$missing"
[ "$dry_run" = 1 ] && exit 1

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: must run as root to install packages" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts="-y -q -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"
apt-get update -q
# shellcheck disable=SC2086
apt-get install $apt_opts --no-install-recommends $missing </dev/null
