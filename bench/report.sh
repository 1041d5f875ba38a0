#!/bin/bash
# bench/report.sh - throughput and peak memory of `smtpcodes report` on a
# synthetic Postfix log, beside pflogsumm (the usual Postfix summary) and
# `grep -c status=` (a floor: reading the file once) on the same file, in the
# same run. Not a test: the figures vary with the machine.
#
#   bench/report.sh [TOOLS_DIR] [LINES] [BIG_LINES]
#
# (Output goes to a file, not /dev/null: GNU grep stops at the first match
# when its output is /dev/null.)
# TOOLS_DIR holds gen_postfix_log.py (default ../shared/tools). LINES (default
# 1,000,000) is the log all three tools read. BIG_LINES (default 10,000,000;
# 0 skips it) is a second, larger log, made of 1,000,000-line pieces with
# different seeds, on which only smtpcodes' peak memory is measured.
# Targets: >= 50x pflogsumm, <= 4x the grep time, <= 64 MB peak RSS on the
# big log.
set -eu
cd "$(dirname "$0")/.."
tools=${1:-../shared/tools}
lines=${2:-1000000}
big=${3:-10000000}
bin=${SMTPCODES:-./build/smtpcodes}
gen=$tools/gen_postfix_log.py
[ -f "$gen" ] || { echo "bench/report.sh: $gen not found (give the tools folder as the first argument)" >&2; exit 66; }
[ -x "$bin" ] || make -s -j2
work=${BENCH_DIR:-$(mktemp -d)}
[ -n "${BENCH_DIR:-}" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"

log=$work/postfix_$lines.log
[ -s "$log" ] || python3 "$gen" "$lines" > "$log"
echo "input: $lines lines, $(du -hL "$log" | cut -f1) ($gen)"

timed() { # timed N CMD...: best wall time and its peak RSS in KB
	local n=$1 i t m bt= bm=
	shift
	for i in $(seq "$n"); do
		/usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || {
			echo "bench/report.sh: '$*' failed:" >&2; tail -5 "$work/err" >&2; exit 1; }
		read -r t m < "$work/time"
		if [ -z "$bt" ] || awk "BEGIN{exit !($t < $bt)}"; then bt=$t; bm=$m; fi
	done
	echo "$bt $bm"
}

cat "$log" >/dev/null # warm the page cache for everybody
read -r t_grep m_grep < <(timed 5 grep -c status= "$log")
read -r t_ours m_ours < <(timed 3 "$bin" report --quiet "$log")
read -r t_json m_json < <(timed 3 "$bin" report --quiet --format json "$log")
if command -v pflogsumm >/dev/null 2>&1; then
	read -r t_pfl m_pfl < <(timed 1 pflogsumm "$log")
else
	echo "note: pflogsumm is not installed (Debian package pflogsumm); its column stays empty"
	t_pfl=0 m_pfl=0
fi

t_big=0 m_big=0
if [ "$big" -gt 0 ]; then
	biglog=$work/postfix_big_$big.log
	if [ ! -s "$biglog" ]; then
		pieces=$(( (big + 999999) / 1000000 ))
		for s in $(seq "$pieces"); do python3 "$gen" 1000000 --seed "$s"; done | head -n "$big" > "$biglog"
	fi
	read -r t_big m_big < <(timed 1 "$bin" report --quiet "$biglog")
	echo "big input: $big lines, $(du -hL "$biglog" | cut -f1)"
fi

python3 - "$lines" "$t_grep" "$m_grep" "$t_ours" "$m_ours" "$t_json" "$m_json" "$t_pfl" "$m_pfl" "$big" "$t_big" "$m_big" <<'PY'
import sys
a = sys.argv[1:]
lines = int(a[0])
t_grep, m_grep, t_ours, m_ours, t_json, m_json, t_pfl, m_pfl = map(float, a[1:9])
big, t_big, m_big = int(a[9]), float(a[10]), float(a[11])
def row(name, t, m, n=lines):
    rate = n / t if t else 0
    print(f"{name:<34} {t:8.2f} s {rate:14,.0f} lines/s  peak RSS {m/1024:7.1f} MB")
row("grep -c status=", t_grep, m_grep)
row("smtpcodes report (text)", t_ours, m_ours)
row("smtpcodes report --format json", t_json, m_json)
if t_pfl:
    row("pflogsumm", t_pfl, m_pfl)
if big:
    row(f"smtpcodes report, {big:,} lines", t_big, m_big, big)
print()
if t_pfl:
    r = t_pfl / max(t_ours, 0.001)
    print(f"speed vs pflogsumm: {r:,.1f}x   (target >= 50x)  {'ok' if r >= 50 else 'MISSED'}")
r = t_ours / max(t_grep, 0.001)
print(f"time vs grep -c:    {r:,.1f}x   (target <= 4x)   {'ok' if r <= 4 else 'MISSED'}")
if big:
    print(f"peak RSS, {big:,} lines: {m_big/1024:.1f} MB (target <= 64 MB)  {'ok' if m_big <= 64 * 1024 else 'MISSED'}")
PY
