#!/bin/bash
# bounce_large.sh - a bounce that carries a 20 MB attachment (base64) and a
# 20 MB text/plain part is read in well under three seconds, and its record is
# still right: the reader never decodes attachment-sized parts nor runs
# patterns over them. Also: 2000 messages in one mbox; a delivery report
# of 50000 recipients (6 MB, as it is and in base64), of which the first
# ones whose fields end within 1 MB come out, each whole, with a warning
# naming the file, the same with both readers (it used to give no record
# at all: a report over 2 MB was taken for an attachment); a text part of
# 1.4 MB without a blank line is no report: read alike by both readers,
# without that warning.
set -eu
: "${SMTPCODES:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
f=$tmp/large.eml
{
	printf 'From: MAILER-DAEMON@big.example.net\nTo: sender@example.com\n'
	printf 'Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
	printf -- '--B\nContent-Type: text/plain\n\nThis is the mail system at host big.example.net.\n\n'
	printf '<big@example.org>: host mx.example.org[192.0.2.1] said: 552 5.3.4 Message\n'
	printf '    size exceeds fixed limit (in reply to end of DATA command)\n\n'
	printf -- '--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; big.example.net\n\n'
	printf 'Final-Recipient: rfc822; big@example.org\nAction: failed\nStatus: 5.3.4\n'
	printf 'Diagnostic-Code: smtp; 552 5.3.4 Message size exceeds fixed limit\n\n'
	printf -- '--B\nContent-Type: message/rfc822\n\nFrom: sender@example.com\nTo: big@example.org\n'
	printf 'Subject: video\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="C"\n\n'
	printf -- '--C\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n'
	head -c 15000000 /dev/urandom | base64 -w 76
	printf -- '--C\nContent-Type: text/plain\n\n'
	yes 'user unknown 550 5.1.1 mailbox full blocked spamhaus no such user here' | head -c 20000000
	printf '\n--C--\n\n--B--\n'
} >"$f"
start=$(date +%s%N)
out=$("$SMTPCODES" bounces --json "$f")
ms=$((($(date +%s%N) - start) / 1000000))
echo "$out"
echo "took ${ms} ms for $(stat -c %s "$f") bytes"
grep -q '"recipient":"big@example.org","addresser":"sender@example.com","reason":"mesgtoobig"' <<<"$out"
[ "$(grep -c . <<<"$out")" = 1 ]
[ "$ms" -lt 3000 ]

# many messages in one mbox, CRLF line ends
m=$tmp/many.mbox
for i in $(seq 1 2000); do
	printf 'From MAILER-DAEMON Tue Mar 18 08:00:00 2025\r\nFrom: MAILER-DAEMON@a.example.net\r\n'
	printf 'Subject: failure notice\r\n\r\nHi. This is the qmail-send program at a.example.net.\r\n\r\n'
	printf '<u%d@a.example.net>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n\r\n' "$i"
done >"$m"
n=$("$SMTPCODES" bounces "$m" | grep -c userunknown)
echo "mbox: $n records"
[ "$n" = 2000 ]

# a report too big to read whole
for enc in 8bit base64; do
	r=$tmp/report-$enc.eml
	{
		printf 'From: MAILER-DAEMON@mx.example.net\nTo: list@example.com\n'
		printf 'Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n'
		printf 'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
		printf -- '--B\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.net.\n\n'
		printf -- '--B\nContent-Type: message/delivery-status\nContent-Transfer-Encoding: %s\n\n' "$enc"
		{
			printf 'Reporting-MTA: dns; mx.example.net\n\n'
			seq 1 50000 | awk '{ printf "Final-Recipient: rfc822; m%d@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <m%d@example.org>: Recipient address rejected: User unknown in virtual mailbox table\n    (this notice is padded so that fewer than 4096 recipients fit a megabyte: the\n    report, not the cap on records per message, ends the list here)\n\n", $1, $1 }'
		} | if [ $enc = base64 ]; then base64 -w 76; else cat; fi
		printf -- '--B--\n'
	} >"$r"
	"$SMTPCODES" bounces --json "$r" >"$tmp/report.out" 2>"$tmp/report.err"
	SMTPCODES_MIME=gmime "$SMTPCODES" bounces --json "$r" >"$tmp/report-gmime.out" 2>/dev/null
	cmp "$tmp/report.out" "$tmp/report-gmime.out"
	n=$(grep -c '"reason":"userunknown"' "$tmp/report.out")
	[ "$n" -gt 1000 ] && [ "$n" -lt 50000 ] && [ "$n" = "$(grep -c . "$tmp/report.out")" ] ||
		{ echo "report ($enc): $n records"; exit 1; }
	grep -q "report-$enc.eml: delivery report larger than 1 MB, the recipients after its first $n left out" \
		"$tmp/report.err" || { cat "$tmp/report.err"; exit 1; }
	echo "report of 50000 recipients ($enc): the first $n"
done

# a big text part is not cut like a report
t=$tmp/bigtext.eml
{
	printf 'From: MAILER-DAEMON@mx.example.net\nTo: list@example.com\n'
	printf 'Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="B"\n\n'
	printf -- '--B\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.net.\n'
	printf '<t@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown\n'
	yes 'a line of the notice that goes on and on' | head -n 35000
	printf -- '--B--\n'
} >"$t"
for mime in walk gmime; do
	if [ $mime = gmime ]; then
		SMTPCODES_MIME=gmime "$SMTPCODES" bounces --json "$t" >"$tmp/bigtext.out" 2>"$tmp/bigtext.err"
	else
		"$SMTPCODES" bounces --json "$t" >"$tmp/bigtext.out" 2>"$tmp/bigtext.err"
	fi
	grep -q '"recipient":"t@example.org",.*"reason":"userunknown"' "$tmp/bigtext.out" &&
		[ ! -s "$tmp/bigtext.err" ] || { echo "big text ($mime):"; cat "$tmp/bigtext.out" "$tmp/bigtext.err"; exit 1; }
done
