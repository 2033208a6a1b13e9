"""Scripts for the fault matrix (tests/faults/): a provider that cuts the line.

Each script delivers the claimed messages one by one, as a well-behaved
provider would (EHLO, then MAIL, RCPT, DATA or BDAT per message, QUIT), and
hangs up at one chosen point while delivering message `victim` (the index of
a claim). The points, by name:

    reversed-greeting  right after the customer's 220, before EHLO
    reversed-ehlo      EHLO sent, its reply not read
    mail, rcpt         that command sent, its reply not read
    data-cmd           DATA sent, 354 not read
    data:<offset>      after 354, the first bytes of the message data
    bdat:<offset>      the first bytes of the BDAT stream (commands and chunks)
    end                the whole message sent, the customer's reply not read
    lost-250           the customer's reply has arrived, but the provider hangs
                       up without reading it: a 250 lost on the way (RFC 1047)
    after-250          the reply read (the message leaves the queue), then cut
    before-quit        every message delivered, the provider hangs up unannounced
    pipelined-bdat     every message before the victim and half of the victim's
                       BDAT stream in one write (as Exim pipelines; the customer
                       may commit the earlier ones as a group), their replies
                       read, then the cut
    none               no cut: every message delivered, then QUIT (victim -1)

Offsets are named, not numbered, so a cell means the same with any body (see
data_offset and bdat_offset). A message leaves the provider's queue only when
the script has read a 250 for it (scripted_client's Expect(settles=...)), as
a real queue does.
"""

from __future__ import annotations

from dataclasses import dataclass

import scripted_client as sc

BDAT_CHUNK = 1000  # octets per BDAT chunk, so a message takes several
REPLY_WAIT = 3.0  # seconds to wait for a reply that the provider then loses

DATA_OFFSETS = ("1", "header", "mid-line", "line-end", "before-dot", "dot", "dot-cr")
BDAT_OFFSETS = ("command", "first-chunk", "between-chunks", "last-mid-line", "last-byte")


def data_offset(payload: bytes, name: str) -> int:
    """Where in PAYLOAD (dot-stuffed, ending in CRLF "." CRLF) the cut NAME falls."""
    middle = len(payload) // 2
    line_end = payload.index(b"\r\n", middle) + 2
    offsets = {"1": 1, "header": 20, "mid-line": line_end - 10, "line-end": line_end,
               "before-dot": len(payload) - 3, "dot": len(payload) - 2,
               "dot-cr": len(payload) - 1}
    return offsets[name]


def bdat_stream(body: bytes, last: bool = True) -> tuple[bytes, list[int]]:
    """BODY as BDAT commands and chunks: (the bytes, where each chunk's data ends)."""
    stream, ends = b"", []
    for start in range(0, len(body), BDAT_CHUNK):
        chunk = body[start:start + BDAT_CHUNK]
        final = " LAST" if last and start + BDAT_CHUNK >= len(body) else ""
        stream += f"BDAT {len(chunk)}{final}\r\n".encode() + chunk
        ends.append(len(stream))
    return stream, ends


def bdat_offset(body: bytes, name: str) -> int:
    """Where in the BDAT stream of BODY the cut NAME falls."""
    stream, ends = bdat_stream(body)
    last_start = ends[-2] if len(ends) > 1 else 0
    last_data = stream.index(b"\r\n", last_start) + 2
    in_last = stream.index(b"\r\n", last_data + (ends[-1] - last_data) // 2) - 5
    offsets = {"command": 6, "first-chunk": ends[0] - BDAT_CHUNK // 2,
               "between-chunks": ends[0], "last-mid-line": in_last, "last-byte": ends[-1] - 1}
    return offsets[name]


@dataclass(frozen=True)
class Cut:
    """Where the provider hangs up: POINT (see the module text) in message VICTIM,
    with BDAT instead of DATA when CHUNKING."""
    point: str
    victim: int = 1
    chunking: bool = False

    def __call__(self, claims) -> list:
        steps = [sc.Send(sc.line(f"EHLO {sc.HELLO}")), sc.Expect()]
        if self.point == "reversed-greeting":
            return [sc.HangUp()]
        if self.point == "reversed-ehlo":
            return [steps[0], sc.HangUp()]
        if self.point == "pipelined-bdat":
            return steps + self._pipelined(claims)
        for index, claim in enumerate(claims):
            if index == self.victim:
                return steps + self._victim(index, claim)
            steps += self._transaction(index, claim)
        if self.point == "before-quit":
            return steps + [sc.HangUp()]
        return steps + sc.quit_steps()

    def _transaction(self, index: int, claim) -> list:
        if not self.chunking:
            return sc.deliver_with_data(index, claim)
        stream, _ = bdat_stream(claim.body)
        return [sc.Send(sc.envelope(claim)), sc.Expect(1 + len(claim.recipients)),
                sc.Send(stream, f"[BDAT stream: {len(stream)} bytes]"),
                sc.Expect(len(bdat_stream(claim.body)[1]), settles=index)]

    def _pipelined(self, claims) -> list:
        data, replies = b"", []
        for index, claim in enumerate(claims[:self.victim]):
            stream, ends = bdat_stream(claim.body)
            data += sc.envelope(claim) + stream
            replies.append(sc.Expect(1 + len(claim.recipients) + len(ends), settles=index))
        victim = claims[self.victim]
        stream, _ = bdat_stream(victim.body)
        data += sc.envelope(victim) + stream[: len(stream) // 2]
        return [sc.Send(data, f"[{self.victim} message(s) and half of one more: "
                              f"{len(data)} bytes in one write]"), *replies, sc.HangUp()]

    def _victim(self, index: int, claim) -> list:
        mail = sc.line(f"MAIL FROM:<{claim.sender}>")
        rcpts = b"".join(sc.line(f"RCPT TO:<{r}>") for r in claim.recipients)
        envelope = [sc.Send(mail), sc.Expect(), sc.Send(rcpts), sc.Expect(len(claim.recipients))]
        point = self.point
        if point == "mail":
            return [sc.Send(mail), sc.HangUp()]
        if point == "rcpt":
            return [sc.Send(mail), sc.Expect(), sc.Send(rcpts), sc.HangUp()]
        if point == "data-cmd":
            return envelope + [sc.Send(sc.line("DATA")), sc.HangUp()]
        if self.chunking:
            stream, ends = bdat_stream(claim.body)
            if point.startswith("bdat:"):
                cut = bdat_offset(claim.body, point[5:])
                steps = [sc.Send(stream[:cut], f"[BDAT stream: {cut} of {len(stream)} bytes]")]
                if point == "bdat:between-chunks":
                    steps.append(sc.Expect())  # the first chunk's 250
                return envelope + steps + [sc.HangUp()]
            whole = [sc.Send(stream, f"[BDAT stream: {len(stream)} bytes]")]
            replies = len(ends)
        else:
            payload = sc.data_payload(claim)
            start = [sc.Send(sc.line("DATA")), sc.Expect()]
            if point.startswith("data:"):
                cut = data_offset(payload, point[5:])
                return envelope + start + [sc.body_step(payload[:cut]), sc.HangUp()]
            whole = start + [sc.body_step(payload)]
            replies = 1
        return envelope + whole + self._after_data(index, replies)

    def _after_data(self, index: int, replies: int) -> list:
        if self.point == "end":
            return [sc.HangUp()]
        if self.point == "lost-250":
            before = [sc.Expect(replies - 1)] if replies > 1 else []
            # A pause ends as soon as the customer's reply is readable (it is not read).
            return before + [sc.Pause(REPLY_WAIT), sc.HangUp()]
        if self.point == "after-250":
            return [sc.Expect(replies, settles=index), sc.HangUp()]
        raise ValueError(f"unknown cut point {self.point!r}")


class FirstSessionOnly:
    """SCRIPT in the first session; a well-behaved delivery in every later one, so
    one fault strikes once, as in the matrix's cells."""

    def __init__(self, script):
        self.script, self.used = script, False

    def __call__(self, claims) -> list:
        if self.used:
            return Cut("none", victim=-1)(claims)
        self.used = True
        return self.script(claims)
