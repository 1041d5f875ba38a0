#!/bin/bash
# bounce_folder.sh - files found in a folder are read by name relative to
# the folder and without asking their size when they fit the read buffer;
# this checks that such files give exactly the records they give when named
# one by one (opened by path, size asked first), at the sizes around the
# read buffer (64 KiB) and the mapping threshold (4 MiB) and above two
# pieces (8 MiB: read as a stream), and in more folders than are kept open
# (64), so the fallback to whole paths is used. 30 MB of junk in a folder
# is skipped after its first bytes, without reading it all. In a folder, a
# pipe (opening it would wait for a writer), a link to nothing and links
# to folders read already (a loop) are each named and skipped: no hang, no
# record read twice.
set -eu
: "${SMTPCODES:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# bounce SIZE RCPT FILE: a Postfix-style bounce of exactly SIZE bytes whose
# delivery report comes last, after a text part that pads it to SIZE: a file
# read short loses its record
bounce() {
	local size=$1 rcpt=$2 f=$3 tail
	tail=$(
		printf -- '\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n'
		printf 'Final-Recipient: rfc822; %s\nAction: failed\nStatus: 5.1.1\n' "$rcpt"
		printf 'Diagnostic-Code: smtp; 550 5.1.1 <%s>: Recipient address rejected: User unknown\n\n' "$rcpt"
		printf -- '--B--\n.'
	)
	tail=${tail%.}
	{
		printf 'From: MAILER-DAEMON@mx.example.net\nTo: sender@example.com\n'
		printf 'Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n'
		printf 'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
		printf -- '--B\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.net.\n'
	} >"$f"
	# lines of filler up to the size, less the report
	yes xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx |
		head -c $((size - $(stat -c %s "$f") - ${#tail})) >>"$f"
	printf '%s' "$tail" >>"$f"
	[ "$(stat -c %s "$f")" = "$size" ]
}

mkdir -p "$tmp/in/cur" "$tmp/in/new"
i=0
for size in 600 65534 65535 65536 65537 200000 4194303 4194304 4194305 9000000; do
	i=$((i + 1))
	bounce "$size" "user$i@example.org" "$tmp/in/cur/$(printf '%02d' "$i").eml"
done
for j in $(seq 1 70); do
	mkdir -p "$tmp/in/new/d$(printf '%03d' "$j")"
	bounce 900 "deep$j@example.org" "$tmp/in/new/d$(printf '%03d' "$j")/m.eml"
done
ln -s "$tmp/in/cur/01.eml" "$tmp/in/new/zlink.eml"

"$SMTPCODES" bounces --json --jobs 2 "$tmp/in" >"$tmp/folder.out"
: >"$tmp/files.out"
find "$tmp/in" \( -type f -o -type l \) | LC_ALL=C sort | while read -r f; do
	"$SMTPCODES" bounces --json --jobs 1 "$f" >>"$tmp/files.out"
done
# one record per file: 10 sizes, 70 folders, the link
[ "$(grep -c . "$tmp/folder.out")" = 81 ]
LC_ALL=C sort "$tmp/folder.out" >"$tmp/a"
LC_ALL=C sort "$tmp/files.out" >"$tmp/b"
cmp "$tmp/a" "$tmp/b"
for i in 1 2 3 4 5 6 7 8 9 10; do
	grep -q "\"recipient\":\"user$i@example.org\".*\"reason\":\"userunknown\"" "$tmp/folder.out"
done
grep -q '"recipient":"deep70@example.org"' "$tmp/folder.out"
mkdir "$tmp/junk"
head -c 30000000 /dev/zero | tr '\0' x >"$tmp/junk/blob.bin"
rc=0
/usr/bin/time -f %M -o "$tmp/rss" "$SMTPCODES" bounces "$tmp/junk" >"$tmp/junk.out" 2>"$tmp/junk.err" || rc=$?
[ "$rc" = 65 ] && [ ! -s "$tmp/junk.out" ] || { echo "junk in a folder: exit $rc"; exit 1; }
grep -q "junk/blob.bin: not a mail message, skipped" "$tmp/junk.err" || { cat "$tmp/junk.err"; exit 1; }
case $SMTPCODES in
*asan*) ;;
*) [ "$(tail -n 1 "$tmp/rss")" -lt 24576 ] || { echo "30 MB of junk held: $(tail -n 1 "$tmp/rss") KB"; exit 1; } ;;
esac
mkdir -p "$tmp/odd/cur" "$tmp/odd/new"
bounce 900 "odd@example.org" "$tmp/odd/cur/a.eml"
mkfifo "$tmp/odd/cur/pipe"
ln -s "$tmp/nowhere" "$tmp/odd/cur/dangling"
ln -s .. "$tmp/odd/cur/loop"
ln -s ../cur "$tmp/odd/new/again"
rc=0
timeout 20 "$SMTPCODES" bounces --json "$tmp/odd" >"$tmp/odd.out" 2>"$tmp/odd.err" || rc=$?
[ "$rc" = 65 ] || { echo "odd entries: exit $rc"; cat "$tmp/odd.err"; exit 1; }
[ "$(grep -c . "$tmp/odd.out")" = 1 ] && grep -q '"recipient":"odd@example.org"' "$tmp/odd.out" ||
	{ echo "odd entries: records"; cat "$tmp/odd.out"; exit 1; }
for w in "cur/pipe: not a regular file, skipped" "cur/dangling: No such file or directory, skipped" \
	"cur/loop: a link to a folder read already, skipped" "new/again: a link to a folder read already, skipped"; do
	grep -q "$w" "$tmp/odd.err" || { echo "odd entries: no '$w'"; cat "$tmp/odd.err"; exit 1; }
done
echo "81 records, the same as file by file; junk skipped in $(tail -n 1 "$tmp/rss") KB"
