#!/bin/sh
# report_postfix.sh - `smtpcodes report` on the log of a real Postfix.
#
# A private Postfix instance (config, queue, data and maillog_file under a
# temporary folder; loopback only) takes a handful of messages on 127.0.0.1
# and relays them to a scripted SMTP peer on 127.0.0.2 (an aiosmtpd script run
# with Debian's /usr/bin/python3) that answers chosen codes by recipient:
# ok* 250, unknown* 550 5.1.1, grey* 450 4.7.1 (greylisting), block* 554 5.7.1
# naming zen.spamhaus.org. One recipient is refused by Postfix itself at RCPT
# time (NOQUEUE reject). After the log shows every result, `report --format
# json` on the maillog must count exactly what was sent, deferred, bounced and
# rejected, name the blocklist, and list the unknown recipients as
# suppression candidates.
#
# Run by tests/run with SMTPCODES=path/to/smtpcodes. Exit 0 pass, 77 skip (no
# Postfix, no aiosmtpd, not root), anything else fails. Bounded: about a
# minute at most; the trap stops Postfix and the peer.
set -u
SMTPCODES=${SMTPCODES:-build/smtpcodes}
case $SMTPCODES in /*) ;; *) SMTPCODES=$(pwd)/$SMTPCODES ;; esac
PATH=$PATH:/usr/sbin
PY=/usr/bin/python3

command -v postfix >/dev/null 2>&1 || { echo "SKIP: postfix is not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: a private Postfix needs root"; exit 77; }
[ -x $PY ] && $PY -c 'import aiosmtpd' 2>/dev/null || { echo "SKIP: python3-aiosmtpd is not installed"; exit 77; }

free_port() { # free_port ADDR FROM TO
	for p in $(seq "$2" "$3"); do
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}
PORT=$(free_port 127.0.0.1 20025 20099) || { echo "FAIL: no free port in 20025-20099"; exit 1; }
PEER_PORT=$(free_port 127.0.0.2 $((PORT + 1)) 20099) || { echo "FAIL: no second free port"; exit 1; }

DIR=$(mktemp -d /tmp/smtpcodes-rp.XXXXXX)
CONF=$DIR/conf
started=0
peer_pid=
cleanup() {
	[ $started = 1 ] && postfix -c "$CONF" stop >/dev/null 2>&1
	[ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null
	i=0
	while [ $i -lt 50 ] && [ -f "$DIR/queue/pid/master.pid" ] &&
		kill -0 "$(cat "$DIR/queue/pid/master.pid" 2>/dev/null)" 2>/dev/null; do
		sleep 0.1; i=$((i + 1))
	done
	[ -n "${KEEP:-}" ] && { echo "kept $DIR"; return; }
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
chmod 755 "$DIR"
mkdir -p "$CONF" "$DIR/queue" "$DIR/data"
chown postfix "$DIR/data" 2>/dev/null

# ---- the scripted peer
cat > "$DIR/peer.py" <<'EOF'
import asyncio, sys
from aiosmtpd.controller import Controller

ANSWERS = [
    ("ok", "250 2.1.5 Ok"),
    ("bounce", "250 2.1.5 Ok"),  # the bounce notices to the senders
    ("unknown", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table"),
    ("grey", "450 4.7.1 <{rcpt}>: Recipient address rejected: Greylisted, see https://postgrey.schweikert.ch/help/peer.test.html"),
    ("block", "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/127.0.0.1"),
]

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        for prefix, answer in ANSWERS:
            if local.startswith(prefix):
                if answer.startswith("250"):
                    envelope.rcpt_tos.append(address)
                return answer.format(rcpt=address)
        return "550 5.1.1 no rule for this recipient"

    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 Ok: queued as PEER%d" % (len(envelope.content or b"") % 100000)

c = Controller(Handler(), hostname="127.0.0.2", port=int(sys.argv[1]))
c.start()
print("peer ready", flush=True)
try:
    asyncio.get_event_loop().run_forever()
except KeyboardInterrupt:
    pass
EOF
$PY "$DIR/peer.py" "$PEER_PORT" >"$DIR/peer.log" 2>&1 &
peer_pid=$!

# ---- Postfix
printf 'peer.test smtp:[127.0.0.2]:%s\nsender.test smtp:[127.0.0.2]:%s\n' "$PEER_PORT" "$PEER_PORT" > "$CONF/transport"
printf 'nobody@peer.test 550 5.1.1 <nobody@peer.test>: Recipient address rejected: no such user here\n' > "$CONF/rcpt_access"
cat > "$CONF/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $DIR/queue
data_directory = $DIR/data
mail_owner = postfix
myhostname = mx.report.test
mydomain = report.test
myorigin = report.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
relay_domains =
transport_maps = texthash:$CONF/transport
smtpd_recipient_restrictions = check_recipient_access texthash:$CONF/rcpt_access, permit_mynetworks, reject
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
smtp_dns_support_level = disabled
smtp_tls_security_level = none
maillog_file = $DIR/maillog
maillog_file_prefixes = /tmp, /var
maximal_queue_lifetime = 1h
queue_run_delay = 300s
minimal_backoff_time = 300s
maximal_backoff_time = 600s
EOF
awk -v port="$PORT" '
	/^#/ || /^[ \t]/ || NF < 8 { print; next }
	$1 == "smtp" && $2 == "inet" { $1 = "127.0.0.1:" port }
	{ $5 = "n"; print }' /etc/postfix/master.cf > "$CONF/master.cf"

postfix -c "$CONF" start >"$DIR/start.log" 2>&1 || {
	echo "FAIL: postfix did not start:"; cat "$DIR/start.log"; tail -20 "$DIR/maillog" 2>/dev/null; exit 1; }
started=1
i=0
until ss -Hltn "sport = :$PORT" | grep -q . && grep -q "peer ready" "$DIR/peer.log"; do
	i=$((i + 1))
	[ $i -gt 150 ] && { echo "FAIL: smtpd or the peer does not listen"; tail -20 "$DIR/maillog"; cat "$DIR/peer.log"; exit 1; }
	sleep 0.1
done

# ---- the messages: one recipient each, plus one refused at RCPT time
$PY - "$PORT" <<'EOF' || { echo "FAIL: submitting the messages"; exit 1; }
import smtplib, sys
port = int(sys.argv[1])
rcpts = ["ok1@peer.test", "ok2@peer.test", "ok3@peer.test", "unknown1@peer.test", "unknown2@peer.test",
         "grey1@peer.test", "block1@peer.test"]
with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
    for i, r in enumerate(rcpts):
        msg = "From: <news@sender.test>\r\nTo: <%s>\r\nSubject: test %d\r\nMessage-ID: <spring-%d@sender.test>\r\n\r\nhello\r\n" % (r, i, i)
        s.sendmail("bounce+spring-%d@sender.test" % i, [r], msg)
    try:
        s.sendmail("news@sender.test", ["nobody@peer.test"], "Subject: x\r\n\r\nx\r\n")
    except smtplib.SMTPRecipientsRefused:
        pass
    else:
        sys.exit("nobody@peer.test was accepted")
EOF

# expected: 3 sent + 3 bounce notices to the sender (sent), 1 deferred, 3 bounced, 1 rejected
want_status=10
i=0
while :; do
	n=$(grep -c 'status=' "$DIR/maillog" 2>/dev/null)
	[ "${n:-0}" -ge $want_status ] && break
	i=$((i + 1))
	[ $i -gt 600 ] && { echo "FAIL: only ${n:-0} of $want_status results in the log after 60 s"; cat "$DIR/maillog"; exit 1; }
	sleep 0.1
done
sleep 0.3 # the last notice's own lines

out=$("$SMTPCODES" report --format json --quiet --suppressions "$DIR/suppress.csv" "$DIR/maillog") || {
	echo "FAIL: report exited $?"; exit 1; }
echo "$out" > "$DIR/report.json"
$PY - "$DIR/report.json" "$DIR/suppress.csv" <<'EOF' || { echo "--- maillog"; cat "$DIR/maillog"; exit 1; }
import csv, json, sys
d = json.load(open(sys.argv[1]))
want = {"sent": 6, "deferred": 1, "bounced": 3, "expired": 0, "rejected": 1}
fails = 0
for k, v in want.items():
    got = d["totals"][k]
    if got != v:
        print("FAIL totals.%s: got %d, want %d" % (k, got, v)); fails += 1
bl = [b["blocklist"] for b in d["problems"]["blocklists"]]
if "spamhaus" not in bl:
    print("FAIL problems.blocklists: got %s, want spamhaus" % bl); fails += 1
if d["lines_not_understood"] != 0:
    print("FAIL lines_not_understood: got %d, want 0" % d["lines_not_understood"]); fails += 1
codes = {c["key"]: c["total"] for c in d["breakdowns"]["codes"]}
for code, n in (("550", 2), ("554", 1), ("450", 1)):
    if codes.get(code, 0) < n:
        print("FAIL breakdowns.codes[%s]: got %s, want >= %d" % (code, codes.get(code), n)); fails += 1
rows = list(csv.DictReader(open(sys.argv[2])))
got = sorted(r["address"] for r in rows)
if got != ["unknown1@peer.test", "unknown2@peer.test"]:
    print("FAIL suppressions: got %s" % got); fails += 1
elif any(r["reason"] != "userunknown" or r["code"] != "550" for r in rows):
    print("FAIL suppressions: %s" % rows); fails += 1
print("report_postfix: totals %s, blocklists %s, suppressions %s" % (d["totals"], bl, got))
sys.exit(1 if fails else 0)
EOF
