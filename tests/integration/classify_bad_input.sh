#!/bin/bash
# classify_bad_input.sh - classify on hostile input: a 10 MB line, binary
# junk, CRLF, a truncated .gz. Every good line still gets its verdict, each
# bad line gets a result with an error, the messages name the file and line,
# and nothing crashes or hangs.
set -u
bin=${SMTPCODES:?}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 1. a 10 MB line between two good lines
{ echo "550 5.1.1 <a@example.org>: User unknown"; head -c 10485760 /dev/zero | tr '\0' 'x'; echo;
  printf '452 4.2.2 over quota\r\n'; } > "$t/long.txt"
out=$(timeout 20 "$bin" classify --json "$t/long.txt") || fail "exit $? on a 10 MB line"
[ "$(printf '%s\n' "$out" | wc -l)" = 3 ] || fail "want 3 results for 3 lines"
printf '%s\n' "$out" | sed -n 1p | grep -q '"reason":"userunknown"' || fail "first good line lost"
printf '%s\n' "$out" | sed -n 2p | grep -q '"error":"line too long"' || fail "no error for the 10 MB line"
printf '%s\n' "$out" | sed -n 3p | grep -q '"reason":"mailboxfull"' || fail "line after the long one lost (CRLF)"

# 2. binary junk: one result per line, no crash, the good line survives
{ head -c 4096 /bin/ls; echo; echo "421 4.7.0 Try again later"; } > "$t/bin.txt"
n_in=$(wc -l < "$t/bin.txt")
out=$(timeout 20 "$bin" classify --json "$t/bin.txt") || fail "exit $? on binary input"
[ "$(printf '%s\n' "$out" | wc -l)" = "$n_in" ] || fail "want $n_in results for binary input"
printf '%s\n' "$out" | tail -n 1 | grep -q '"class":"temporary"' || fail "good line after junk lost"
printf '%s\n' "$out" | grep -q '"error":"binary data' || fail "no binary-data error"
printf '%s\n' "$out" | python3 -c 'import sys,json; [json.loads(l) for l in sys.stdin]' || fail "invalid JSON"

# 3. a truncated .gz: the lines before the cut come out, then a clear error
for i in $(seq 1 20000); do echo "550 5.1.1 <user$i@example.org>: User unknown"; done | gzip > "$t/full.gz"
head -c $(( $(stat -c %s "$t/full.gz") / 2 )) "$t/full.gz" > "$t/cut.gz"
timeout 20 "$bin" classify "$t/cut.gz" > "$t/cut.out" 2> "$t/cut.err"
rc=$?
[ "$rc" = 65 ] || fail "truncated .gz: exit $rc, want 65"
grep -q "cut.gz: compressed data ends early (truncated .gz) after line" "$t/cut.err" || fail "message: $(cat "$t/cut.err")"
good=$(wc -l < "$t/cut.out")
[ "$good" -gt 1000 ] || fail "only $good lines before the cut came out"
[ "$(grep -c userunknown "$t/cut.out")" -ge $((good - 1)) ] || fail "lines before the cut misclassified"

# 4. a missing file: named, exit 66, the other files still processed
out=$(timeout 5 "$bin" classify "$t/nope.txt" "$t/long.txt" 2>"$t/err")
rc=$?
[ "$rc" = 66 ] || fail "missing file: exit $rc, want 66"
grep -q "nope.txt: cannot open" "$t/err" || fail "missing file not named"
[ "$(printf '%s\n' "$out" | wc -l)" = 3 ] || fail "the file after the missing one was not processed"

# 5. a bad rules file names file and line; exit 65
printf 'reason blocked /ok/\nreason nosuch /x/\n' > "$t/bad.rules"
"$bin" classify --rules "$t/bad.rules" /dev/null 2>"$t/err"
rc=$?
[ "$rc" = 65 ] || fail "bad rules: exit $rc"
grep -q "bad.rules:2: unknown reason name" "$t/err" || fail "bad rules message: $(cat "$t/err")"
echo "bad input handled"
