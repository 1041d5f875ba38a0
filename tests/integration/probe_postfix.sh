#!/bin/sh
# probe_postfix.sh - `smtpcodes probe` against a real Postfix on loopback:
# a private instance (config, queue and data under a temporary folder), TLS
# with a CA and a server certificate made here, a recipient access map that
# refuses chosen addresses with chosen codes, relaying refused, and AUTH
# through Cyrus SASL when its modules are installed.
#
# Run by tests/run with SMTPCODES=path/to/smtpcodes. Exit 0 pass, 77 skip
# (no Postfix, or not root), anything else fails.
set -u
SMTPCODES=${SMTPCODES:-build/smtpcodes}
case $SMTPCODES in /*) ;; *) SMTPCODES=$(pwd)/$SMTPCODES ;; esac

command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] || { echo "SKIP: postfix is not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: a private Postfix needs root"; exit 77; }
command -v openssl >/dev/null 2>&1 || { echo "SKIP: openssl is not installed"; exit 77; }
PATH=$PATH:/usr/sbin

free_port() {
	for p in $(seq "$1" "$2"); do
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}
PORT=$(free_port 20100 20148) || { echo "FAIL: no free port in 20100-20149"; exit 1; }
SPORT=$(free_port $((PORT + 1)) 20149) || { echo "FAIL: no second free port in 20100-20149"; exit 1; }

DIR=$(mktemp -d /tmp/smtpcodes-pf.XXXXXX)
CONF=$DIR/conf
started=0
cleanup() {
	[ $started = 1 ] && postfix -c "$CONF" stop >/dev/null 2>&1
	# the master may take a moment to go: wait for it, bounded
	i=0
	while [ $i -lt 50 ] && [ -f "$DIR/queue/pid/master.pid" ] && kill -0 "$(cat "$DIR/queue/pid/master.pid" 2>/dev/null)" 2>/dev/null; do
		sleep 0.1; i=$((i + 1))
	done
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
[ -n "${KEEP:-}" ] && trap - EXIT
chmod 755 "$DIR"
mkdir -p "$CONF" "$DIR/queue" "$DIR/data" "$CONF/sasl"
chown postfix "$DIR/data" 2>/dev/null

# ---- certificates: a CA and a server certificate for mx.probe.test / 127.0.0.1
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=smtpcodes test CA" \
	-keyout "$DIR/ca.key" -out "$DIR/ca.pem" >/dev/null 2>&1 || { echo "FAIL: openssl CA"; exit 1; }
openssl req -newkey rsa:2048 -nodes -subj "/CN=mx.probe.test" -keyout "$DIR/server.key" \
	-out "$DIR/server.csr" >/dev/null 2>&1 || { echo "FAIL: openssl CSR"; exit 1; }
printf 'subjectAltName=DNS:mx.probe.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$DIR/ext.cnf"
openssl x509 -req -in "$DIR/server.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca.key" -CAcreateserial -days 30 \
	-extfile "$DIR/ext.cnf" -out "$DIR/server.pem" >/dev/null 2>&1 || { echo "FAIL: openssl sign"; exit 1; }
# a second, self-signed certificate that nobody trusts
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=other.example" \
	-keyout "$DIR/other.key" -out "$DIR/other.pem" >/dev/null 2>&1
chmod 644 "$DIR"/*.pem

# ---- recipient map: chosen addresses, chosen codes
cat > "$CONF/rcpt_access" <<EOF
unknown@probe.test 550 5.1.1 User unknown
full@probe.test 452 4.2.2 Mailbox full
moved@probe.test 551 5.1.6 User has moved
EOF

echo "probe.test discard:" > "$CONF/transport"

# ---- AUTH through Cyrus SASL (sasldb), when the modules are there
have_auth=0
if command -v saslpasswd2 >/dev/null 2>&1 && ls /usr/lib/*/sasl2/libplain.so* >/dev/null 2>&1; then
	echo 'secret-pw' | saslpasswd2 -p -c -f "$CONF/sasl/sasldb2" -u probe.test tester 2>/dev/null &&
		chown postfix "$CONF/sasl/sasldb2" && chmod 640 "$CONF/sasl/sasldb2" && have_auth=1
	cat > "$CONF/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $CONF/sasl/sasldb2
mech_list: PLAIN LOGIN
EOF
fi

cat > "$CONF/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $DIR/queue
data_directory = $DIR/data
mail_owner = postfix
myhostname = mx.probe.test
mydomain = probe.test
myorigin = probe.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.2/32
relay_domains = probe.test
transport_maps = texthash:$CONF/transport
smtpd_recipient_restrictions = permit_sasl_authenticated, check_recipient_access texthash:$CONF/rcpt_access, reject_unauth_destination
smtpd_relay_restrictions =
alias_maps =
alias_database =
smtp_dns_support_level = disabled
maillog_file = $DIR/maillog
maillog_file_prefixes = /tmp, /var
smtpd_tls_cert_file = $DIR/server.pem
smtpd_tls_key_file = $DIR/server.key
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = $( [ $have_auth = 1 ] && echo yes || echo no )
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $CONF/sasl
smtpd_sasl_local_domain = probe.test
message_size_limit = 10240000
maximal_queue_lifetime = 60s
bounce_queue_lifetime = 60s
EOF
# master.cf: Debian's, without chroot, smtpd on our port only
awk -v port="$PORT" '
	/^#/ || /^[ \t]/ || NF < 8 { print; next }
	$1 == "smtp" && $2 == "inet" { $1 = "127.0.0.1:" port }
	{ $5 = "n"; print }' /etc/postfix/master.cf > "$CONF/master.cf"
# and SMTPS (implicit TLS) on a second port
printf '127.0.0.1:%s inet n - n - - smtpd\n  -o smtpd_tls_wrappermode=yes\n' "$SPORT" >> "$CONF/master.cf"

postfix -c "$CONF" start >"$DIR/start.log" 2>&1 || {
	echo "FAIL: postfix did not start:"; cat "$DIR/start.log"; cat "$DIR/maillog" 2>/dev/null | tail -20; exit 1; }
started=1
i=0
until ss -Hltn "sport = :$PORT" | grep -q .; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "FAIL: smtpd does not listen on $PORT"; tail -20 "$DIR/maillog"; exit 1; }
	sleep 0.1
done

[ -n "${HOLD:-}" ] && { echo "READY $PORT $DIR"; sleep "$HOLD" & wait $!; exit 0; }  # for bench/probe.sh
fails=0
passes=0
T="$SMTPCODES probe --no-checks --timeout 10 --deadline 30 --lang en --cafile $DIR/ca.pem 127.0.0.1:$PORT"

# check NAME WANT_EXIT PATTERN... -- CMD...: runs CMD, compares the exit code and greps each pattern
check() {
	name=$1; want=$2; shift 2
	pats=""
	while [ "$1" != "--" ]; do pats="$pats
$1"; shift; done
	shift
	out=$(timeout 60 "$@" 2>&1); got=$?
	ok=1
	[ "$got" = "$want" ] || { echo "FAIL $name: exit got $got, want $want"; ok=0; }
	echo "$pats" | while IFS= read -r p; do
		[ -z "$p" ] && continue
		echo "$out" | grep -q -- "$p" || { echo "FAIL $name: output lacks '$p'"; exit 1; }
	done || ok=0
	if [ $ok = 1 ]; then passes=$((passes + 1)); echo "ok $name"; else fails=$((fails + 1)); echo "$out" | sed 's/^/    | /' | tail -60; fi
}

check full-session 0 "STARTTLS" "TLSv1" "certificate names\|trusted" "250 2.0.0 Ok: queued" "DNS:mx.probe.test" \
	"PIPELINING" "ENHANCEDSTATUSCODES" "The largest message" "9.8 MiB" -- \
	$T --from sender@example.com --rcpt ok@probe.test --data
check rcpt-unknown 16 "550 5.1.1" "userunknown" "bad for good" -- \
	$T --from sender@example.com --rcpt unknown@probe.test
check rcpt-mixed 16 "452 4.2.2" "mailboxfull" "551 5.1.6" "ok@probe.test: 250" -- \
	$T --from sender@example.com --rcpt ok@probe.test --rcpt full@probe.test --rcpt moved@probe.test --data
check relay-denied 16 "Relay access denied" "Open relay: no" -- \
	$T --from a@example.org --rcpt b@example.net --relay-test
check relay-test-only 0 "Open relay: no" "relay-rcpt" -- $T --relay-test
check tls-required 0 "TLSv1" -- $T --tls required --quit-after tls
check tls-no 0 "EHLO" -- $T --tls no --quit-after ehlo
check cert-untrusted 13 "not trusted" -- \
	$SMTPCODES probe --no-checks --timeout 10 --lang en --cafile "$DIR/other.pem" "127.0.0.1:$PORT"
check cert-insecure 0 "NOT trusted" -- \
	$SMTPCODES probe --no-checks --timeout 10 --lang en --cafile "$DIR/other.pem" --insecure "127.0.0.1:$PORT"
# the system CAs (no --cafile): the test CA inside a large bundle is found
# when the hashed directory does not hold it, a bundle without it fails
{ [ -r /etc/ssl/certs/ca-certificates.crt ] && sed -n '1,/END CERTIFICATE/p' /etc/ssl/certs/ca-certificates.crt
  cat "$DIR/ca.pem"; cat "$DIR/other.pem"
  [ -r /etc/ssl/certs/ca-certificates.crt ] && cat /etc/ssl/certs/ca-certificates.crt; } > "$DIR/bundle.pem"
mkdir -p "$DIR/emptydir"
check system-cas 0 "Verification: trusted" -- env SSL_CERT_FILE="$DIR/bundle.pem" SSL_CERT_DIR="$DIR/emptydir" \
	$SMTPCODES probe --no-checks --timeout 10 --lang en --quit-after tls "127.0.0.1:$PORT"
check system-cas-missing 13 "unable to get local issuer certificate" -- env SSL_CERT_FILE="$DIR/other.pem" SSL_CERT_DIR="$DIR/emptydir" \
	$SMTPCODES probe --no-checks --timeout 10 --lang en --quit-after tls "127.0.0.1:$PORT"
check implicit-tls 0 "\[tls\]" "TLSv1" "220 mx.probe.test" -- \
	$SMTPCODES probe --no-checks --timeout 10 --lang en --cafile "$DIR/ca.pem" --tls-implicit --quit-after ehlo "127.0.0.1:$SPORT"
printf 'Subject: file\n\n.leading dot\nline two\n' > "$DIR/msg.txt"
check data-file 0 "250 2.0.0 Ok: queued" -- $T --from s@example.com --rcpt ok@probe.test --data-file "$DIR/msg.txt"
check quit-after-banner 0 "220 mx.probe.test" -- $T --quit-after banner
check json 0 '"exit":0' '"state":"banner"' '"keyword":"PIPELINING"' '"verdict":{' '"tls":{"version"' -- \
	$T --json --from s@example.com --rcpt ok@probe.test
# the JSON documents parse
for args in "--from s@example.com --rcpt ok@probe.test --rcpt unknown@probe.test --data --relay-test" "--tls-implicit --quit-after ehlo"; do
	p=$PORT; case $args in *implicit*) p=$SPORT ;; esac
	if $SMTPCODES probe --json --no-checks --cafile "$DIR/ca.pem" $args "127.0.0.1:$p" | /usr/bin/python3 -c 'import json, sys; json.load(sys.stdin)'; then
		passes=$((passes + 1)); echo "ok json-valid ($args)"
	else
		fails=$((fails + 1)); echo "FAIL json-valid ($args)"
	fi
done
check german 16 "Empfängeradresse ist dauerhaft ungültig\|dauerhaft" "Zusammenfassung" -- \
	$SMTPCODES probe --no-checks --lang de --cafile "$DIR/ca.pem" --from s@example.com --rcpt unknown@probe.test "127.0.0.1:$PORT"
if [ $have_auth = 1 ]; then
	printf 'secret-pw\n' > "$DIR/pw"
	check auth-plain 0 "AUTH PLAIN \*\*\*\*\*\*\*\*" "235 2.7.0" -- $T --auth-user tester@probe.test --auth-password-file "$DIR/pw" --quit-after auth
	check auth-login 0 "AUTH LOGIN" "235 2.7.0" -- $T --auth-user tester@probe.test --auth-password-file "$DIR/pw" --auth-mech LOGIN --quit-after auth
	printf 'wrong\n' > "$DIR/pw2"
	check auth-bad 14 "535 5.7.8" -- $T --auth-user tester@probe.test --auth-password-file "$DIR/pw2" --quit-after auth
	# the password never shows, in text or JSON
	out=$(SMTPCODES_PASSWORD=secret-pw $T --json --auth-user tester@probe.test --quit-after auth 2>&1)
	if echo "$out" | grep -q "secret-pw\|c2VjcmV0LXB3"; then echo "FAIL auth-masked: the password shows"; fails=$((fails + 1)); else passes=$((passes + 1)); echo "ok auth-masked"; fi
	# no AUTH without TLS unless asked
	check auth-needs-tls 14 "unencrypted" -- $T --tls no --auth-user tester@probe.test --auth-password-file "$DIR/pw" --quit-after auth
else
	echo "note: AUTH not tested against Postfix (sasl2-bin / libsasl2-modules missing)"
fi

echo "probe_postfix: $passes passed, $fails failed"
[ $fails = 0 ]
