#!/bin/sh
# probe_peer.sh - `smtpcodes probe` against scripted peers that misbehave
# (probe_peer.py, ports 20150-20168): garbage, a line without end, a 10 MB
# reply as one line and as many lines, a stall in the middle of a reply, a
# close before and in the middle of a reply, silence, NUL bytes, mixed
# codes, a TLS handshake answered with garbage, STARTTLS command injection,
# a peer that trickles one byte every half second. Each must end with a
# clear error, the right exit code and within its timeouts: never a hang.
#
# Run by tests/run with SMTPCODES=path/to/smtpcodes. Exit 0 pass, 77 skip
# (no python3), anything else fails.
set -u
SMTPCODES=${SMTPCODES:-build/smtpcodes}
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: /usr/bin/python3 is missing"; exit 77; }
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=20150
REFUSED=20179

# another run of this suite may hold the ports for a while: wait, bounded
busy() {
	for p in $(seq $BASE $((BASE + 18))) $REFUSED; do
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . && { echo $p; return 0; }
	done
	return 1
}
i=0
while p=$(busy); do
	i=$((i + 1))
	[ $i -gt 600 ] && { echo "FAIL: port $p is in use"; exit 1; }
	sleep 0.1
done

LOG=$(mktemp /tmp/smtpcodes-peer.XXXXXX)
$PY "$HERE/probe_peer.py" $BASE 300 > "$LOG" 2>&1 &
PEER=$!
trap 'kill $PEER 2>/dev/null; wait $PEER 2>/dev/null; rm -f "$LOG"' EXIT INT TERM
i=0
until grep -q READY "$LOG"; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "FAIL: the scripted peer did not start"; cat "$LOG"; exit 1; }
	kill -0 $PEER 2>/dev/null || { echo "FAIL: the scripted peer died"; cat "$LOG"; exit 1; }
	sleep 0.1
done

port() { # the port of a mode, in probe_peer.py's order
	n=0
	for m in good garbage noeol longline huge stall close closemid silent ehlo500 banner554 rcpt421 mixed nul \
		tlsgarbage inject trickle auth extra; do
		[ "$m" = "$1" ] && { echo $((BASE + n)); return; }
		n=$((n + 1))
	done
}

passes=0
fails=0
# case NAME WANT_EXIT MAX_SECONDS PATTERN -- ARGS...
case_() {
	name=$1; want=$2; max=$3; pat=$4; shift 5
	t0=$(date +%s%N)
	out=$(timeout 40 "$SMTPCODES" probe --no-checks --lang en "$@" 2>&1); got=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	ok=1
	[ "$got" = "$want" ] || { echo "FAIL $name: exit got $got, want $want"; ok=0; }
	[ $ms -le $((max * 1000)) ] || { echo "FAIL $name: took $ms ms, want at most ${max}000"; ok=0; }
	echo "$out" | grep -q -- "$pat" || { echo "FAIL $name: output lacks '$pat'"; ok=0; }
	if [ $ok = 1 ]; then
		passes=$((passes + 1)); echo "ok $name (${ms} ms)"
	else
		fails=$((fails + 1)); echo "$out" | tail -30 | sed 's/^/    | /'
	fi
}

case_ good 0 5 "every step asked for succeeded" -- --tls no --from a@b.example --rcpt c@d.example --data 127.0.0.1:$(port good)
case_ garbage 11 5 "not an SMTP reply" -- 127.0.0.1:$(port garbage)
case_ noeol 11 4 "stopped in the middle" -- --timeout 1 127.0.0.1:$(port noeol)
case_ longline 11 5 "longer than 4096 bytes" -- 127.0.0.1:$(port longline)
case_ huge 11 5 "more than 100 lines\|larger than 64 KiB" -- 127.0.0.1:$(port huge)
case_ stall 12 4 "stopped in the middle" -- --timeout 1 127.0.0.1:$(port stall)
case_ close 12 5 "closed the connection without a reply" -- 127.0.0.1:$(port close)
case_ closemid 12 5 "closed the connection in the middle of a reply" -- 127.0.0.1:$(port closemid)
case_ silent 11 4 "no reply within 1000 ms" -- --timeout 1 127.0.0.1:$(port silent)
case_ ehlo500-helo 0 5 "HELO peer.test\|\[helo\]" -- --tls auto 127.0.0.1:$(port ehlo500)
case_ helo-no-starttls 13 5 "TLS is required" -- --tls required 127.0.0.1:$(port ehlo500)
case_ banner554 11 5 "554 5.7.1" -- 127.0.0.1:$(port banner554)
case_ rcpt421 16 5 "421 4.7.0" -- --tls no --from a@b.example --rcpt c@d.example --rcpt e@f.example 127.0.0.1:$(port rcpt421)
case_ mixed 12 5 "different reply codes" -- 127.0.0.1:$(port mixed)
case_ nul 11 5 "binary data" -- 127.0.0.1:$(port nul)
case_ tlsgarbage 13 5 "TLS handshake failed" -- 127.0.0.1:$(port tlsgarbage)
case_ starttls-injection 13 2 "before TLS began" -- 127.0.0.1:$(port inject)
case_ trickle-step-timeout 11 5 "stopped in the middle" -- --timeout 2 127.0.0.1:$(port trickle)
case_ overall-deadline 12 4 "overall deadline" -- --timeout 20 --deadline 1.5 127.0.0.1:$(port stall)
case_ refused 10 5 "Connection refused" -- 127.0.0.1:$REFUSED
case_ auth-plaintext 0 5 "235 2.7.0" -- --tls no --auth-plaintext --auth-user tester --auth-password-file /dev/stdin \
	--quit-after auth 127.0.0.1:$(port auth) <<EOF
pw
EOF
case_ auth-wrong 14 5 "535 5.7.8" -- --tls no --auth-plaintext --auth-user tester --auth-password-file /dev/stdin \
	--quit-after auth 127.0.0.1:$(port auth) <<EOF
wrong
EOF
case_ quit-after-mail 0 5 "MAIL FROM:<a@b.example>" -- --tls no --from a@b.example --quit-after mail 127.0.0.1:$(port good)
case_ extra-reply 13 5 "more than one reply\|before TLS began" -- 127.0.0.1:$(port extra)
case_ json-error 11 5 '"failure":"protocol"' -- --json 127.0.0.1:$(port garbage)
case_ ipv6-refused 10 5 "connect" -- "[::1]:$REFUSED"

# the JSON documents of failed sessions parse too
for m in garbage huge stall closemid mixed nul tlsgarbage inject; do
	if "$SMTPCODES" probe --json --no-checks --timeout 1 127.0.0.1:$(port $m) | $PY -c 'import json, sys; json.load(sys.stdin)'; then
		passes=$((passes + 1)); echo "ok json-valid $m"
	else
		fails=$((fails + 1)); echo "FAIL json-valid $m"
	fi
done

echo "probe_peer: $passes passed, $fails failed"
[ $fails = 0 ]
