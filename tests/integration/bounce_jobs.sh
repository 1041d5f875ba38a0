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

. "$(dirname "$0")/lib/dsn.sh"

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
