#!/usr/bin/python3
"""probe_peer.py - scripted SMTP peers that misbehave, for probe_peer.sh.

Usage: probe_peer.py BASE_PORT LIFETIME_SECONDS [MODE,...]
Listens on 127.0.0.1, one port per mode (BASE_PORT + index in MODES, or in
the given list of modes), prints
"READY" when all listen, and exits by itself after LIFETIME_SECONDS.
Plain sockets and threads only; every wait is bounded.
"""
import socket
import sys
import threading
import time

MODES = [
    "good", "garbage", "noeol", "longline", "huge", "stall", "close", "closemid",
    "silent", "ehlo500", "banner554", "rcpt421", "mixed", "nul", "tlsgarbage",
    "inject", "trickle", "auth", "extra",
]


def readline(conn, limit=4096):
    buf = b""
    while not buf.endswith(b"\n") and len(buf) < limit:
        try:
            b = conn.recv(1)
        except OSError:
            return None
        if not b:
            return None
        buf += b
    return buf.decode("latin-1").rstrip("\r\n")


def sendall(conn, data):
    try:
        conn.sendall(data)
        return True
    except OSError:
        return False


EHLO = b"250-peer.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"


def session(conn, mode):
    """A minimal SMTP server loop with the mode's fault injected."""
    if mode == "garbage":
        sendall(conn, b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n")
        time.sleep(2)
        return
    if mode == "noeol":
        sendall(conn, b"220 peer.test ESMTP but the line never ends")
        time.sleep(30)
        return
    if mode == "longline":
        chunk = b"220 " + b"x" * 65536
        for _ in range(160):  # about 10 MB, one line
            if not sendall(conn, chunk):
                return
        return
    if mode == "huge":
        line = b"220-" + b"y" * 1000 + b"\r\n"
        for _ in range(10 * 1024):  # 10 MB of continuation lines
            if not sendall(conn, line):
                return
        sendall(conn, b"220 done\r\n")
        return
    if mode == "silent":
        time.sleep(30)
        return
    if mode == "banner554":
        sendall(conn, b"554 5.7.1 No SMTP service here\r\n")
        readline(conn)
        sendall(conn, b"221 2.0.0 Bye\r\n")
        return
    if mode == "nul":
        sendall(conn, b"220 peer\x00.test\r\n")
        time.sleep(2)
        return
    if mode == "trickle":
        for b in b"220 peer.test slowly\r\n":
            if not sendall(conn, bytes([b])):
                return
            time.sleep(0.5)
        return
    sendall(conn, b"220 peer.test ESMTP scripted\r\n")
    while True:
        line = readline(conn)
        if line is None:
            return
        verb = line.split(" ")[0].upper()
        if verb == "EHLO":
            if mode == "stall":
                sendall(conn, b"250-peer.test\r\n250-PIPE")
                time.sleep(30)
                return
            if mode == "close":
                return
            if mode == "closemid":
                sendall(conn, b"250-peer.test\r\n250-PIPELINING\r\n")
                return
            if mode == "ehlo500":
                sendall(conn, b"500 5.5.1 Command unrecognized\r\n")
                continue
            if mode == "mixed":
                sendall(conn, b"250-peer.test\r\n251 odd\r\n")
                time.sleep(2)
                return
            if mode == "extra":  # in the same segment as the real reply
                sendall(conn, EHLO + b"250 an extra reply nobody asked for\r\n")
                continue
            sendall(conn, EHLO)
        elif verb == "HELO":
            sendall(conn, b"250 peer.test\r\n")
        elif verb == "STARTTLS":
            if mode == "inject":
                sendall(conn, b"220 2.0.0 go ahead\r\n250 injected\r\n")
                time.sleep(2)
                return
            sendall(conn, b"220 2.0.0 Ready to start TLS\r\n")
            if mode == "tlsgarbage":
                time.sleep(0.1)
                sendall(conn, b"this is not a TLS record at all\r\n" * 4)
                time.sleep(2)
                return
            time.sleep(2)
            return
        elif verb == "AUTH":
            # AUTH PLAIN AHRlc3RlcgBwdw== is user "tester", password "pw"
            if line == "AUTH PLAIN AHRlc3RlcgBwdw==":
                sendall(conn, b"235 2.7.0 Authentication successful\r\n")
            else:
                sendall(conn, b"535 5.7.8 Authentication credentials invalid\r\n")
        elif verb == "MAIL":
            sendall(conn, b"250 2.1.0 Ok\r\n")
        elif verb == "RCPT":
            if mode == "rcpt421":
                sendall(conn, b"421 4.7.0 peer.test Too many errors, closing\r\n")
                return
            sendall(conn, b"250 2.1.5 Ok\r\n")
        elif verb == "DATA":
            sendall(conn, b"354 go\r\n")
            while True:
                body = readline(conn, 100000)
                if body is None:
                    return
                if body == ".":
                    break
            sendall(conn, b"250 2.0.0 queued\r\n")
        elif verb == "RSET":
            sendall(conn, b"250 2.0.0 Ok\r\n")
        elif verb == "QUIT":
            sendall(conn, b"221 2.0.0 Bye\r\n")
            return
        else:
            sendall(conn, b"502 5.5.2 Error: command not recognized\r\n")


def serve(sock, mode):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        conn.settimeout(35)

        def run(c=conn):
            try:
                session(c, mode)
            finally:
                try:
                    c.close()
                except OSError:
                    pass
        threading.Thread(target=run, daemon=True).start()


def silent_dns(port, lifetime):
    """A DNS server that reads questions and never answers."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    s.settimeout(1)
    print("READY", flush=True)
    end = time.time() + lifetime
    while time.time() < end:
        try:
            s.recvfrom(4096)
        except OSError:
            pass


def main():
    if sys.argv[1] == "--silent-dns":
        silent_dns(int(sys.argv[2]), float(sys.argv[3]))
        return
    base, lifetime = int(sys.argv[1]), float(sys.argv[2])
    modes = sys.argv[3].split(",") if len(sys.argv) > 3 else MODES
    socks = []
    for i, mode in enumerate(modes):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", base + i))
        s.listen(16)
        socks.append(s)
        threading.Thread(target=serve, args=(s, mode), daemon=True).start()
    print("READY", flush=True)
    time.sleep(lifetime)


if __name__ == "__main__":
    main()
