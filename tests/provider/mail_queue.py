"""The fake provider's mail queue: messages, what became of them, test mail.

Kept apart from the protocol (odmr_provider.py) because it knows nothing of
sockets: a message, its recipients still pending, the replies the customer
gave, and the deliveries it accepted. Every Queue method is thread-safe.
"""

from __future__ import annotations

import dataclasses
import random
import re
import secrets
import threading
from dataclasses import dataclass, field
from email.utils import formatdate


@dataclass
class Message:
    """A queued message: its envelope, its body and what became of it.

    `body` is exactly what goes between DATA and the final dot: CRLF line
    ends, ending in CRLF. A `binary` body may hold anything (bare CR, bare
    LF, NUL): the provider sends it only with BDAT and BODY=BINARYMIME, and
    a scripted client (scripted_client.py) sends it verbatim, without dot
    stuffing. `pending` holds the recipients still to deliver;
    `replies` the last reply the customer gave for each recipient (the RCPT
    reply if it was refused, otherwise the reply after the data).
    """
    sender: str
    recipients: list[str]
    body: bytes
    id: str = ""
    pending: list[str] = field(default_factory=list)
    replies: dict[str, str] = field(default_factory=dict)
    last_reply: str = ""
    attempts: int = 0
    binary: bool = False

    @property
    def message_id(self) -> str:
        """The Message-ID header's value, or "" when there is none."""
        head = self.body.split(b"\r\n\r\n", 1)[0]
        found = re.search(rb"(?im)^message-id:[ \t]*(\S+)", head)
        return found.group(1).decode("ascii", "replace") if found else ""

    def summary(self) -> dict:
        """The message for the JSON state file (without its body)."""
        return {"id": self.id, "sender": self.sender, "recipients": self.recipients,
                "pending": self.pending, "size": len(self.body),
                "message_id": self.message_id, "replies": self.replies,
                "last_reply": self.last_reply, "attempts": self.attempts}


@dataclass(frozen=True)
class Delivery:
    """One transaction the customer accepted with 250 after the data."""
    message_id: str  # the queue id (Message.id), not the header
    recipients: tuple[str, ...]
    session: int
    reply: str


def crlf_lines(text) -> bytes:
    """TEXT (str or bytes, LF or CRLF line ends) with CRLF line ends, ending in CRLF."""
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return b"".join(line.removesuffix(b"\r") + b"\r\n" for line in lines)


def make_message(sender: str, recipients, subject: str, body, *, from_header: str = "",
                 date: str = "", extra_headers=()) -> Message:
    """A message with realistic headers and the given BODY (str or bytes).

    Line ends are made CRLF; any other byte of BODY is kept as it is, so a
    body may hold 8-bit text, lines that start with "." and so on.
    """
    recipients = list(recipients)
    token = secrets.token_hex(8)
    headers = [
        f"From: {from_header or sender}",
        f"To: {', '.join(recipients)}",
        f"Subject: {subject}",
        f"Date: {date or formatdate(localtime=False)}",
        f"Message-ID: <{token}@{sender.rpartition('@')[2] or 'origin.test'}>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        *extra_headers,
    ]
    head = "\r\n".join(headers).encode("utf-8") + b"\r\n\r\n"
    return Message(sender=sender, recipients=recipients, body=head + crlf_lines(body))


_SENDERS = [("Ada Lovelace", "ada@origin.test"), ("Grace Hopper", "grace@sender.example"),
            ("Alan Turing", "alan@origin.test"), ("Margaret Hamilton", "margaret@apollo.example"),
            ("Katherine Johnson", "katherine@orbit.example")]
_SUBJECTS = ["Quarterly report", "Lunch on Friday?", "Re: the server move",
             "Invoice 2026-0412", "Photos from the trip", "Meeting notes",
             "Your order has shipped", "Weekend plans"]
_WORDS = ("mail queue relay domain turn customer provider message deliver "
          "durable maildir session certificate handshake reply envelope "
          "recipient sender body header line dot queue night morning").split()


def make_messages(count: int, recipients, *, size: int = 0, seed: int = 0) -> list[Message]:
    """COUNT varied, realistic messages; message i goes to recipients[i % len].

    Senders, subjects and body lengths vary; with SIZE the body is padded to
    roughly SIZE bytes (for the benchmark). The same SEED gives the same texts
    (Message-IDs and dates differ, so every message stays unique).
    """
    rng = random.Random(seed)
    recipients = list(recipients)
    messages = []
    for i in range(count):
        name, address = _SENDERS[i % len(_SENDERS)]
        lines = ["Hello,", ""]
        target = size or rng.randint(300, 3000)
        while sum(len(line) + 2 for line in lines) < target:
            words = rng.choices(_WORDS, k=rng.randint(6, 12))
            lines.append(" ".join(words).capitalize() + ".")
        lines += ["", f"-- {name}", ""]
        messages.append(make_message(
            address, [recipients[i % len(recipients)]],
            f"{_SUBJECTS[i % len(_SUBJECTS)]} (#{i + 1})", "\n".join(lines),
            from_header=f"{name} <{address}>"))
    return messages


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


@dataclass
class Claim:
    """A message taken out of the queue for one session: what to send."""
    id: str
    sender: str
    recipients: list[str]
    body: bytes
    binary: bool = False


class Queue:
    """The provider's mail queue; every method is safe to call from any thread.

    Readers get copies, so a test can look at the queue while a session runs.
    A message claimed by a session is invisible to other sessions until it is
    released, so two customers never receive the same copy.
    """

    def __init__(self, on_change=None):
        self._lock = threading.Lock()
        self._messages: dict[str, Message] = {}
        self._deliveries: list[Delivery] = []
        self._claimed: set[str] = set()
        self._next = 1
        self._on_change = on_change or (lambda: None)

    def add(self, message: Message) -> str:
        """Queue MESSAGE (all its recipients pending); return its queue id."""
        if not message.binary and (not message.body.endswith(b"\r\n")
                                   or re.search(rb"(?<!\r)\n", message.body)):
            raise ValueError("a queued body must have CRLF line ends and end in CRLF "
                             "(or the message must be binary)")
        with self._lock:
            queued = dataclasses.replace(message, recipients=list(message.recipients),
                                         pending=list(message.recipients), replies={})
            queued.id = message.id or f"m{self._next:04d}"
            self._next += 1
            self._messages[queued.id] = queued
        self._on_change()
        return queued.id

    def add_all(self, messages) -> list[str]:
        return [self.add(message) for message in messages]

    def messages(self) -> list[Message]:
        """Every message ever queued, delivered or not (copies)."""
        with self._lock:
            return [_copy(m) for m in self._messages.values()]

    def queued(self) -> list[Message]:
        """The messages that still have recipients to deliver (copies)."""
        return [m for m in self.messages() if m.pending]

    def get(self, message_id: str) -> Message:
        with self._lock:
            return _copy(self._messages[message_id])

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def has_mail(self, domains) -> bool:
        """Whether any unclaimed message has a pending recipient in DOMAINS."""
        with self._lock:
            return any(self._wanted(m, domains, False) for m in self._messages.values()
                       if m.id not in self._claimed)

    def claim(self, domains, include_foreign: bool, limit=None) -> list[Claim]:
        """Take the messages for DOMAINS, oldest first, for one session.

        Only the recipients in DOMAINS are sent, as a real provider does;
        INCLUDE_FOREIGN sends every pending recipient of every queued message
        instead (a careless provider, to test the customer's relay checks).
        """
        with self._lock:
            claims = []
            for m in self._messages.values():
                if limit is not None and len(claims) >= limit:
                    break
                wanted = self._wanted(m, domains, include_foreign)
                if wanted and m.id not in self._claimed:
                    self._claimed.add(m.id)
                    claims.append(Claim(m.id, m.sender, wanted, m.body, m.binary))
            return claims

    def release(self, claims) -> None:
        with self._lock:
            self._claimed.difference_update(c.id for c in claims)

    def record(self, message_id: str, session: int, replies: dict[str, str],
               delivered, last_reply: str) -> None:
        """Note the outcome of one transaction (or failed attempt) for a message."""
        with self._lock:
            m = self._messages[message_id]
            m.attempts += 1
            m.replies.update(replies)
            m.last_reply = last_reply
            if delivered:
                m.pending = [r for r in m.pending if r not in delivered]
                self._deliveries.append(
                    Delivery(message_id, tuple(delivered), session, last_reply))
        self._on_change()

    def state(self) -> dict:
        """Queued and delivered messages, for the JSON state file."""
        with self._lock:
            return {"queued": [m.summary() for m in self._messages.values() if m.pending],
                    "delivered": [dataclasses.asdict(d) for d in self._deliveries]}

    @staticmethod
    def _wanted(m: Message, domains, include_foreign: bool) -> list[str]:
        if include_foreign:
            return list(m.pending)
        return [r for r in m.pending if _domain(r) in domains]


def _copy(m: Message) -> Message:
    return dataclasses.replace(m, recipients=list(m.recipients), pending=list(m.pending),
                               replies=dict(m.replies))
