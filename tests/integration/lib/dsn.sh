# lib/dsn.sh - sourced by the bounce integration tests: dsn N prints a small
# delivery report for recipient rN@example.org. Every third one is a
# deferral, so records differ in more than the address; the text part of
# some holds a line "From " (text, no blank line before it) or ">From "
# (after one), the body lines an mbox reader must not cut at.
dsn() {
	local st=5.1.1 code=550 act=failed
	if [ $(($1 % 3)) = 0 ]; then st=4.2.2 code=452 act=delayed; fi
	printf 'From: MAILER-DAEMON@mx.example.net\nTo: sender@example.com\nSubject: Delivery report %d\n' "$1"
	printf 'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
	printf -- '--B\nContent-Type: text/plain\n\nThe message could not be delivered.\n'
	case $(($1 % 4)) in
	1) printf 'From here on the report says why.\n' ;;
	2) printf '\n>From the archive: an escaped line.\n' ;;
	esac
	printf '\n'
	printf -- '--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n'
	printf 'Final-Recipient: rfc822; r%d@example.org\nAction: %s\nStatus: %s\n' "$1" "$act" "$st"
	printf 'Diagnostic-Code: smtp; %s %s <r%d@example.org>: no such user or mailbox full\n\n--B--\n' "$code" "$st" "$1"
}
