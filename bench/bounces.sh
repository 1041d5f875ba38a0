#!/bin/sh
# bench/bounces.sh CORPUS - smtpcodes bounces against sisimai on the same files.
#
# CORPUS is a folder laid out like ../shared/corpus/sisimai: maildir/bsd/ with
# one bounce per file and, optionally, expected.tsv beside it. Both tools read
# the same folder in the same run, RUNS times each (default 5), timed by
# hyperfine when it is installed. Prints the best and the mean wall time of
# each and their ratios; our CPU time with one thread (--jobs 1) and our
# start-up (an empty input); whether the built-in MIME walk and GMime
# (SMTPCODES_MIME=gmime) give the same records; and, when expected.tsv and
# score-bounces.py are found, the agreement of our records with it, beside
# it the agreement of sisimai's own records, and how many labels contradict
# each other (bench/label_conflicts.py). sisimai is Debian's
# libsisimai-perl (Sisimai->make); without it only our times are printed.
# Then both again on the same messages four times over in one mbox file.
set -eu
corpus=${1:?usage: bench/bounces.sh CORPUS}
here=$(cd "$(dirname "$0")/.." && pwd)
prog=${SMTPCODES:-$here/build/smtpcodes}
runs=${RUNS:-5}
dir=$corpus/maildir/bsd
[ -d "$dir" ] || dir=$corpus
score=${SCORE:-$here/../shared/tools/score-bounces.py}
out=$(mktemp)
ref=$(mktemp)
trap 'rm -f "$out" "$ref"' EXIT INT TERM

# quote() ARG: ARG in single quotes, for hyperfine's command line
quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

best() { # best() CMD...: sets $best and $mean, the lowest and the mean wall
	# time of $runs runs in seconds; measured by hyperfine when it is
	# installed (no shell in between, so the fork of a shell is not
	# counted), else with date around each run ($mean then stays empty)
	best=
	mean=
	if command -v hyperfine >/dev/null 2>&1; then
		c=
		for a in "$@"; do c="$c $(quote "$a")"; done
		if hyperfine -N -i -w 1 -r "$runs" --export-json "$ref" -- "$c" >/dev/null 2>&1; then
			read -r best mean <<EOF_TIMES
$(python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["results"][0]; print(r["min"], r["mean"])' "$ref")
EOF_TIMES
			return
		fi
	fi
	i=0
	while [ "$i" -lt "$runs" ]; do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || true
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
		i=$((i + 1))
	done
}

cpu() { # cpu() CMD...: the lowest CPU time of $runs runs, in seconds: perf's
	# task-clock when perf runs here, else user + system of /usr/bin/time
	# (which counts in hundredths)
	b=
	i=0
	while [ "$i" -lt "$runs" ]; do
		if perf stat -x, -e task-clock -o "$ref" "$@" >/dev/null 2>&1 && grep -q task-clock "$ref"; then
			t=$(grep task-clock "$ref" | cut -d, -f1 | awk '{ print $1 / 1000 }')
		else
			/usr/bin/time -f '%U %S' -o "$ref" "$@" >/dev/null 2>&1 || true
			t=$(tail -n 1 "$ref" | awk '{ print $1 + $2 }')
		fi
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
		i=$((i + 1))
	done
	echo "$b"
}

n=$(find "$dir" -type f | wc -l)
best "$prog" bounces --json --delivered --vacation "$dir"
ours=$best
ours_mean=$mean
printf 'files:     %d in %s\n' "$n" "$dir"
printf 'smtpcodes: %.4f s best (%.0f messages/s)%s\n' "$ours" "$(echo "$n / $ours" | bc -l)" \
	"${ours_mean:+, $(printf '%.4f' "$ours_mean") s mean}"
if command -v perf >/dev/null 2>&1 || [ -x /usr/bin/time ]; then
	printf '           %.3f s CPU with --jobs 1\n' "$(cpu "$prog" bounces --jobs 1 --json --delivered --vacation "$dir")"
fi
best "$prog" bounces --json /dev/null
printf '           %.4f s start-up (bounces --json /dev/null)\n' "$best"
if perl -MSisimai -e 1 2>/dev/null; then
	best perl -MSisimai -e 'Sisimai->make($ARGV[0], delivered => 1, vacation => 1)' "$dir"
	theirs=$best
	printf 'sisimai:   %.4f s best (%.0f messages/s)%s, Sisimai %s\n' "$theirs" "$(echo "$n / $theirs" | bc -l)" \
		"${mean:+, $(printf '%.4f' "$mean") s mean}" "$(perl -MSisimai -e 'print $Sisimai::VERSION')"
	printf 'ratio:     %.1fx faster (best against best)' "$(echo "$theirs / $ours" | bc -l)"
	if [ -n "$mean" ] && [ -n "$ours_mean" ]; then
		printf ', %.1fx (mean against mean)' "$(echo "$mean / $ours_mean" | bc -l)"
	fi
	echo
else
	echo "sisimai:   not installed (apt-get install libsisimai-perl)"
fi
# the same messages four times over as one mbox of some 11 MB (so it is cut
# into pieces that the threads share), for both tools
mb=$(mktemp)
for i in 1 2 3 4; do
	for f in "$dir"/*; do
		printf 'From MAILER-DAEMON Thu Apr 29 23:34:45 2010\n'
		sed 's/^From />From /' "$f"
		printf '\n'
	done
done >"$mb"
best "$prog" bounces --json --delivered --vacation "$mb"
ours=$best
ours_mean=$mean
printf 'mbox:      %d messages, %s: smtpcodes %.4f s best%s\n' "$((n * 4))" "$(du -h "$mb" | cut -f1)" "$ours" \
	"${ours_mean:+, $(printf '%.4f' "$ours_mean") s mean}"
if perl -MSisimai -e 1 2>/dev/null; then
	best perl -MSisimai -e 'Sisimai->make($ARGV[0], delivered => 1, vacation => 1)' "$mb"
	printf '           sisimai %.4f s best%s; %.1fx faster (best against best)' "$best" \
		"${mean:+, $(printf '%.4f' "$mean") s mean}" "$(echo "$best / $ours" | bc -l)"
	if [ -n "$mean" ] && [ -n "$ours_mean" ]; then
		printf ', %.1fx (mean against mean)' "$(echo "$mean / $ours_mean" | bc -l)"
	fi
	echo
fi
rm -f "$mb"
"$prog" bounces --json --delivered --vacation "$dir" >"$out" 2>/dev/null || true
SMTPCODES_MIME=gmime "$prog" bounces --json --delivered --vacation "$dir" >"$ref" 2>/dev/null || true
if cmp -s "$out" "$ref"; then
	printf 'mime:      the built-in walk and GMime give the same %d records\n' "$(wc -l <"$out")"
else
	printf 'mime:      the built-in walk and GMime DIFFER (diff the --json output with SMTPCODES_MIME=gmime)\n'
fi
if [ -f "$corpus/expected.tsv" ] && [ -f "$score" ]; then
	printf 'smtpcodes  '
	python3 "$score" "$corpus/expected.tsv" "$out" | tail -n 1
	# the peer scored the same way: its records as JSON lines with the
	# fields the scorer reads; Sisimai 4 has no hardbounce field, only
	# softbounce (1 soft, 0 hard, -1 not a bounce), which is turned into one
	if perl -MSisimai -e 1 2>/dev/null; then
		perl -MSisimai -MJSON::PP -e '
			my $j = JSON::PP->new->canonical;
			for my $r (@{ Sisimai->make($ARGV[0], delivered => 1, vacation => 1) || [] }) {
				my $d = $r->damn;
				my $hard = exists $d->{hardbounce} ? $d->{hardbounce} : ($d->{softbounce} // 1) == 0;
				print $j->encode({ origin => $d->{origin}, reason => $d->{reason},
				                   deliverystatus => $d->{deliverystatus}, hardbounce => $hard ? 1 : 0 }), "\n";
			}' "$dir" >"$ref" 2>/dev/null || true
		printf 'sisimai    '
		python3 "$score" "$corpus/expected.tsv" "$ref" | tail -n 1
	fi
	# the labels that contradict each other (the same reply text, command
	# and class labelled two ways): the ceiling of any reading of the text
	printf 'labels     '
	python3 "$here/bench/label_conflicts.py" "$corpus/expected.tsv" "$out" | tail -n 1
fi
