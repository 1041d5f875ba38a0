#!/bin/bash
# bounce_mbox_pieces.sh - a big mbox is cut into pieces that threads read
# side by side (cmd_bounces.c, split_mbox()); the records must be the same,
# in the same order, as from reading the file whole. An mbox with the
# awkward cases of separators (CRLF line ends, a separator without the blank
# line before it, two "From " lines in a row, "From " and ">From " lines in
# bodies, a message that is only its "From " line) is read whole and then
# cut into pieces of 1 to 5000 bytes (SMTPCODES_BOUNCES_PIECE), with 1, 2
# and 3 threads, and also read through a pipe (cut as it comes); a 13 MB
# one also in pieces of the built-in size, twelve of it through a pipe in
# less than 64 MB of memory, and four in a folder in less than 40 MB. A
# file that shrinks after it was cut gives what was still there and exit 74.
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

# lines longer than the window the cuts are looked for in (64 KB,
# BOUNCE_MBOX_WINDOW): separators with a sender of 90 KB and more, headers
# and epilogues of 70 to 140 KB before separators, with and without the
# blank line, a long "From " line in a body, LF and CRLF; cut into pieces
# so small that nearly every separator starts a piece, and into pieces
# that put the starts of the search here and there in and around the long
# lines. A file longer than two pieces with no place to cut is one piece.
{
	for i in $(seq 1 24); do
		n=$((70000 + i * 2999))
		if [ $((i % 3)) = 0 ]; then
			printf 'From %s Thu Jul  2 12:05:05 2020\n' "$(head -c $((n + 20000)) /dev/zero | tr '\0' s)"
		else
			echo "$sep"
		fi
		printf 'X-Long: %s\n' "$(head -c "$n" /dev/zero | tr '\0' x)"
		dsn "$i"
		case $((i % 4)) in
		0) printf 'epilogue %s\n' "$(head -c "$n" /dev/zero | tr '\0' e)" ;;              # glued, after a long line
		1) printf 'From a long line %s\n\n' "$(head -c "$n" /dev/zero | tr '\0' f)" ;; # a body line, then the blank one
		2) printf 'epilogue %s\n\n' "$(head -c "$n" /dev/zero | tr '\0' e)" ;;
		3) echo ;;
		esac
	done
} >"$tmp/long.mbox"
sed 's/$/\r/' "$tmp/long.mbox" >"$tmp/longcrlf.mbox"
{
	echo "$sep"
	for i in 1 2 3; do printf 'X-Long-%d: %s\n' "$i" "$(head -c 100000 /dev/zero | tr '\0' x)"; done
	dsn 1
} >"$tmp/nocut.mbox"
for f in long longcrlf nocut; do
	SMTPCODES_BOUNCES_PIECE=100000000 "$SMTPCODES" bounces --json --jobs 1 "$tmp/$f.mbox" >"$tmp/whole" 2>"$tmp/err" ||
		{ echo "$f: the whole file gives exit $?"; cat "$tmp/err"; exit 1; }
	n=$(grep -c . "$tmp/whole")
	case $f in nocut) want=1 ;; *) want=24 ;; esac
	[ "$n" = "$want" ] || { echo "$f: $n records from the whole file, not $want"; exit 1; }
	for p in 1 4000 65536 70001 150000 400000; do
		for j in 1 2; do
			# a cut inside a message would also show as a part that is no
			# message (a warning, exit 65)
			SMTPCODES_BOUNCES_PIECE=$p "$SMTPCODES" bounces --json --jobs "$j" "$tmp/$f.mbox" >"$tmp/cut" 2>"$tmp/err" ||
				{ echo "$f: pieces of $p bytes, --jobs $j: exit $?"; cat "$tmp/err"; exit 1; }
			cmp -s "$tmp/whole" "$tmp/cut" && [ ! -s "$tmp/err" ] ||
				{ echo "$f: pieces of $p bytes, --jobs $j: not the records of the whole file"; cat "$tmp/err"; exit 1; }
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
pipe_rss=$(tail -n 1 "$rss")

# a 53 MB mbox in a folder: the folder's listing says nothing of sizes, so
# it is not cut beforehand but read like a pipe, a piece at a time; the
# records are those of naming it, in less memory than the file (a mapping
# of it held every page read)
mkdir "$tmp/folder"
for i in 1 2 3 4; do cat "$tmp/big.mbox"; done >"$tmp/folder/big.mbox"
"$SMTPCODES" bounces "$tmp/folder/big.mbox" >"$tmp/named" 2>/dev/null || true
/usr/bin/time -f %M -o "$rss" "$SMTPCODES" bounces "$tmp/folder" >"$tmp/cut" 2>/dev/null || true
[ "$(grep -c . "$tmp/cut")" = 96000 ] || { echo "big mbox in a folder: $(grep -c . "$tmp/cut") records, not 96000"; exit 1; }
cmp -s "$tmp/named" "$tmp/cut" || { echo "big mbox in a folder: not the records of naming it"; exit 1; }
case $SMTPCODES in
*asan*) ;;
*) [ "$(tail -n 1 "$rss")" -lt 40960 ] || { echo "53 MB mbox in a folder: $(tail -n 1 "$rss") KB of memory"; exit 1; } ;;
esac
folder_rss=$(tail -n 1 "$rss")
rm -r "$tmp/folder"

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
# a file that becomes shorter while it is being cut: a shim (LD_PRELOAD)
# shortens it to the start of its first message after byte 250000 when the
# cutting first reads at 280000 or later, after the first two cuts. The
# pieces cut so far and the rest up to the new end are read (the records
# of what is left), the end is named, exit 74. Not under ASan, whose
# runtime must come first.
case $SMTPCODES in
*asan*) ;;
*)
	cat >"$tmp/shrink.c" <<'SHIM'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>
ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	static int done;
	ssize_t (*real)(int, void *, size_t, off_t) = (ssize_t (*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread");
	if (!done && off >= 280000) {
		done = 1;
		if (truncate(getenv("SHRINK_FILE"), atol(getenv("SHRINK_TO"))))
			abort();
	}
	return real(fd, buf, n, off);
}
SHIM
	cc -shared -fPIC -o "$tmp/shrink.so" "$tmp/shrink.c" -ldl
	to=$(grep -b "^$sep" "$tmp/big.mbox" | cut -d: -f1 | awk '$1 > 250000 { print; exit }')
	head -c "$to" "$tmp/big.mbox" >"$tmp/short.mbox"
	SMTPCODES_BOUNCES_PIECE=100000000 "$SMTPCODES" bounces --json --jobs 1 "$tmp/short.mbox" 2>/dev/null |
		sed "s#short.mbox#shrink.mbox#" >"$tmp/short.out" || true
	[ "$(grep -c . "$tmp/short.out")" -gt 300 ] || { echo "the first $to bytes give no records"; exit 1; }
	for j in 1 2; do
		cp "$tmp/big.mbox" "$tmp/shrink.mbox"
		rc=0
		SHRINK_FILE=$tmp/shrink.mbox SHRINK_TO=$to LD_PRELOAD=$tmp/shrink.so SMTPCODES_BOUNCES_PIECE=100000 \
			"$SMTPCODES" bounces --json --jobs $j "$tmp/shrink.mbox" >"$tmp/shrink.out" 2>"$tmp/shrink.err" || rc=$?
		[ "$(stat -c %s "$tmp/shrink.mbox")" = "$to" ] || { echo "shrunk while cut: the shim did not shorten it"; exit 1; }
		[ "$rc" = 74 ] || { echo "shrunk while cut, --jobs $j: exit $rc, not 74"; cat "$tmp/shrink.err"; exit 1; }
		cmp -s "$tmp/short.out" "$tmp/shrink.out" ||
			{ echo "shrunk while cut, --jobs $j: not the records of what is left"; exit 1; }
		[ "$(cat "$tmp/shrink.err")" = "smtpcodes: bounces: $tmp/shrink.mbox: ends at byte $to, which it held when the run began" ] ||
			{ echo "shrunk while cut, --jobs $j: not the one warning wanted"; cat "$tmp/shrink.err"; exit 1; }
	done
	;;
esac
echo "$checked cuts of three mboxes give the records of the whole file; 160 MB through a pipe in $pipe_rss KB, 53 MB in a folder in $folder_rss KB; a shrunk file what is left"
