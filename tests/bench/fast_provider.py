#!/usr/bin/env python3
"""A minimal, fast ODMR provider for the benchmark.

It negotiates like a real provider (greeting, EHLO, optional STARTTLS or
TLS from the first byte, AUTH PLAIN or CRAM-MD5, ATRN) and then delivers
pre-rendered messages as fast as the customer takes them: with DATA (one
round trip per message, the next MAIL/RCPT/DATA pipelined behind the final
dot) or with BDAT (each transaction in one write, at most --window of them
unanswered, a reader thread collecting the replies; --window 1 is what Exim
does). It counts the 250s after each message and writes a JSON result. It
serves one session and exits.

With --domains D1,D2,... it is many accounts' provider instead (the
benchmark's many-accounts rows, tests/bench/scale.py): each domain has its
own queue of --count messages, every connection its own thread, an ATRN
gets that domain's messages (over DATA, to user@DOMAIN) or 453 once they
are delivered, and it serves until SIGTERM, then writes the result: the
250s, the sessions and the messages left queued.
"""

import argparse
import base64
import hmac
import json
import signal
import socket
import ssl
import sys
import threading
import time


def render_body(size: int, index: int, dot_safe: bool) -> bytes:
    """A realistic message of about `size` octets, CRLF line ends."""
    head = (f"From: Bench <bench@origin.test>\r\nTo: user@example.org\r\n"
            f"Subject: benchmark message {index}\r\nMessage-ID: <{index}.bench@origin.test>\r\n"
            f"Date: Sun, 29 Nov 2026 05:00:00 +0000\r\n\r\n").encode()
    line = b"The quick brown fox jumps over the lazy dog, again and again and again!!\r\n"
    count = max(0, (size - len(head)) // len(line))
    body = head + line * count
    if not dot_safe:
        body = body.replace(b"\r\n.", b"\r\n..")
    return body


def with_trace(body: bytes, index: int) -> bytes:
    """BODY behind the Received field Exim writes when it queues a message, its queue id
    naming this copy (duplicate suppression records an entry for each such message)."""
    field = (f"Received: from [192.0.2.25] (helo=origin.test)\r\n"
             f"\tby bench.provider with esmtps (Exim 4.99.1)\r\n"
             f"\t(envelope-from <bench@origin.test>)\r\n"
             f"\tid 1vQodm-{index:06d}-XX\r\n"
             f"\tTue, 01 Dec 2026 10:00:00 +0000\r\n").encode()
    return field + body


class Wire:
    """Line-oriented reading and plain writing on a (possibly TLS) socket."""

    def __init__(self, sock):
        self.sock = sock
        self.file = sock.makefile("rb", buffering=1 << 16)

    def line(self) -> bytes:
        data = self.file.readline(4096)
        if not data:
            raise ConnectionError("customer closed the connection")
        return data.rstrip(b"\r\n")

    def reply(self) -> int:
        while True:
            data = self.line()
            if data[3:4] != b"-":
                return int(data[:3])

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        for offset in range(0, len(view), 1 << 20):
            self.sock.sendall(view[offset:offset + (1 << 20)])

    def upgrade(self, context) -> None:
        self.sock = context.wrap_socket(self.sock, server_side=True)
        self.file = self.sock.makefile("rb", buffering=1 << 16)


def cram_md5(wire: Wire, password: str) -> bool:
    """CRAM-MD5 (RFC 2195), which fetchmail uses in clear text, as Exim offers it."""
    challenge = b"<%d.bench@bench.provider>" % time.monotonic_ns()
    wire.send(b"334 " + base64.b64encode(challenge) + b"\r\n")
    answer = base64.b64decode(wire.line()).split(b" ")
    expected = hmac.new(password.encode(), challenge, "md5").hexdigest().encode()
    return len(answer) == 2 and hmac.compare_digest(answer[1], expected)


def negotiate(wire: Wire, args, context, claim=None) -> list[str] | None:
    """The provider's half before the turn; the recipients of the mail that
    follows, or None. CLAIM(domains) takes an ATRN's domains' recipients
    (none: --count messages to user@example.org)."""
    wire.send(b"220 bench.provider ESMTP\r\n")
    while True:
        command = wire.line()
        verb = command.split(b" ", 1)[0].upper()
        if verb == b"EHLO":
            lines = [b"bench.provider", b"PIPELINING", b"ATRN", b"SIZE 1073741824", b"AUTH PLAIN CRAM-MD5"]
            if context and not isinstance(wire.sock, ssl.SSLSocket):
                lines.append(b"STARTTLS")
            wire.send(b"".join(b"250" + (b" " if i == len(lines) - 1 else b"-") + l + b"\r\n"
                               for i, l in enumerate(lines)))
        elif verb == b"STARTTLS":
            wire.send(b"220 go ahead\r\n")
            wire.upgrade(context)
        elif verb == b"AUTH" and command.split(b" ")[1].upper() == b"CRAM-MD5":
            wire.send(b"235 ok\r\n" if cram_md5(wire, args.password) else b"535 no\r\n")
        elif verb == b"AUTH":
            parts = command.split(b" ")
            if len(parts) < 3:
                wire.send(b"334 \r\n")
                parts.append(wire.line())
            secret = base64.b64decode(parts[2]).split(b"\0")[-1].decode()
            wire.send(b"235 ok\r\n" if secret == args.password else b"535 no\r\n")
        elif verb == b"ATRN":
            domains = command.split(b" ", 1)[1].decode().split(",") if b" " in command else []
            recipients = claim(domains) if claim else ["user@example.org"] * args.count
            if not recipients:
                wire.send(b"453 You have no mail\r\n")
                continue
            wire.send(b"250 turning line around\r\n")
            return recipients
        elif verb == b"QUIT":
            wire.send(b"221 bye\r\n")
            return None
        else:
            wire.send(b"500 what\r\n")


def deliver_data(wire: Wire, messages, recipients=None) -> int:
    acks = 0
    recipients = recipients or ["user@example.org"] * len(messages)

    def envelope(i: int) -> bytes:
        return b"MAIL FROM:<bench@origin.test>\r\nRCPT TO:<%s>\r\nDATA\r\n" % recipients[i].encode()

    wire.send(envelope(0))
    for i, body in enumerate(messages):
        if [wire.reply() for _ in range(3)] != [250, 250, 354]:
            raise RuntimeError("transaction refused")
        last = i + 1 == len(messages)
        wire.send(body + b".\r\n" + (b"QUIT\r\n" if last else envelope(i + 1)))
        acks += wire.reply() == 250
    wire.reply()  # 221
    return acks


def deliver_bdat(wire: Wire, messages, window: int) -> int:
    """Every transaction pipelined (MAIL, RCPT, BDAT n LAST and the body in
    one write, as Exim writes one), at most `window` of them unanswered:
    window 1 is Exim, which waits for each message's reply before the next;
    0 means no limit but TCP's own."""
    acks = [0]
    answered = threading.Semaphore(window if window > 0 else len(messages) + 1)

    def collect():
        for _ in messages:
            codes = [wire.reply() for _ in range(3)]
            acks[0] += codes == [250, 250, 250]
            answered.release()
        wire.reply()  # 221

    reader = threading.Thread(target=collect)
    reader.start()
    batch, pending = [], 0
    for body in messages:
        if not answered.acquire(blocking=False):
            if batch:  # the customer must see what it is to answer
                wire.send(b"".join(batch))
                batch, pending = [], 0
            answered.acquire()
        batch.append(b"MAIL FROM:<bench@origin.test> BODY=8BITMIME\r\nRCPT TO:<user@example.org>\r\n"
                     b"BDAT %d LAST\r\n" % len(body))
        batch.append(body)
        pending += len(body)
        if pending >= 1 << 18:
            wire.send(b"".join(batch))
            batch, pending = [], 0
    batch.append(b"QUIT\r\n")
    wire.send(b"".join(batch))
    reader.join()
    return acks[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--result", required=True)
    parser.add_argument("--mode", choices=["data", "bdat"], default="data")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--password", default="bench")
    parser.add_argument("--window", type=int, default=0,
                        help="bdat: transactions in flight before waiting for replies (0: no limit)")
    parser.add_argument("--trace", action="store_true",
                        help="each message begins with an Exim-style Received field (its own queue id)")
    parser.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte")
    parser.add_argument("--domains", help="many accounts: --count messages for each of these "
                        "domains, sessions until SIGTERM (DATA only)")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()

    context = None
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
    if args.count == 1:
        messages = [render_body(args.size, 0, args.mode == "bdat")]
    else:
        template = render_body(args.size, 0, args.mode == "bdat")
        messages = [template] * args.count
    if args.trace:
        messages = [with_trace(body, i) for i, body in enumerate(messages)]
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    if args.domains:
        return serve_accounts(listener, args, context, render_body(args.size, 0, False))
    announce(listener, args.port_file)
    listener.settimeout(60)
    sock, _ = listener.accept()
    acks = serve(sock, args, context, messages)
    with open(args.result, "w") as f:
        json.dump({"acks": acks, "bytes": sum(map(len, messages))}, f)
    return 0


def announce(listener, port_file: str) -> None:
    with open(port_file, "w") as f:
        f.write(str(listener.getsockname()[1]))


def serve(sock, args, context, messages, claim=None) -> int:
    """One session; the 250s after the data. CLAIM: see negotiate()."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    wire = Wire(sock)
    try:
        if args.implicit_tls:
            wire.upgrade(context)
        recipients = negotiate(wire, args, context, claim)
    except (ConnectionError, ssl.SSLError):
        recipients = None  # e.g. openssl s_client, which leaves after the handshake
    if not recipients:
        return 0
    if claim:
        messages = [messages[0]] * len(recipients)
    wire.line()  # the customer's 220
    wire.send(b"EHLO bench.provider\r\n")
    wire.reply()
    if args.mode == "bdat":
        return deliver_bdat(wire, messages, args.window)
    return deliver_data(wire, messages, recipients)


def serve_accounts(listener, args, context, body: bytes) -> int:
    """--domains: --count messages for each domain, a thread per connection,
    until SIGTERM; then the result (acks, sessions, messages left queued)."""
    if args.mode != "data":
        raise SystemExit("--domains delivers over DATA only")
    lock = threading.Lock()
    queued = {domain: args.count for domain in args.domains.split(",")}
    totals = {"acks": 0, "sessions": 0}

    def claim(domains) -> list[str]:
        with lock:
            taken = [(d, queued.pop(d, 0)) for d in domains]
        return [f"user@{d}" for d, n in taken for _ in range(n)]

    def session(sock) -> None:
        acks = 0
        try:
            with sock:
                acks = serve(sock, args, context, [body], claim)
        except (OSError, RuntimeError, ValueError):
            pass  # counted as not acknowledged: left queued in the result
        with lock:
            totals["acks"] += acks
            totals["sessions"] += 1

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # before the port is announced
    try:
        announce(listener, args.port_file)
        while True:
            sock, _ = listener.accept()
            threading.Thread(target=session, args=(sock,), daemon=True).start()
    finally:
        with lock:
            result = dict(totals, left=args.count * len(args.domains.split(",")) - totals["acks"],
                          bytes=totals["acks"] * len(body))
        with open(args.result, "w") as f:
            json.dump(result, f)


if __name__ == "__main__":
    sys.exit(main())
