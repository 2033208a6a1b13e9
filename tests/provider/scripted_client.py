"""Scripted raw-socket clients for the reversed session: hostile providers.

After "250 ODMR provider turning line around" the fake provider normally
delivers with Python's smtplib, which is well behaved. To see what the
customer does with a provider that is not, the provider can instead run a
*script* on the same connection: send exactly these bytes, read the
replies, stall, hang up. Every reply is recorded (code, enhanced code,
text), and so is how the connection ended, so a test can assert the exact
RFC reply the customer gave and whether it closed cleanly.

A script is a list of steps:

    Send(b"MAIL FROM:<a@b>\\r\\n")   write exactly these bytes
    Expect(2)                       read two replies (a multi-line reply is one)
    Expect(settles=0)               read one reply: the outcome of claims[0]'s data
    ExpectClose()                   read replies until the customer closes
    Pause(0.5)                      wait, sending nothing
    HangUp()                        the provider closes the connection

A reply with code 421 means the customer is closing the connection: the
script stops there and waits for the close. Before each Send, a reply that
is already waiting is read first (a customer that hung up is noticed rather
than written to). When the steps run out, the provider closes.

The named scenarios in SCENARIOS build such lists from the messages claimed
for the session (`--script NAME` on the provider's command line;
`ProviderConfig(script=NAME)` or `script=[steps]` or `script=function`).
"""

from __future__ import annotations

import re
import select
import socket
import ssl
from dataclasses import dataclass, field

MAX_REPLY_LINE = 4096


# ---------------------------------------------------------------- the steps

@dataclass(frozen=True)
class Send:
    data: bytes
    shown: str = ""  # what the transcript says instead of the bytes (e.g. "[body: 300 bytes]")


@dataclass(frozen=True)
class Expect:
    count: int = 1
    settles: int | None = None  # the last reply read is the outcome of claims[settles]

    def __post_init__(self):
        if self.count < 1:
            raise ValueError("Expect needs a count of at least 1")


@dataclass(frozen=True)
class ExpectClose:
    pass


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class HangUp:
    pass


@dataclass(frozen=True)
class Reply:
    """One reply of the customer's, as recorded."""
    code: int
    enhanced: str  # "5.5.1", or "" when the reply has no enhanced code
    lines: tuple[str, ...]  # the text of each line, without code and separator

    @property
    def status(self) -> str:
        """"503 5.5.1", or "250" for a reply without an enhanced code."""
        return f"{self.code} {self.enhanced}".rstrip()

    @property
    def text(self) -> str:
        return " / ".join(self.lines)

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


@dataclass
class Outcome:
    """What a script saw: the greeting, every later reply, how it ended."""
    greeting: Reply | None = None
    replies: list[Reply] = field(default_factory=list)
    # "eof": the customer closed (TCP FIN); "reset": it reset the connection;
    # "timeout": it neither replied nor closed in time; "provider hung up";
    # "script ended" (then the provider closes too).
    ending: str = ""

    @property
    def statuses(self) -> list[str]:
        return [r.status for r in self.replies]


class _Closed(Exception):
    """The customer closed the connection (or reset it); args[0] is how."""


# ---------------------------------------------------------------- running one

class Runner:
    """Runs one script on a provider connection (a Wire, see odmr_provider.py)."""

    def __init__(self, wire, session, claims, queue):
        self.wire, self.session, self.claims, self.queue = wire, session, claims, queue
        self.outcome = Outcome()
        self.tls = isinstance(wire.sock, ssl.SSLSocket)

    def run(self, steps) -> Outcome:
        self.session.script = self.outcome  # filled in as the script runs
        try:
            self.outcome.greeting = self._read_reply()
            for step in steps:
                if not self._step(step):
                    break
            else:
                self.outcome.ending = self.outcome.ending or "script ended"
        except _Closed as closed:
            self.outcome.ending = closed.args[0]
        self.session.log("*", f"[script ended: {self.outcome.ending}]")
        return self.outcome

    def _step(self, step) -> bool:
        """Run one step; False when the script is over."""
        if isinstance(step, Send):
            if self._reply_waiting() and not self._read_waiting():
                return False
            self._log_sent(step)
            try:
                self.wire.sendall(step.data)
            except (BrokenPipeError, ConnectionResetError):
                raise _Closed("closed before the provider finished sending") from None
        elif isinstance(step, Expect):
            for _ in range(step.count):
                reply = self._read_reply()
                if reply.code == 421:
                    break
            if step.settles is not None:
                self._settle(step.settles, reply)
            if reply.code == 421:
                self._expect_close()
                return False
        elif isinstance(step, ExpectClose):
            self._expect_close()
            return False
        elif isinstance(step, Pause):
            self.session.log("*", f"[pause: {step.seconds} s]")
            self._wait(step.seconds)
        elif isinstance(step, HangUp):
            self.session.log("*", "[provider hangs up]")
            self.outcome.ending = "provider hung up"
            self.wire.close()
            return False
        else:
            raise TypeError(f"not a script step: {step!r}")
        return True

    def _wait(self, seconds: float) -> None:
        """Sleep, but notice a customer that hangs up meanwhile."""
        ready, _, _ = select.select([self.wire.sock], [], [], seconds)
        if ready:
            self.session.log("*", "[the customer sent something during the pause]")

    def _reply_waiting(self) -> bool:
        if self.wire.buffered():
            return True
        if self.tls and self.wire.sock.pending():
            return True
        ready, _, _ = select.select([self.wire.sock], [], [], 0)
        return bool(ready)

    def _read_waiting(self) -> bool:
        """Read replies nobody asked for yet; False when the customer is closing."""
        while self._reply_waiting():
            reply = self._read_reply()
            if reply.code == 421:
                self._expect_close()
                return False
        return True

    def _expect_close(self) -> None:
        while True:
            self._read_reply()  # raises _Closed at the end

    def _read_line(self) -> bytes:
        try:
            line = self.wire.readline(MAX_REPLY_LINE)
        except ssl.SSLEOFError:  # TLS without close_notify (if ragged EOFs are not suppressed)
            raise _Closed("eof") from None
        except ConnectionResetError:
            raise _Closed("reset") from None
        except (socket.timeout, TimeoutError):
            raise _Closed("timeout") from None
        if not line:
            raise _Closed("eof")
        return line

    def _read_reply(self) -> Reply:
        lines = []
        while True:
            raw = self._read_line()
            text = raw.rstrip(b"\r\n").decode("utf-8", "replace")
            self.session.log("C", text)
            found = re.fullmatch(r"(\d{3})([ -]?)(.*)", text, re.S)
            if not found:
                lines.append(text)
                code, more = 0, False
            else:
                code, more = int(found.group(1)), found.group(2) == "-"
                lines.append(found.group(3))
            if not more:
                break
        enhanced = re.match(r"([245]\.\d{1,3}\.\d{1,3})(?: |$)", lines[0])
        reply = Reply(code, enhanced.group(1) if enhanced else "", tuple(lines))
        if self.outcome.greeting is not None:
            self.outcome.replies.append(reply)
        return reply

    def _settle(self, index: int, reply: Reply) -> None:
        """Record in the queue what became of claims[index] (all its recipients)."""
        claim = self.claims[index]
        delivered = claim.recipients if reply.code == 250 else []
        self.queue.record(claim.id, self.session.number,
                          {rcpt: str(reply) for rcpt in claim.recipients}, delivered, str(reply))
        if delivered:
            self.session.delivered.append(claim.id)

    def _log_sent(self, step: Send) -> None:
        if step.shown:
            self.session.log("S", step.shown)
            return
        complete = step.data.endswith(b"\r\n")
        lines = step.data.split(b"\r\n")
        if complete:
            lines.pop()
        for raw in lines:
            self.session.log("S", _printable(raw))
        if not complete:
            self.session.log("*", "[no CRLF at the end of that write]")


def _printable(raw: bytes) -> str:
    """A sent line for the transcript: as text, or escaped when it is not printable."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or not text.isprintable():
        text = repr(raw)[2:-1]
    return text if len(text) <= 120 else f"{text[:100]}... [{len(raw)} bytes]"


def run(script, wire, session, claims, queue) -> Outcome:
    """Run SCRIPT (a scenario name, a function of the claims, or a list of steps)."""
    if isinstance(script, str):
        script = SCENARIOS[script]
    steps = script(claims) if callable(script) else script
    return Runner(wire, session, claims, queue).run(steps)


# ---------------------------------------------------------------- building blocks

HELLO = "provider.odmr.test"


def line(text: str) -> bytes:
    return text.encode("utf-8") + b"\r\n"


def envelope(claim) -> bytes:
    """MAIL FROM and one RCPT TO per recipient (as one write)."""
    return line(f"MAIL FROM:<{claim.sender}>") + b"".join(
        line(f"RCPT TO:<{rcpt}>") for rcpt in claim.recipients)


def data_payload(claim) -> bytes:
    """The message data after DATA: dot-stuffed and dot-terminated.

    A binary claim is sent verbatim, without dot-stuffing: that is how a
    script smuggles bytes past a customer (see `smuggle`).
    """
    body = claim.body if claim.binary else re.sub(rb"(?m)^\.", b"..", claim.body)
    return body + b".\r\n"


def body_step(data: bytes) -> Send:
    return Send(data, f"[message data: {len(data)} bytes]")


def deliver_with_data(index: int, claim) -> list:
    """One well-behaved transaction, step by step (no pipelining)."""
    steps = [Send(line(f"MAIL FROM:<{claim.sender}>")), Expect()]
    for rcpt in claim.recipients:
        steps += [Send(line(f"RCPT TO:<{rcpt}>")), Expect()]
    return steps + [Send(line("DATA")), Expect(), body_step(data_payload(claim)),
                    Expect(settles=index)]


def quit_steps() -> list:
    return [Send(line("QUIT")), Expect(), ExpectClose()]


def _first(claims):
    if not claims:
        raise ValueError("this scenario needs a queued message")
    return claims[0]


# ---------------------------------------------------------------- the scenarios

GARBAGE = [
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 a TLS ClientHello, not EHLO",
    b"GET / HTTP/1.1",
    b"\x00\xff\xfe\x80 binary junk \x01\x02",
    b"HELLO there",
]


def garbage(claims) -> list:
    """Junk lines instead of EHLO, one at a time, until the customer hangs up (421)."""
    steps = []
    for i in range(100):
        steps += [Send(GARBAGE[i % len(GARBAGE)] + b"\r\n"), Expect()]
    return steps + [ExpectClose()]


def out_of_order(claims) -> list:
    """RCPT, DATA and BDAT before MAIL (503 each), then the first message properly."""
    claim = _first(claims)
    return [Send(line(f"EHLO {HELLO}")), Expect(),
            Send(line(f"RCPT TO:<{claim.recipients[0]}>")), Expect(),
            Send(line("DATA")), Expect(),
            Send(b"BDAT 5 LAST\r\nhello"), Expect(),
            *deliver_with_data(0, claim), *quit_steps()]


def mail_without_rcpt(claims) -> list:
    """MAIL then DATA (554), MAIL then BDAT (554), a refused RCPT then DATA (554),
    then the first message properly."""
    claim = _first(claims)
    mail = line(f"MAIL FROM:<{claim.sender}>")
    return [Send(line(f"EHLO {HELLO}")), Expect(),
            Send(mail), Expect(), Send(line("DATA")), Expect(),
            Send(b"BDAT 5 LAST\r\nhello"), Expect(), Send(line("RSET")), Expect(),
            Send(mail), Expect(), Send(line("RCPT TO:<mallory@elsewhere.example>")), Expect(),
            Send(line("DATA")), Expect(), Send(line("RSET")), Expect(),
            *deliver_with_data(0, claim), *quit_steps()]


def _bdat_lie(claim) -> list:
    """EHLO, MAIL, RCPT, then a BDAT that announces 1000 octets more than it sends."""
    steps = [Send(line(f"EHLO {HELLO}")), Expect(), Send(line(f"MAIL FROM:<{claim.sender}>")),
             Expect(), Send(line(f"RCPT TO:<{claim.recipients[0]}>")), Expect()]
    size = len(claim.body) + 1000
    return steps + [Send(f"BDAT {size} LAST\r\n".encode() + claim.body,
                         f"BDAT {size} LAST   [+ {len(claim.body)} bytes: 1000 short]")]


def bdat_short_close(claims) -> list:
    """A BDAT whose size is 1000 octets more than what is sent before the provider hangs up."""
    return _bdat_lie(_first(claims)) + [HangUp()]


def bdat_short_stall(claims) -> list:
    """The same lying BDAT, then silence: the customer must time out (421 4.4.2)."""
    return _bdat_lie(_first(claims)) + [ExpectClose()]


def stall_mid_command(claims) -> list:
    """Half a MAIL command, no CRLF, then silence: 421 4.4.2 after the customer's timeout."""
    claim = _first(claims)
    return [Send(line(f"EHLO {HELLO}")), Expect(),
            Send(f"MAIL FROM:<{claim.sender}".encode()), ExpectClose()]


def _data_until(claim, cut: bytes) -> list:
    """EHLO, MAIL, RCPT, DATA, then the message data up to CUT (included)."""
    payload = data_payload(claim)
    end = payload.index(cut) + len(cut)
    steps = [Send(line(f"EHLO {HELLO}")), Expect(), Send(envelope(claim)),
             Expect(1 + len(claim.recipients)), Send(line("DATA")), Expect()]
    return steps + [body_step(payload[:end])]


def stall_mid_data(claims) -> list:
    """Message data that stops in the middle of a line, then silence: 421 4.4.2."""
    claim = _first(claims)
    half = claim.body[: len(claim.body) // 2].rstrip(b"\r\n")
    return _data_until(claim, half[-20:]) + [ExpectClose()]


def close_mid_data(claims) -> list:
    """Message data that ends with CRLF "." (no final CRLF), then the provider hangs up."""
    claim = _first(claims)
    steps = _data_until(claim, claim.body)
    return steps[:-1] + [body_step(data_payload(claim)[:-1]), HangUp()]


def close_mid_bdat(claims) -> list:
    """A first BDAT chunk (acknowledged), half of the LAST one, then the provider hangs up."""
    claim = _first(claims)
    body = claim.body
    first, second = body[: len(body) // 2], body[len(body) // 2:]
    return [Send(line(f"EHLO {HELLO}")), Expect(), Send(envelope(claim)),
            Expect(1 + len(claim.recipients)),
            Send(f"BDAT {len(first)}\r\n".encode() + first, f"BDAT {len(first)}   [+ chunk]"),
            Expect(),
            Send(f"BDAT {len(second)} LAST\r\n".encode() + second[: len(second) // 2],
                 f"BDAT {len(second)} LAST   [+ half the chunk]"),
            HangUp()]


def smuggle(claims) -> list:
    """Every message through one pipelined DATA each, sent verbatim (no dot-stuffing):
    queue binary messages whose bodies hide "\\n.\\n" or "\\r\\n.\\n" and a second
    MAIL FROM. The last message's end and QUIT go in the same write."""
    steps = [Send(line(f"EHLO {HELLO}")), Expect()]
    for index, claim in enumerate(claims):
        last = index + 1 == len(claims)
        steps += [Send(envelope(claim) + line("DATA")), Expect(2 + len(claim.recipients))]
        trailer = line("QUIT") if last else b""
        steps += [Send(data_payload(claim) + trailer,
                       f"[message data: {len(claim.body)} bytes, verbatim]"
                       + ("   QUIT [in the same write]" if last else "")),
                  Expect(settles=index)]
    return steps + [Expect(), ExpectClose()]


def long_command(claims) -> list:
    """Command lines of 1,200 and 100,000 octets (500 5.5.2), then the first message."""
    claim = _first(claims)
    return [Send(line(f"EHLO {HELLO}")), Expect(),
            Send(line("NOOP " + "x" * 1200)), Expect(),
            Send(line(f"MAIL FROM:<{'a' * 100000}@origin.test>"),
                 "MAIL FROM:<aaaa...@origin.test>   [100,027 bytes]"), Expect(),
            *deliver_with_data(0, claim), *quit_steps()]


def assorted_commands(claims) -> list:
    """HELP, VRFY, EXPN, NOOP; RSET, EHLO and HELO in mid-transaction abandon it;
    parameters after HELO are refused; then the first message properly."""
    claim = _first(claims)
    rcpt = line(f"RCPT TO:<{claim.recipients[0]}>")
    mail = line(f"MAIL FROM:<{claim.sender}>")
    return [Send(line(f"EHLO {HELLO}")), Expect(),
            Send(line("HELP")), Expect(), Send(line(f"VRFY {claim.recipients[0]}")), Expect(),
            Send(line("EXPN staff")), Expect(), Send(line("NOOP")), Expect(),
            Send(mail), Expect(), Send(rcpt), Expect(), Send(line("RSET")), Expect(),
            Send(line("DATA")), Expect(),
            Send(mail), Expect(), Send(rcpt), Expect(), Send(line(f"EHLO {HELLO}")), Expect(),
            Send(line("DATA")), Expect(),
            Send(line(f"HELO {HELLO}")), Expect(),
            Send(line(f"MAIL FROM:<{claim.sender}> SIZE=100")), Expect(),
            *deliver_with_data(0, claim), *quit_steps()]


def trickle(claims) -> list:
    """The first message's data in six pieces, 0.5 s apart: slow but never idle."""
    claim = _first(claims)
    payload = data_payload(claim)
    step = -(-len(payload) // 6)
    steps = [Send(line(f"EHLO {HELLO}")), Expect(), Send(envelope(claim) + line("DATA")),
             Expect(2 + len(claim.recipients))]
    for offset in range(0, len(payload), step):
        if offset:
            steps.append(Pause(0.5))
        steps.append(body_step(payload[offset:offset + step]))
    return steps + [Expect(settles=0), *quit_steps()]


SCENARIOS = {f.__name__.replace("_", "-"): f for f in (
    garbage, out_of_order, mail_without_rcpt, bdat_short_close, bdat_short_stall,
    stall_mid_command, stall_mid_data, close_mid_data, close_mid_bdat, smuggle,
    long_command, assorted_commands, trickle)}
