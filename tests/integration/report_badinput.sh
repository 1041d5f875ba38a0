#!/bin/sh
# report_badinput.sh - `smtpcodes report` on damaged logs: CRLF line ends,
# binary junk, 1 MB lines, a truncated .gz, a missing file, a suppressions
# file that cannot be written (said at once). Each must give a
# clear message naming the file (and line), no crash, the documented exit
# code, and no good line lost: the counts equal those of the clean log.
#
# Run by tests/run with SMTPCODES=path/to/smtpcodes (no servers needed).
set -u
SMTPCODES=${SMTPCODES:-build/smtpcodes}
case $SMTPCODES in /*) ;; *) SMTPCODES=$(pwd)/$SMTPCODES ;; esac
cd "$(dirname "$0")/../.."
DIR=$(mktemp -d /tmp/smtpcodes-bad.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

clean=samples/postfix-sample.log
R="$SMTPCODES report --year 2025 --format json"
totals() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d["totals"], sort_keys=True) + "|" + str(d["lines_not_understood"]))'; }
want=$($R "$clean" | totals) || { echo "FAIL: report on the clean sample"; exit 1; }
want_totals=${want%|*}

# CRLF, binary junk and 1 MB lines between the good lines
python3 - "$clean" "$DIR/bad.log" <<'EOF'
import sys
good = open(sys.argv[1], "rb").read().split(b"\n")
if good and good[-1] == b"":
    good.pop()
out = []
for i, l in enumerate(good):
    out.append(l + b"\r\n")
    if i == 100:
        out.append(b"\x00\xff\xfe\x01binary\x00junk\n")
    if i == 200:
        out.append(b"Mar  3 10:00:00 mx1 postfix/smtp[1]: " + b"A" * (1024 * 1024) + b"\n")
    if i == 300:
        out.append(b"x" * (1024 * 1024 + 17) + b"\r\n")
open(sys.argv[2], "wb").write(b"".join(out))
EOF
got=$($R "$DIR/bad.log" 2>"$DIR/err" | totals)
rc=$?
[ $rc = 0 ] || fail "bad.log: exit $rc"
[ "${got%|*}" = "$want_totals" ] || fail "bad.log: totals $got, want $want_totals (good lines lost?)"
[ "${got#*|}" = 3 ] || fail "bad.log: lines not understood ${got#*|}, want 3"
grep -q "bad.log:203: line longer than" "$DIR/err" || { fail "bad.log: no message naming file and line"; cat "$DIR/err"; }

# a truncated .gz: what was read is reported, exit 65, a message naming the file
gzip -9c "$clean" > "$DIR/full.gz"
size=$(wc -c < "$DIR/full.gz")
head -c $((size / 2)) "$DIR/full.gz" > "$DIR/cut.gz"
$R "$DIR/cut.gz" >"$DIR/cut.json" 2>"$DIR/err"
rc=$?
[ $rc = 65 ] || fail "cut.gz: exit $rc, want 65"
grep -q "cut.gz: compressed data ends early" "$DIR/err" || { fail "cut.gz: no clear message"; cat "$DIR/err"; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["lines"] > 100 and d["totals"]["sent"] > 0 else 1)' \
	"$DIR/cut.json" || fail "cut.gz: the lines before the cut were not reported"
# the whole .gz counts the same as the plain file
got=$($R "$DIR/full.gz" | totals)
[ "$got" = "$want" ] || fail "full.gz: $got, want $want"
# standard input
got=$($R - < "$clean" | totals)
[ "$got" = "$want" ] || fail "stdin: $got, want $want"

# a missing file: 66, named; a directory too
$R "$DIR/nope.log" >/dev/null 2>"$DIR/err"
rc=$?
[ $rc = 66 ] || fail "missing file: exit $rc, want 66"
grep -q "nope.log: cannot open" "$DIR/err" || fail "missing file: no message naming it"
# usage errors: 64
$SMTPCODES report --format xml "$clean" >/dev/null 2>&1
[ $? = 64 ] || fail "--format xml: want exit 64"
$SMTPCODES report --campaign '(' "$clean" >/dev/null 2>&1
[ $? = 64 ] || fail "--campaign '(': want exit 64"
$SMTPCODES report --since yesterday "$clean" >/dev/null 2>&1
[ $? = 64 ] || fail "--since yesterday: want exit 64"
# the suppressions file cannot be created: 73
$SMTPCODES report --suppressions "$DIR/no/such/dir/s.csv" "$clean" >/dev/null 2>&1
[ $? = 73 ] || fail "--suppressions in a missing folder: want exit 73"
# ... and that is said before the input is read (here: an input that does
# not end for 30 s), by report and by bounces
for cmd in report bounces; do
	rc=0
	sleep 30 | timeout 10 $SMTPCODES $cmd --suppressions "$DIR/no/such/dir/s.csv" >/dev/null 2>&1 || rc=$?
	[ $rc = 73 ] || fail "$cmd --suppressions in a missing folder, endless input: want exit 73 at once, got $rc"
done
# a run that fails before it starts leaves an old suppressions file as it was
for cmd in report bounces; do
	echo "old list" >"$DIR/old.csv"
	$SMTPCODES $cmd --rules "$DIR/no-rules" --suppressions "$DIR/old.csv" "$clean" >/dev/null 2>&1
	[ "$(cat "$DIR/old.csv")" = "old list" ] || fail "$cmd: a run that never started emptied the suppressions file"
done

echo "report_badinput: $fails failed"
[ $fails = 0 ]
