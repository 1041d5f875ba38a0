#!/bin/bash
# bench/probe.sh - wall time of one full SMTP session (EHLO, STARTTLS with a
# verified certificate, EHLO, MAIL, RCPT, DATA with a small message, QUIT)
# against the same loopback Postfix, `smtpcodes probe` beside swaks, in the
# same hyperfine run. The Postfix instance is the one of
# tests/integration/probe_postfix.sh (private config and queue, a test CA),
# held open while hyperfine runs and stopped afterwards.
#
#   bench/probe.sh [RUNS]
#
# Prints both means, the CPU times and the ratio; the target is at most a
# tenth of swaks' time. The probe runs without its DNS checks (swaks makes none). Not a
# test: figures vary with the machine. Needs root (Postfix), hyperfine, swaks.
set -eu
cd "$(dirname "$0")/.."
runs=${1:-50}
bin=${SMTPCODES:-$PWD/build/smtpcodes}
for t in hyperfine swaks; do
	command -v $t >/dev/null || { echo "bench/probe.sh: $t is not installed (scripts/deps.sh)" >&2; exit 1; }
done
[ -x "$bin" ] || make -s -j2

work=$(mktemp -d)
log=$work/postfix.log
HOLD=900 SMTPCODES=$bin sh tests/integration/probe_postfix.sh > "$log" 2>&1 &
holder=$!
trap 'kill $holder 2>/dev/null; wait $holder 2>/dev/null; rm -rf "$work"' EXIT INT TERM
for _ in $(seq 300); do
	grep -q '^READY' "$log" && break
	kill -0 $holder 2>/dev/null || { cat "$log"; exit 1; }
	sleep 0.1
done
read -r _ port dir < <(grep '^READY' "$log")
[ -n "$port" ] || { echo "bench/probe.sh: Postfix did not start"; cat "$log"; exit 1; }

ours="$bin probe --no-checks --cafile $dir/ca.pem --from bench@example.com --rcpt ok@probe.test --data 127.0.0.1:$port"
theirs="swaks --server 127.0.0.1:$port --tls --tls-verify --tls-ca-path $dir/ca.pem --from bench@example.com --to ok@probe.test"
# both must succeed before they are timed
$ours > "$work/ours.out" || { echo "smtpcodes probe failed:"; tail -20 "$work/ours.out"; exit 1; }
$theirs > "$work/swaks.out" 2>&1 || { echo "swaks failed:"; tail -20 "$work/swaks.out"; exit 1; }

hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/h.json" -n "smtpcodes probe" "$ours" -n swaks "$theirs"
python3 - "$work/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
o, s = r["smtpcodes probe"], r["swaks"]
print("smtpcodes probe: mean %.1f ms (median %.1f ms); swaks: mean %.1f ms (median %.1f ms)"
      % (o["mean"] * 1e3, o["median"] * 1e3, s["mean"] * 1e3, s["median"] * 1e3))
cpu_o, cpu_s = o["user"] + o["system"], s["user"] + s["system"]
print("CPU (user+system): smtpcodes probe %.1f ms; swaks %.1f ms; 1/%.1f"
      % (cpu_o * 1e3, cpu_s * 1e3, cpu_s / cpu_o))
ratio = s["mean"] / o["mean"]
print("ratio: smtpcodes probe takes 1/%.1f of swaks' time (target: at most 1/10) - %s"
      % (ratio, "met" if ratio >= 10 else "NOT met"))
PY
