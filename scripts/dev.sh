#!/bin/sh
# dev.sh - the one entry point for setting up, building, demonstrating and
# testing smtpcodes on a fresh Debian 12 machine (as root).
#
#   sh scripts/dev.sh demo       install deps, build, run the main job on sample data
#   sh scripts/dev.sh test       install deps, build, run every test
#   sh scripts/dev.sh sanitize   the whole suite again under ASan+UBSan
#   sh scripts/dev.sh fuzz [S]   every libFuzzer harness for S seconds (default 60)
set -e
cd "$(dirname "$0")/.."
what=${1:-test}
sh scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
werror=
[ -n "$CI" ] && werror="WERROR=1"
case "$what" in
demo)
	make -j"$jobs" $werror >/dev/null
	# the main job: a whole mail log summarised, problems first
	./build/smtpcodes report samples/postfix-sample.log
	echo
	echo "== one reply explained (smtpcodes explain):"
	./build/smtpcodes explain "550 5.7.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org"
	;;
test)
	make -j"$jobs" $werror
	BUILD=build tests/run
	;;
sanitize)
	make -j"$jobs" SAN=1 $werror
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		BUILD=build-asan tests/run
	;;
fuzz)
	secs=${2:-60}
	make fuzz
	crashes=0
	for f in build-fuzz/fuzz_*; do
		name=$(basename "$f" | sed 's/^fuzz_//')
		corpus=tests/fuzz/corpus/$name
		mkdir -p "$corpus"
		work=$(mktemp -d)
		mkdir -p "$work/new"
		echo "fuzz: $name for ${secs}s"
		if (cd "$work" && "$OLDPWD/$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 "$work/new" "$OLDPWD/$corpus") > "$work/log" 2>&1; then
			tail -n 3 "$work/log"
		else
			# the crashing input is in $work (crash-*, timeout-*, oom-*): keep it
			tail -n 40 "$work/log"
			mkdir -p fuzz-crashes
			cp "$work"/crash-* "$work"/timeout-* "$work"/oom-* fuzz-crashes/ 2>/dev/null || true
			echo "fuzz: $name FAILED (inputs in fuzz-crashes/)"
			crashes=$((crashes + 1))
		fi
		rm -rf "$work"
	done
	echo "fuzz: $crashes harnesses failed"
	[ "$crashes" = 0 ]
	;;
*)
	echo "usage: sh scripts/dev.sh demo|test|sanitize|fuzz [SECONDS]" >&2
	exit 64
	;;
esac
