#!/usr/bin/env python3
"""Writes samples/postfix-sample.log: one day of a small sending host's Postfix log.

Every line follows a form Postfix 3.x really logs (pickup/smtpd, cleanup, qmgr,
smtp, bounce, local, postscreen, NOQUEUE rejects, expired messages), and the
remote reply texts are the wording Gmail, Microsoft, Yahoo, GMX, Spamhaus-using
servers and greylisting servers really send (see ../shared/samples/logs/SOURCES.md
for published originals). Addresses and IPs are from documentation ranges.
Deterministic: `python3 samples/make-postfix-sample.py > samples/postfix-sample.log`.
"""
import random

rnd = random.Random(7)
HOST = "mx1"
MYDOMAIN = "shop.example"
MYIP = "203.0.113.25"
lines = []
clock = [8 * 3600]


def ts():
    clock[0] += rnd.randint(2, 50)
    t = clock[0]
    return "Mar  3 %02d:%02d:%02d" % (t // 3600 % 24, t // 60 % 60, t % 60)


def log(prog, pid, msg):
    lines.append("%s %s postfix/%s[%d]: %s" % (ts(), HOST, prog, pid, msg))


def qid():
    return "".join(rnd.choice("0123456789ABCDEF") for _ in range(10))


def gtok():
    return "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(10)) + "si%d.%d" % (
        rnd.randint(1000000, 9999999), rnd.randint(1, 400))


MX = {
    "gmail.com": ("gmail-smtp-in.l.google.com", "142.250.102.%d"),
    "outlook.com": ("outlook-com.olc.protection.outlook.com", "52.101.73.%d"),
    "hotmail.com": ("hotmail-com.olc.protection.outlook.com", "52.101.68.%d"),
    "yahoo.com": ("mta7.am0.yahoodns.net", "67.195.204.%d"),
    "gmx.de": ("mx00.emig.gmx.net", "212.227.15.%d"),
    "web.de": ("mx-ha02.web.de", "212.227.17.%d"),
    "t-online.de": ("mx02.t-online.de", "194.25.134.%d"),
    "acme-corp.example": ("mail.acme-corp.example", "198.51.100.%d"),
    "globex.example": ("mx.globex.example", "198.51.100.%d"),
}
NAMES = ["anna.schmidt", "paul.meyer", "lea.wagner", "max.huber", "sophie.klein", "tom.fischer", "julia.weber",
         "karl.becker", "nina.wolf", "omar.aziz", "ines.roth", "peter.hahn", "emma.lang", "sam.berg", "mei.chen"]


def sent_reply(dom):
    if dom == "gmail.com":
        return "250 2.0.0 OK  %d %s - gsmtp" % (rnd.randint(1740900000, 1740990000), gtok())
    if "outlook" in MX[dom][0]:
        return ("250 2.6.0 <%s@%s> [InternalId=%d, Hostname=AM9PR04MB%04d.eurprd04.prod.outlook.com] "
                "%d bytes in 0.%03d, %d.%03d KB/sec Queued mail for delivery" % (
                    qid(), MYDOMAIN, rnd.randint(10**12, 10**13), rnd.randint(1000, 9999), rnd.randint(4000, 60000),
                    rnd.randint(10, 999), rnd.randint(20, 500), rnd.randint(0, 999)))
    if dom == "yahoo.com":
        return "250 ok dirdel"
    if dom in ("gmx.de", "web.de"):
        return "250 Requested mail action okay, completed: id=%s" % "".join(
            rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(20))
    return "250 2.0.0 Ok: queued as %s" % qid()


def result(dom, rcpt):
    """(status, dsn, text after 'status=X (')"""
    mx, ipf = MX[dom]
    ip = ipf % rnd.randint(2, 250)
    r = rnd.random()
    host = "host %s[%s] said: " % (mx, ip)
    if r < 0.55:
        return "sent", "2.0.0", sent_reply(dom), mx, ip
    if dom == "gmail.com":
        c = rnd.choice(["unknown", "unknown", "ratelimit", "auth", "dmarc", "ptr", "rate421"])
        if c == "unknown":
            return ("bounced", "5.1.1", host + "550-5.1.1 The email account that you tried to reach does not exist. "
                    "Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 "
                    "unnecessary spaces. For more information, go to 550 5.1.1  "
                    "https://support.google.com/mail/?p=NoSuchUser %s - gsmtp (in reply to RCPT TO command)" % gtok(),
                    mx, ip)
        if c == "ratelimit":
            return ("deferred", "4.2.1", host + "450-4.2.1 The user you are trying to contact is receiving mail at "
                    "a rate that 450-4.2.1 prevents additional messages from being delivered. Please resend your "
                    "450-4.2.1 message at a later time. If the user is able to receive mail at that 450-4.2.1 time, "
                    "your message will be delivered. For more information, go to 450 4.2.1  "
                    "https://support.google.com/mail/?p=ReceivingRate %s - gsmtp (in reply to RCPT TO command)"
                    % gtok(), mx, ip)
        if c == "rate421":
            return ("deferred", "4.7.28", host + "421-4.7.28 Gmail has detected an unusual rate of unsolicited mail. "
                    "To protect 421-4.7.28 our users from spam, mail has been temporarily rate limited. For more "
                    "421-4.7.28 information, go to 421 4.7.28  "
                    "https://support.google.com/mail/?p=UnsolicitedRateLimitError %s - gsmtp (in reply to end of "
                    "DATA command)" % gtok(), mx, ip)
        if c == "auth":
            return ("bounced", "5.7.26", host + "550-5.7.26 This mail has been blocked because the sender is "
                    "unauthenticated. 550-5.7.26 Gmail requires all senders to authenticate with either SPF or "
                    "DKIM. 550-5.7.26  550-5.7.26  Authentication results: 550-5.7.26  DKIM = did not pass "
                    "550-5.7.26  SPF [%s] with ip: [%s] = did not pass 550-5.7.26  550-5.7.26  For instructions "
                    "on setting up authentication, go to 550 5.7.26  "
                    "https://support.google.com/mail/answer/81126#authentication %s - gsmtp (in reply to end of "
                    "DATA command)" % (MYDOMAIN, MYIP, gtok()), mx, ip)
        if c == "dmarc":
            return ("bounced", "5.7.26", host + "550-5.7.26 Unauthenticated email from %s is not accepted due to "
                    "550-5.7.26 domain's DMARC policy. Please contact the administrator of 550-5.7.26 %s domain "
                    "if this was a legitimate mail. To learn about the 550-5.7.26 DMARC initiative, go to 550 "
                    "5.7.26  https://support.google.com/mail/?p=DmarcRejection %s - gsmtp (in reply to end of "
                    "DATA command)" % (MYDOMAIN, MYDOMAIN, gtok()), mx, ip)
        return ("bounced", "5.7.25", host + "550-5.7.25 [%s] The IP address sending this message does not have a "
                "550-5.7.25 PTR record setup, or the corresponding forward DNS entry does not 550-5.7.25 point to "
                "the sending IP. As a policy, Gmail does not accept messages 550-5.7.25 from IPs with missing PTR "
                "records. For more information, go to 550 5.7.25  "
                "https://support.google.com/mail/answer/81126#ip-practices %s - gsmtp (in reply to end of DATA "
                "command)" % (MYIP, gtok()), mx, ip)
    if "outlook" in mx:
        c = rnd.choice(["unknown", "rep", "rep", "block", "spf"])
        if c == "unknown":
            return ("bounced", "5.5.0", host + "550 5.5.0 Requested action not taken: mailbox unavailable "
                    "(S2017062302). [AM4PEPF00027A5F.eurprd04.prod.outlook.com 2025-03-03T%02d:14:09.000Z "
                    "08DD5A1B2C3D4E5F] (in reply to RCPT TO command)" % rnd.randint(8, 18), mx, ip)
        if c == "rep":
            return ("deferred", "4.7.650", host + "451 4.7.650 The mail server [%s] has been temporarily rate "
                    "limited due to IP reputation. For e-mail delivery information, see https://aka.ms/postmaster "
                    "(S775) [DB3PEPF00008859.eurprd02.prod.outlook.com 2025-03-03T%02d:%02d:43.000Z "
                    "08DD5A1B2C3D4E60] (in reply to MAIL FROM command)" % (MYIP, rnd.randint(8, 18),
                                                                        rnd.randint(0, 59)), mx, ip)
        if c == "spf":
            return ("bounced", "5.7.23", host + "550 5.7.23 The message was rejected because of Sender Policy "
                    "Framework violation -> A DNS record for %s does not include the sending IP [%s] "
                    "[AM4PEPF00027A60.eurprd04.prod.outlook.com 2025-03-03T10:11:12.000Z 08DD5A1B2C3D4E61] "
                    "(in reply to end of DATA command)" % (MYDOMAIN, MYIP), mx, ip)
        return ("bounced", "5.7.1", host + "550 5.7.1 Unfortunately, messages from [%s] weren't sent. Please "
                "contact your Internet service provider since part of their network is on our block list "
                "(S3150). You can also refer your provider to "
                "http://mail.live.com/mail/troubleshooting.aspx#errors. "
                "[DB3PEPF00008859.eurprd02.prod.outlook.com 2025-03-03T11:09:43.000Z 08DD5A1B2C3D4E62] "
                "(in reply to MAIL FROM command)" % MYIP, mx, ip)
    if dom == "yahoo.com":
        if rnd.random() < 0.6:
            return ("deferred", "4.7.0", host + "421 4.7.0 [TSS04] Messages from %s temporarily deferred due to "
                    "unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes "
                    "(in reply to MAIL FROM command)" % MYIP, mx, ip)
        return ("bounced", "5.0.0", host + "554 delivery error: dd Sorry, your message to %s cannot be delivered. "
                "This mailbox is disabled (554.30). - mta%d.mail.bf1.yahoo.com (in reply to end of DATA command)"
                % (rcpt, rnd.randint(1000, 9999)), mx, ip)
    if dom in ("gmx.de", "web.de"):
        if rnd.random() < 0.5:
            return ("bounced", "5.0.0", host + "550 Requested action not taken: mailbox unavailable (in reply to "
                    "RCPT TO command)", mx, ip)
        return ("deferred", "4.0.0", "host %s[%s] refused to talk to me: 421-gmx.net (mxgmx015) Nemesis ESMTP "
                "Service not available 421-Service unavailable 421-Reject due to policy restrictions. 421 For "
                "explanation visit https://www.gmx.net/mail/senderguidelines?c=bl" % (mx, ip), mx, ip)
    if dom == "t-online.de":
        return ("deferred", "4.0.0", "host %s[%s] refused to talk to me: 554 IP=%s - A problem occurred. (Ask "
                "your postmaster for help or to contact tosa@rx.t-online.de to clarify.) (BL)" % (mx, ip, MYIP),
                mx, ip)
    c = rnd.random()
    if c < 0.35:
        return ("deferred", "4.7.1", host + "450 4.7.1 <%s>: Recipient address rejected: Greylisted, see "
                "https://postgrey.schweikert.ch/help/%s.html (in reply to RCPT TO command)" % (rcpt, dom), mx, ip)
    if c < 0.6:
        return ("bounced", "5.1.1", host + "550 5.1.1 <%s>: Recipient address rejected: User unknown in virtual "
                "mailbox table (in reply to RCPT TO command)" % rcpt, mx, ip)
    if c < 0.8:
        return ("bounced", "5.7.1", host + "554 5.7.1 Service unavailable; Client host [%s] blocked using "
                "zen.spamhaus.org; https://www.spamhaus.org/query/ip/%s (in reply to RCPT TO command)"
                % (MYIP, MYIP), mx, ip)
    return ("deferred", "4.4.1", "connect to %s[%s]:25: Connection timed out" % (mx, ip), None, ip)


def delays(total):
    a = round(total * 0.1, 2)
    return "%s/%s/%s/%s" % (a, 0.01, round(total * 0.5, 2), round(total * 0.39, 2))


expired_later = []
for i in range(100):
    q = qid()
    campaign = rnd.choice(["spring-sale", "newsletter-12", "newsletter-12", "order-mail"])
    if campaign == "order-mail":
        sender = "orders@%s" % MYDOMAIN
        log("pickup", 1502, "%s: uid=33 from=<%s>" % (q, sender))
    else:
        sender = "bounce+%s-%d@%s" % (campaign, rnd.randint(10000, 99999), MYDOMAIN)
        log("smtpd", 2100 + i % 9, "%s: client=app1.%s[10.0.0.%d], sasl_method=PLAIN, sasl_username=mailer" % (
            q, MYDOMAIN, rnd.randint(2, 20)))
    log("cleanup", 2201, "%s: message-id=<%s.%s@%s>" % (q, campaign, q.lower(), MYDOMAIN))
    nr = 1 if rnd.random() < 0.85 else 2
    log("qmgr", 1501, "%s: from=<%s>, size=%d, nrcpt=%d (queue active)" % (q, sender, rnd.randint(3000, 60000), nr))
    bounced = False
    deferred_any = False
    for k in range(nr):
        dom = rnd.choice(list(MX.keys()) + ["gmail.com"] * 4 + ["outlook.com", "yahoo.com"] * 2)
        rcpt = "%s@%s" % (rnd.choice(NAMES), dom)
        st, dsn, text, mx, ip = result(dom, rcpt)
        if rnd.random() < 0.5 and mx:
            log("smtp", 3000 + i, "Trusted TLS connection established to %s[%s]:25: TLSv1.3 with cipher "
                "TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) "
                "server-digest SHA256" % (mx, ip))
        total = round(rnd.uniform(0.3, 4.0), 1)
        if mx is None:
            log("smtp", 3000 + i, text)
            relay = "none"
        else:
            relay = "%s[%s]:25" % (mx, ip)
        log("smtp", 3000 + i, "%s: to=<%s>, relay=%s, delay=%s, delays=%s, dsn=%s, status=%s (%s)" % (
            q, rcpt, relay, total, delays(total), dsn, st, text))
        if st == "bounced":
            bounced = True
        if st == "deferred":
            deferred_any = True
            expired_later.append((q, sender, rcpt, dom))
    if bounced:
        nq = qid()
        log("cleanup", 2201, "%s: message-id=<20250303%06d.%s@%s.%s>" % (nq, i, nq, HOST, MYDOMAIN))
        log("qmgr", 1501, "%s: from=<>, size=%d, nrcpt=1 (queue active)" % (nq, rnd.randint(3000, 9000)))
        log("bounce", 4100, "%s: sender non-delivery notification: %s" % (q, nq))
        log("local", 4200, "%s: to=<bounces@%s>, relay=local, delay=0.01, delays=0/0/0/0, dsn=2.0.0, status=sent "
            "(delivered to mailbox)" % (nq, MYDOMAIN))
        log("qmgr", 1501, "%s: removed" % nq)
    if not deferred_any:
        log("qmgr", 1501, "%s: removed" % q)
    if i % 5 == 0:
        cip = "192.0.2.%d" % rnd.randint(2, 250)
        log("smtpd", 2150, "connect from unknown[%s]" % cip)
        c = rnd.random()
        if c < 0.3:
            log("smtpd", 2150, "NOQUEUE: reject: RCPT from unknown[%s]: 554 5.7.1 <info@elsewhere.example>: Relay "
                "access denied; from=<promo@spam.example> to=<info@elsewhere.example> proto=ESMTP helo=<WIN-%05d>"
                % (cip, rnd.randint(0, 99999)))
        elif c < 0.55:
            log("smtpd", 2150, "NOQUEUE: reject: RCPT from unknown[%s]: 554 5.7.1 Service unavailable; Client "
                "host [%s] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/%s; "
                "from=<offer@spam.example> to=<sales@%s> proto=ESMTP helo=<localhost>" % (cip, cip, cip, MYDOMAIN))
        elif c < 0.75:
            log("smtpd", 2150, "NOQUEUE: reject: RCPT from unknown[%s]: 450 4.7.25 Client host rejected: cannot "
                "find your hostname, [%s]; from=<news@bulk.example> to=<info@%s> proto=ESMTP helo=<bulk.example>"
                % (cip, cip, MYDOMAIN))
        else:
            log("smtpd", 2150, "NOQUEUE: reject: RCPT from unknown[%s]: 550 5.1.1 <old.user@%s>: Recipient "
                "address rejected: User unknown in local recipient table; from=<a@partner.example> "
                "to=<old.user@%s> proto=ESMTP helo=<mail.partner.example>" % (cip, MYDOMAIN, MYDOMAIN))
        log("smtpd", 2150, "disconnect from unknown[%s] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4" % cip)
    if i % 9 == 4:
        pip = "198.18.%d.%d" % (rnd.randint(0, 255), rnd.randint(1, 254))
        log("postscreen", 1504, "CONNECT from [%s]:%d to [%s]:25" % (pip, rnd.randint(30000, 60000), MYIP))
        log("postscreen", 1504, "NOQUEUE: reject: RCPT from [%s]:%d: 550 5.7.1 Service unavailable; client [%s] "
            "blocked using zen.spamhaus.org; from=<x@bad.example>, to=<info@%s>, proto=ESMTP, helo=<bad.example>"
            % (pip, rnd.randint(30000, 60000), pip, MYDOMAIN))
        log("postscreen", 1504, "DISCONNECT [%s]:%d" % (pip, rnd.randint(30000, 60000)))
# the deferred ones: retried later in the day (most go through), the rest expire
clock[0] += 3 * 3600
done = set()
for q, sender, rcpt, dom in expired_later:
    if q in done:
        continue
    done.add(q)
    if rnd.random() < 0.6:
        mx, ipf = MX[dom]
        ip = ipf % rnd.randint(2, 250)
        log("qmgr", 1501, "%s: from=<%s>, size=%d, nrcpt=1 (queue active)" % (q, sender, rnd.randint(3000, 60000)))
        log("smtp", 3900, "%s: to=<%s>, relay=%s[%s]:25, delay=%d, delays=%d/0.01/0.4/0.3, dsn=2.0.0, status=sent "
            "(%s)" % (q, rcpt, mx, ip, 10800 + rnd.randint(0, 9000), 10800, sent_reply(dom)))
    else:
        log("qmgr", 1501, "%s: from=<%s>, status=expired, returned to sender" % (q, sender))
        nq = qid()
        log("cleanup", 2201, "%s: message-id=<20250303%06d.%s@%s.%s>" % (nq, len(done), nq, HOST, MYDOMAIN))
        log("qmgr", 1501, "%s: from=<>, size=%d, nrcpt=1 (queue active)" % (nq, rnd.randint(3000, 9000)))
        log("bounce", 4100, "%s: sender non-delivery notification: %s" % (q, nq))
        log("local", 4200, "%s: to=<bounces@%s>, relay=local, delay=0.01, delays=0/0/0/0, dsn=2.0.0, status=sent "
            "(delivered to mailbox)" % (nq, MYDOMAIN))
        log("qmgr", 1501, "%s: removed" % nq)
    log("qmgr", 1501, "%s: removed" % q)
print("\n".join(lines))
