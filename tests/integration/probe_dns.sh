#!/bin/sh
# probe_dns.sh - the probe's DNS side against a real resolver on loopback:
# unbound on 127.0.0.1:20170 serves a test zone with MX (two hosts, a null
# MX, none at all), A, AAAA, PTR and DNSBL records; a scripted SMTP peer
# listens on 127.0.0.1:20171; a DNS server that never answers listens on
# 127.0.0.1:20172 to show that a dead resolver costs the timeout once.
#
# Run by tests/run with SMTPCODES=path/to/smtpcodes. Exit 0 pass, 77 skip
# (no unbound or python3), anything else fails.
set -u
SMTPCODES=${SMTPCODES:-build/smtpcodes}
PY=/usr/bin/python3
UNBOUND=$(command -v unbound || echo /usr/sbin/unbound)
[ -x "$UNBOUND" ] || { echo "SKIP: unbound is not installed"; exit 77; }
[ -x $PY ] || { echo "SKIP: /usr/bin/python3 is missing"; exit 77; }
HERE=$(cd "$(dirname "$0")" && pwd)
DNSPORT=20170
SMTPPORT=20171
SILENT=20172
# another run of this suite may hold the ports for a while: wait, bounded
busy() {
	ss -Hltn "sport = :$SMTPPORT" 2>/dev/null | grep -q . && { echo "tcp $SMTPPORT"; return 0; }
	for p in $DNSPORT $SILENT; do
		ss -Hlun "sport = :$p" 2>/dev/null | grep -q . && { echo "udp $p"; return 0; }
	done
	return 1
}
i=0
while p=$(busy); do
	i=$((i + 1))
	[ $i -gt 600 ] && { echo "FAIL: port $p is in use"; exit 1; }
	sleep 0.1
done

DIR=$(mktemp -d /tmp/smtpcodes-dns.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

cat > "$DIR/unbound.conf" <<EOF
server:
	interface: 127.0.0.1@$DNSPORT
	port: $DNSPORT
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$DIR"
	pidfile: "$DIR/unbound.pid"
	use-syslog: no
	logfile: "$DIR/unbound.log"
	verbosity: 1
	do-ip6: no
	access-control: 127.0.0.0/8 allow
	local-zone: "probe.test." static
	local-data: "probe.test. 60 IN MX 10 mx1.probe.test."
	local-data: "probe.test. 60 IN MX 20 mx2.probe.test."
	local-data: "mx1.probe.test. 60 IN A 127.0.0.1"
	local-data: "mx1.probe.test. 60 IN AAAA ::1"
	local-data: "mx2.probe.test. 60 IN A 127.0.0.1"
	local-data: "nullmx.probe.test. 60 IN MX 0 ."
	local-data: "nomx.probe.test. 60 IN A 127.0.0.1"
	local-data: "listed.probe.test. 60 IN A 192.0.2.99"
	local-data: "clean.probe.test. 60 IN A 192.0.2.1"
	local-data: "dead.probe.test. 60 IN A 127.0.0.2"
	local-data: "fallback.probe.test. 60 IN MX 10 dead.probe.test."
	local-data: "fallback.probe.test. 60 IN MX 20 mx2.probe.test."
	local-data: "partial.probe.test. 60 IN MX 10 mx2.probe.test."
	local-data: "partial.probe.test. 60 IN MX 20 dead.probe.test."
	local-zone: "127.in-addr.arpa." static
	local-data-ptr: "127.0.0.1 mx1.probe.test."
	local-zone: "bl.test." static
	local-data: "99.2.0.192.bl.test. 60 IN A 127.0.0.2"
	local-data: '99.2.0.192.bl.test. 60 IN TXT "listed for testing, see https://bl.test/"'
	local-zone: "bl2.test." static
	local-zone: "refuse.test." static
	local-data: "99.2.0.192.refuse.test. 60 IN A 127.255.255.254"
remote-control:
	control-enable: no
EOF
"$UNBOUND" -d -c "$DIR/unbound.conf" > "$DIR/unbound.out" 2>&1 &
pids="$pids $!"
$PY "$HERE/probe_peer.py" $SMTPPORT 300 good > "$DIR/peer.log" 2>&1 &
pids="$pids $!"
$PY "$HERE/probe_peer.py" --silent-dns $SILENT 300 > "$DIR/silent.log" 2>&1 &
pids="$pids $!"

i=0
until grep -q READY "$DIR/peer.log" && grep -q READY "$DIR/silent.log" &&
	"$SMTPCODES" dnsbl --dns-server 127.0.0.1:$DNSPORT --dns-timeout 0.5 --dnsbl-zone bl.test 192.0.2.99 2>&1 |
		grep -q "listed ("; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "FAIL: unbound or the peer did not start"; cat "$DIR"/*.out "$DIR"/*.log; exit 1; }
	sleep 0.1
done

passes=0
fails=0
# t NAME WANT_EXIT MAX_SECONDS PATTERNS(|-separated) -- ARGS...
t() {
	name=$1; want=$2; max=$3; pats=$4; shift 5
	t0=$(date +%s%N)
	out=$(timeout 30 "$SMTPCODES" "$@" 2>&1); got=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	ok=1
	[ "$got" = "$want" ] || { echo "FAIL $name: exit got $got, want $want"; ok=0; }
	[ $ms -le $((max * 1000)) ] || { echo "FAIL $name: took $ms ms, more than ${max} s"; ok=0; }
	oldifs=$IFS; IFS='|'
	for p in $pats; do
		echo "$out" | grep -q -- "$p" || { echo "FAIL $name: output lacks '$p'"; ok=0; }
	done
	IFS=$oldifs
	if [ $ok = 1 ]; then passes=$((passes + 1)); echo "ok $name (${ms} ms)"
	else fails=$((fails + 1)); echo "$out" | tail -40 | sed 's/^/    | /'; fi
}
D="--dns-server 127.0.0.1:$DNSPORT --dns-timeout 2"
P="probe --lang en --tls no --port $SMTPPORT $D"

t mx-first 0 5 "10 mx1.probe.test|20 mx2.probe.test|== mx1.probe.test \[::1\]|== mx1.probe.test \[127.0.0.1\]|forward-confirmed|differs from the banner name|not checked: a loopback" -- $P probe.test
t mx-all 0 5 "mx2.probe.test \[127.0.0.1\]|every step asked for succeeded" -- $P --all-mx -4 probe.test
t mx-json 0 5 '"preference":10|"forward_confirmed":true|"names":\["mx1.probe.test"\]|"dnsbl":"skipped_private_address"' -- $P --json -4 probe.test
t mx-fallback 0 5 "== dead.probe.test \[127.0.0.2\]|Connection refused|== mx2.probe.test|every step asked for succeeded" -- $P fallback.probe.test
t all-mx-one-dead 10 5 "== mx2.probe.test|== dead.probe.test|Connection refused" -- $P --all-mx partial.probe.test
t first-mx-only 0 5 "every step asked for succeeded" -- $P partial.probe.test
t null-mx 18 5 "null MX|RFC 7505" -- $P nullmx.probe.test
t null-mx-json 18 5 '"null_mx":true' -- $P --json nullmx.probe.test
t implicit-mx 0 5 "no MX record|nomx.probe.test \[127.0.0.1\]" -- $P nomx.probe.test
t nxdomain 18 5 "does not exist" -- $P nope.probe.test
t host-port 0 5 "mx2.probe.test \[127.0.0.1\]:$SMTPPORT" -- probe --lang en --tls no --no-checks $D mx2.probe.test:$SMTPPORT
t dnsbl-listed 1 5 "bl.test.*listed (127.0.0.2)|listed for testing|bl2.test.*not listed" -- \
	dnsbl $D --lang en --dnsbl-zone bl.test --dnsbl-zone bl2.test 192.0.2.99
t dnsbl-clean 0 5 "not listed" -- dnsbl $D --lang en --dnsbl-zone bl.test --dnsbl-zone bl2.test 192.0.2.1
t dnsbl-name 1 5 "192.0.2.99" -- dnsbl $D --lang en --dnsbl-zone bl.test listed.probe.test
t dnsbl-refused 69 5 "refused the query" -- dnsbl $D --lang en --dnsbl-zone refuse.test 192.0.2.99
t dnsbl-private 0 5 "never looked up" -- dnsbl $D --lang en 127.0.0.1 10.1.2.3
t dnsbl-json 1 5 '"status":"listed"|"reason":"listed for testing' -- dnsbl $D --json --dnsbl-zone bl.test 192.0.2.99
t dnsbl-german 1 5 "gelistet" -- dnsbl $D --lang de --dnsbl-zone bl.test 192.0.2.99
# a resolver that never answers: 7 zones x 3 addresses cost the timeout once
t dead-dns-dnsbl 69 3 "did not answer within 1000 ms" -- \
	dnsbl --dns-server 127.0.0.1:$SILENT --dns-timeout 1 192.0.2.1 192.0.2.2 192.0.2.3
t dead-dns-probe 18 3 "did not answer" -- probe --lang en --dns-server 127.0.0.1:$SILENT --dns-timeout 1 probe.test
t dead-dns-checks 0 4 "Reverse DNS" -- probe --lang en --tls no --dns-server 127.0.0.1:$SILENT --dns-timeout 1 127.0.0.1:$SMTPPORT

# the JSON documents parse
for args in "probe --json -4 --tls no --port $SMTPPORT $D probe.test" "probe --json $D nullmx.probe.test" \
	"dnsbl --json $D --dnsbl-zone bl.test --dnsbl-zone refuse.test 192.0.2.99 127.0.0.1"; do
	if "$SMTPCODES" $args | $PY -c 'import json, sys; json.load(sys.stdin)'; then
		passes=$((passes + 1)); echo "ok json-valid ($args)"
	else
		fails=$((fails + 1)); echo "FAIL json-valid ($args)"
	fi
done

echo "probe_dns: $passes passed, $fails failed"
[ $fails = 0 ]
