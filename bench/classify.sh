#!/bin/bash
# bench/classify.sh - classification throughput of `smtpcodes classify` on one
# core, beside sisimai's text classification (Sisimai::Reason->match, which
# falls back to the status code) on the same lines, in the same run.
#
#   bench/classify.sh [LINES] [SISIMAI_LINES]
#
# The input cycles through the 500 real reply lines of tests/data/replies.tsv
# (LINES in all, default 2,000,000) and, as in a real log, gives every line
# its own addresses, IP addresses and ids: each e-mail address, IPv4 address
# and run of 6+ digits is replaced by a random one. sisimai, far slower,
# classifies the first SISIMAI_LINES (default 100,000) of the same file: the
# same mix of lines. Prints lines/s for each and the ratio. Not a test:
# figures vary with the machine.
set -eu
cd "$(dirname "$0")/.."
lines=${1:-2000000}
slines=${2:-100000}
bin=${SMTPCODES:-./build/smtpcodes}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -x "$bin" ] || make -s -j2

tail -n +2 tests/data/replies.tsv | cut -f1 > "$work/set"
n=$(wc -l < "$work/set")
python3 - "$work/set" "$work/in" "$lines" <<'PY'
import sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
import random, re
random.seed(42)
rows = open(src, encoding="utf-8", errors="surrogateescape").read().splitlines()
email = re.compile(r"[A-Za-z0-9._%+=-]+@[A-Za-z0-9.-]+[A-Za-z]")
ipv4 = re.compile(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")
digits = re.compile(r"\d{6,}")
def addr(_): return "".join(random.choice("abcdefghijklmnop") for _ in range(7)) + "@example" + str(random.randint(1, 999)) + ".org"
def ip(_): return "%d.%d.%d.%d" % (198, 51, random.randint(0, 255), random.randint(1, 254))
def num(m): return str(random.randint(10 ** (len(m.group(0)) - 1), 10 ** len(m.group(0)) - 1))
with open(dst, "w", encoding="utf-8", errors="surrogateescape") as f:
    for i in range(n):
        line = rows[i % len(rows)]
        line = digits.sub(num, ipv4.sub(ip, email.sub(addr, line)))
        f.write(line + "\n")
PY
head -n "$slines" "$work/in" > "$work/in_s"
echo "input: $lines lines cycling $n distinct real replies ($(du -h "$work/in" | cut -f1))"

# wall seconds, CPU seconds (user+sys: what one core spent, not disturbed by
# other load on the machine), peak RSS in KB
secs() { /usr/bin/time -f '%e %U %S %M' "$@" 2>&1 >/dev/null | tail -n 1 | awk '{print $1, $2 + $3, $4}'; }

# ours, pinned to one core
read -r w_tsv t_tsv rss_tsv < <(secs taskset -c 0 "$bin" classify "$work/in")
read -r w_json t_json rss_json < <(secs taskset -c 0 "$bin" classify --json "$work/in")
# sisimai
cat > "$work/sisimai.pl" <<'PL'
use strict; use warnings; use Sisimai::Reason;
my %count;
while (my $line = <STDIN>) { chomp $line; my $r = Sisimai::Reason->match($line) || 'undefined'; $count{$r}++; }
PL
read -r w_sis t_sis rss_sis < <(secs taskset -c 0 perl "$work/sisimai.pl" < "$work/in_s")

python3 - "$lines" "$w_tsv" "$t_tsv" "$rss_tsv" "$w_json" "$t_json" "$rss_json" "$slines" "$w_sis" "$t_sis" "$rss_sis" <<'PY'
import sys
a = sys.argv[1:]
lines, slines = int(a[0]), int(a[7])
def row(name, n, wall, cpu, rss):
    r = n / max(float(cpu), 0.001)
    print(f"{name:<28}{n:>9} lines: CPU {float(cpu):6.2f} s = {r:12,.0f} lines/s (wall {float(wall):6.2f} s), peak RSS {int(rss)/1024:.1f} MB")
    return r
ours = row("smtpcodes classify (TSV)", lines, a[1], a[2], a[3])
row("smtpcodes classify --json", lines, a[4], a[5], a[6])
sis = row("sisimai Reason->match", slines, a[8], a[9], a[10])
print(f"ratio (TSV, CPU time): {ours/sis:,.0f}x sisimai; targets: >= 2,000,000 lines/s on one core and >= 100x")
PY
