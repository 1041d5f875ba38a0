#!/bin/sh
# deps.sh - installs every Debian 12 package smtpcodes needs to build, test and
# benchmark (run as root). One list, used by scripts/dev.sh and CI.
set -e
PACKAGES="
build-essential pkg-config clang llvm libclang-rt-14-dev
libvectorscan-dev libpcre2-dev zlib1g-dev libssl-dev libgmime-3.0-dev libjansson-dev
libcmocka-dev libgpgme-dev libassuan-dev libunistring-dev libmount-dev libselinux1-dev libblkid-dev
python3 perl hyperfine time
postfix swaks pflogsumm libsisimai-perl python3-aiosmtpd unbound dnsutils openssl sasl2-bin libsasl2-modules
iproute2 gzip
"
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: run as root (apt-get install)" >&2
	exit 77
fi
export DEBIAN_FRONTEND=noninteractive
missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt-get update -qq
	# postfix must not ask questions or start its system instance
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	apt-get install -y -qq --no-install-recommends $missing
fi
