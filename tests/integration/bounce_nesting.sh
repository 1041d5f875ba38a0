#!/bin/bash
# bounce_nesting.sh - a bounce whose returned message holds messages in
# messages (message/rfc822) or multiparts in multiparts 100000 levels deep:
# the reader must neither recurse without end (the built-in walk did, and
# ran out of stack) nor lose the record of the delivery report in front of
# them; both readers, within a time limit. A report below more than 20
# multiparts is not read, and the warning names the message.
set -eu
: "${SMTPCODES:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# report: a Postfix-style report whose third part is the returned message
report() {
	printf 'From: MAILER-DAEMON@mx.example.net\nTo: sender@example.com\n'
	printf 'Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
	printf -- '--B\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.net.\n\n'
	printf -- '--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n'
	printf 'Final-Recipient: rfc822; nested@example.org\nAction: failed\nStatus: 5.1.1\n'
	printf 'Diagnostic-Code: smtp; 550 5.1.1 <nested@example.org>: Recipient address rejected: User unknown\n\n'
	printf -- '--B\nContent-Type: message/rfc822\n\nFrom: sender@example.com\nTo: nested@example.org\n'
	printf 'Subject: layers\nMIME-Version: 1.0\n'
}
{
	report
	yes 'Content-Type: message/rfc822

MIME-Version: 1.0' | head -n 300000
	printf 'Content-Type: text/plain\n\nthe innermost body\n\n--B--\n'
} >"$tmp/messages.eml"
{
	report
	printf 'Content-Type: multipart/mixed; boundary="n0"\n\n'
	for i in $(seq 1 100000); do
		printf -- '--n%d\nContent-Type: multipart/mixed; boundary="n%d"\n\n' $((i - 1)) "$i"
	done
	printf -- '--B--\n'
} >"$tmp/multiparts.eml"
for f in messages multiparts; do
	for mime in walk gmime; do
		rc=0
		if [ $mime = gmime ]; then
			SMTPCODES_MIME=gmime timeout 120 "$SMTPCODES" bounces --json "$tmp/$f.eml" >"$tmp/out" || rc=$?
		else
			timeout 120 "$SMTPCODES" bounces --json "$tmp/$f.eml" >"$tmp/out" || rc=$?
		fi
		[ "$rc" = 0 ] || { echo "$f ($mime): exit $rc"; exit 1; }
		grep -q '"recipient":"nested@example.org",.*"reason":"userunknown"' "$tmp/out" ||
			{ echo "$f ($mime): no record"; cat "$tmp/out"; exit 1; }
	done
done

# the delivery report itself 24 multiparts down: no record, but a warning
{
	printf 'From: MAILER-DAEMON@mx.example.net\nTo: sender@example.com\nSubject: deep\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="d0"\n\n'
	for i in $(seq 1 23); do
		printf -- '--d%d\nContent-Type: multipart/mixed; boundary="d%d"\n\n' $((i - 1)) "$i"
	done
	printf -- '--d23\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n'
	printf 'Final-Recipient: rfc822; deep@example.org\nAction: failed\nStatus: 5.1.1\n\n'
	for i in $(seq 23 -1 0); do printf -- '--d%d--\n' "$i"; done
} >"$tmp/deep.eml"
for mime in walk gmime; do
	rc=0
	SMTPCODES_MIME=$([ $mime = gmime ] && echo gmime || echo) timeout 60 "$SMTPCODES" bounces --json \
		"$tmp/deep.eml" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" = 0 ] || { echo "deep ($mime): exit $rc"; cat "$tmp/err"; exit 1; }
	grep -q "deep.eml: parts nested more than 20 multiparts deep, not read" "$tmp/err" ||
		{ echo "deep ($mime): no warning"; cat "$tmp/out" "$tmp/err"; exit 1; }
done
echo "100000 levels of messages and of multiparts: the record kept, no crash; 24 levels: a warning"
