#!/bin/bash
# bounce_jobs.sh - `bounces` gives the same records in the same order with
# any number of threads: folders of 1 to 300 files (sizes on and around the
# batch boundaries of cmd_bounces.c's make_batches()) are read with --jobs 1 and
# with 2, 3 and 8 threads, and the outputs must be equal byte for byte,
# with exactly one record per file.
set -eu
: "${SMTPCODES:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# dsn N FILE: a small delivery report for recipient rN@example.org; every
# third one is a deferral, so records differ in more than the address
dsn() {
	local st=5.1.1 code=550 act=failed
	if [ $(($1 % 3)) = 0 ]; then st=4.2.2 code=452 act=delayed; fi
	printf 'From: MAILER-DAEMON@mx.example.net\nTo: sender@example.com\nSubject: Delivery report %d\n' "$1"
	printf 'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
	printf -- '--B\nContent-Type: text/plain\n\nThe message could not be delivered.\n\n'
	printf -- '--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n'
	printf 'Final-Recipient: rfc822; r%d@example.org\nAction: %s\nStatus: %s\n' "$1" "$act" "$st"
	printf 'Diagnostic-Code: smtp; %s %s <r%d@example.org>: no such user or mailbox full\n\n--B--\n' "$code" "$st" "$1"
}

checked=0
for n in 1 2 3 5 16 17 31 33 47 64 65 81 100 129 257 300; do
	d=$tmp/n$n
	mkdir -p "$d"
	for i in $(seq 1 "$n"); do dsn "$i" >"$d/$(printf '%04d' "$i").eml"; done
	"$SMTPCODES" bounces --json --jobs 1 "$d" >"$tmp/one" 2>/dev/null || true
	[ "$(grep -c . "$tmp/one")" = "$n" ] || { echo "n=$n: $(grep -c . "$tmp/one") records with --jobs 1"; exit 1; }
	for j in 2 3 8; do
		"$SMTPCODES" bounces --json --jobs "$j" "$d" >"$tmp/many" 2>/dev/null || true
		cmp -s "$tmp/one" "$tmp/many" || { echo "n=$n: --jobs $j differs from --jobs 1"; exit 1; }
	done
	checked=$((checked + 1))
done
echo "$checked folders, the same records with 1, 2, 3 and 8 threads"
