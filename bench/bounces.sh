#!/bin/sh
# bench/bounces.sh CORPUS - smtpcodes bounces against sisimai on the same files.
#
# CORPUS is a folder laid out like ../shared/corpus/sisimai: maildir/bsd/ with
# one bounce per file and, optionally, expected.tsv beside it. Both tools read
# the same folder in the same run, three times each; the best time counts.
# Prints the two times, the ratio, and, when expected.tsv and
# score-bounces.py are found, the agreement of our records with it.
# sisimai is Debian's libsisimai-perl (Sisimai->make); without it only our
# time is printed.
set -eu
corpus=${1:?usage: bench/bounces.sh CORPUS}
here=$(cd "$(dirname "$0")/.." && pwd)
prog=${SMTPCODES:-$here/build/smtpcodes}
dir=$corpus/maildir/bsd
[ -d "$dir" ] || dir=$corpus
score=${SCORE:-$here/../shared/tools/score-bounces.py}
out=$(mktemp)
trap 'rm -f "$out"' EXIT INT TERM

best() { # best() CMD...: the lowest wall time of three runs, in seconds
	b=
	for i in 1 2 3; do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || true
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc -l)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
	done
	echo "$b"
}

n=$(find "$dir" -type f | wc -l)
ours=$(best "$prog" bounces --json --delivered --vacation "$dir")
printf 'files:    %d in %s\n' "$n" "$dir"
printf 'smtpcodes: %.3f s (%.0f messages/s)\n' "$ours" "$(echo "$n / $ours" | bc -l)"
if perl -MSisimai -e 1 2>/dev/null; then
	theirs=$(best perl -MSisimai -e 'Sisimai->make($ARGV[0], delivered => 1, vacation => 1)' "$dir")
	printf 'sisimai:   %.3f s (%.0f messages/s), Sisimai %s\n' "$theirs" "$(echo "$n / $theirs" | bc -l)" \
		"$(perl -MSisimai -e 'print $Sisimai::VERSION')"
	printf 'ratio:     %.1fx faster\n' "$(echo "$theirs / $ours" | bc -l)"
else
	echo "sisimai:   not installed (apt-get install libsisimai-perl)"
fi
if [ -f "$corpus/expected.tsv" ] && [ -f "$score" ]; then
	"$prog" bounces --json --delivered --vacation "$dir" >"$out" 2>/dev/null || true
	python3 "$score" "$corpus/expected.tsv" "$out" | tail -n 1
fi
