#!/bin/bash
# bounce_mbox_pieces.sh - a big mbox is cut into pieces that threads read
# side by side (cmd_bounces.c, split_mbox()); the records must be the same,
# in the same order, as from reading the file whole. An mbox with the
# awkward cases of separators (CRLF line ends, a separator without the blank
# line before it, two "From " lines in a row, "From " and ">From " lines in
# bodies, a message that is only its "From " line) is read whole and then
# cut into pieces of 1 to 5000 bytes (SMTPCODES_BOUNCES_PIECE), with 1, 2
# and 3 threads, and also read through a pipe (cut as it comes); a 13 MB
# one also in pieces of the built-in size, and twelve of it through a pipe
# in less than 64 MB of memory. A file that shrinks after it was cut gives
# what was still there and exit 74.
set -eu
: "${SMTPCODES:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$(dirname "$0")/lib/dsn.sh"

sep='From MAILER-DAEMON Thu Jul  2 12:05:05 2020'
{
	for i in $(seq 1 60); do
		echo "$sep"
		dsn "$i"
		case $((i % 5)) in
		0) ;;                      # glued: the next separator follows at once
		1) echo; echo "$sep" ;;    # a message that is only its "From " line
		*) echo ;;
		esac
	done
} >"$tmp/lf.mbox"
sed 's/$/\r/' "$tmp/lf.mbox" >"$tmp/crlf.mbox"

checked=0
for f in lf crlf; do
	"$SMTPCODES" bounces --json --jobs 1 "$tmp/$f.mbox" >"$tmp/whole" 2>/dev/null || true
	n=$(grep -c . "$tmp/whole")
	[ "$n" = 60 ] || { echo "$f: $n records from the whole file, not 60"; exit 1; }
	for p in 1 97 500 1200 5000; do
		for j in 1 2 3; do
			SMTPCODES_BOUNCES_PIECE=$p "$SMTPCODES" bounces --json --jobs "$j" "$tmp/$f.mbox" >"$tmp/cut" 2>/dev/null || true
			cmp -s "$tmp/whole" "$tmp/cut" ||
				{ echo "$f: pieces of $p bytes, --jobs $j: not the records of the whole file"; exit 1; }
			checked=$((checked + 1))
		done
	done
done

# the same through a pipe (stream() cuts as it reads)
for f in lf crlf; do
	"$SMTPCODES" bounces --json --jobs 1 "$tmp/$f.mbox" 2>/dev/null | sed "s#\"$tmp/$f.mbox\"#\"-\"#" >"$tmp/whole" || true
	for p in 1 97 1200 5000; do
		cat "$tmp/$f.mbox" | SMTPCODES_BOUNCES_PIECE=$p "$SMTPCODES" bounces --json >"$tmp/cut" 2>/dev/null || true
		cmp -s "$tmp/whole" "$tmp/cut" ||
			{ echo "$f through a pipe, pieces of $p bytes: not the records of the whole file"; exit 1; }
		checked=$((checked + 1))
	done
done

# a big mbox (some 13 MB) in pieces of the built-in size and smaller,
# against the whole file read by one thread
for i in $(seq 1 400); do cat "$tmp/lf.mbox"; done >"$tmp/big.mbox"
SMTPCODES_BOUNCES_PIECE=100000000 "$SMTPCODES" bounces --jobs 1 "$tmp/big.mbox" >"$tmp/whole" 2>/dev/null || true
[ "$(grep -c . "$tmp/whole")" = 24000 ] || { echo "big: $(grep -c . "$tmp/whole") records, not 24000"; exit 1; }
for p in '' 1000000 333333; do
	for j in 2 3; do
		SMTPCODES_BOUNCES_PIECE=$p "$SMTPCODES" bounces --jobs "$j" "$tmp/big.mbox" >"$tmp/cut" 2>/dev/null || true
		cmp -s "$tmp/whole" "$tmp/cut" ||
			{ echo "big: pieces of ${p:-4 MB}, --jobs $j: $(grep -c . "$tmp/cut") records, not those of the whole file"; exit 1; }
		checked=$((checked + 1))
	done
done

# some 160 MB through a pipe: more than one message may be (BOUNCES_MAX_FILE),
# read in bounded memory (not checked under ASan, whose quarantine keeps
# 256 MB of freed memory)
rss=$tmp/rss
for i in $(seq 1 12); do cat "$tmp/big.mbox"; done |
	/usr/bin/time -f %M -o "$rss" "$SMTPCODES" bounces >"$tmp/cut" 2>/dev/null || true
n=$(grep -c . "$tmp/cut")
[ "$n" = 288000 ] || { echo "160 MB through a pipe: $n records, not 288000"; exit 1; }
case $SMTPCODES in
*asan*) ;;
*) [ "$(tail -n 1 "$rss")" -lt 65536 ] || { echo "160 MB through a pipe: $(tail -n 1 "$rss") KB of memory"; exit 1; } ;;
esac

# a file cut short after it was cut into pieces: the records of what is
# still there, each lost piece named, exit 74. With two inputs the classifier
# loads on a second thread while the main one cuts the files; its rules
# come from a FIFO, so the loading waits until the file has been shortened.
end=$(grep -b "^$sep" "$tmp/lf.mbox" | sed -n 10p | cut -d: -f1)
head -c "$end" "$tmp/lf.mbox" >"$tmp/short.mbox"
cp "$tmp/short.mbox" "$tmp/shrink.mbox"
"$SMTPCODES" bounces --json --jobs 1 "$tmp/shrink.mbox" >"$tmp/short.out" 2>/dev/null || true
cp "$tmp/lf.mbox" "$tmp/shrink.mbox"
: >"$tmp/empty.eml"
mkfifo "$tmp/rules"
rc=0
SMTPCODES_BOUNCES_PIECE=1 timeout 20 "$SMTPCODES" bounces --json --jobs 2 --rules "$tmp/rules" \
	"$tmp/shrink.mbox" "$tmp/empty.eml" >"$tmp/shrink.out" 2>"$tmp/shrink.err" &
pid=$!
sleep 1
truncate -s "$end" "$tmp/shrink.mbox"
echo '# no rules of our own' >"$tmp/rules"
wait "$pid" || rc=$?
[ "$rc" = 74 ] || { echo "shrunk file: exit $rc, not 74"; cat "$tmp/shrink.err"; exit 1; }
cmp -s "$tmp/short.out" "$tmp/shrink.out" || { echo "shrunk file: not the records of what is left"; exit 1; }
grep -q "shrink.mbox: ends at byte $end, which it held when the run began" "$tmp/shrink.err" ||
	{ echo "shrunk file: the lost piece is not named"; cat "$tmp/shrink.err"; exit 1; }
echo "$checked cuts of three mboxes give the records of the whole file; 160 MB through a pipe in $(tail -n 1 "$rss") KB; a shrunk file what is left"
