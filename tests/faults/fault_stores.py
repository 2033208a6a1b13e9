"""The delivery kinds of the fault matrix, each with the real store behind it.

A store knows the `--deliver` argument that reaches it, how to wait until
what it accepted is in its mailbox (Exim delivers after its 250), and how to
read every stored message back as raw bytes:

    maildir  our own Maildir sink, read from new/ and cur/
    mda      a small real MDA (a shell script: tmp/, then rename into new/,
             75 on any failure), read from its new/
    lmtp     Dovecot's LMTP server, read from the Maildir Dovecot writes
    smtp     an Exim daemon (smtp:), read from the Maildir Exim delivers to
    handoff  the same Exim daemon behind handoff:tcp:

The peers are the classes of tests/integration/test_delivery.py, reused.
`data_dir` is where the kind's messages land on disk before the 250 (for
Exim its spool): the fault matrix puts a full or read-only file system there.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "provider"))
sys.path.insert(0, str(HERE.parent / "integration"))

from test_delivery import Dovecot, Exim, wait_for  # noqa: E402

RECIPIENT = "alice@example.org"
KINDS = ("maildir", "mda", "lmtp", "smtp", "handoff")

MDA_SCRIPT = """#!/bin/sh
# A small real MDA: the message into $1/tmp, then renamed into $1/new; 75 on any failure.
name="$(date +%s).$$.mda"
cat > "$1/tmp/$name" || { rm -f "$1/tmp/$name"; exit 75; }
mv "$1/tmp/$name" "$1/new/$name" || { rm -f "$1/tmp/$name"; exit 75; }
"""


def read_maildir(path: Path) -> dict[str, bytes]:
    """Every message file in new/ and cur/ of the Maildir at PATH: name -> bytes."""
    found = {}
    for sub in ("new", "cur"):
        folder = path / sub
        if folder.is_dir():
            for entry in folder.iterdir():
                try:
                    found[f"{sub}/{entry.name}"] = entry.read_bytes()
                except FileNotFoundError:  # moved to cur/ meanwhile
                    continue
    return found


class Store:
    kind = ""
    ours = False  # our own Maildir: tmp/ must be left clean by odmr-fetch

    def __init__(self, directory: Path):
        self.dir = directory

    def deliver(self) -> str:
        raise NotImplementedError

    def settle(self) -> None:
        """Wait until everything the peer accepted is in its mailbox."""

    def messages(self) -> dict[str, bytes]:
        return read_maildir(self.mailbox())

    def mailbox(self) -> Path:
        raise NotImplementedError

    @property
    def data_dir(self) -> Path:
        return self.mailbox()

    def leftovers(self) -> list[Path]:
        """Files left in our Maildir's tmp/ (only for our own sink)."""
        tmp = self.mailbox() / "tmp"
        return sorted(tmp.iterdir()) if self.ours and tmp.is_dir() else []

    def logs(self) -> str:
        return ""

    def stop(self) -> None:
        pass


class MaildirStore(Store):
    kind, ours = "maildir", True

    def deliver(self) -> str:
        return f"maildir:{self.mailbox()}"

    def mailbox(self) -> Path:
        return self.dir / "Maildir"


class MdaStore(Store):
    kind = "mda"

    def __init__(self, directory: Path):
        super().__init__(directory)
        self.script = directory / "mda.sh"
        self.script.write_text(MDA_SCRIPT)
        self.script.chmod(0o755)
        self.prepare()

    def prepare(self) -> None:
        """Make tmp/ and new/ (again: after a file system was mounted over them)."""
        for sub in ("tmp", "new"):
            (self.mailbox() / sub).mkdir(parents=True, exist_ok=True)

    def deliver(self) -> str:
        return f"mda:{self.script} {self.mailbox()}"

    def mailbox(self) -> Path:
        return self.dir / "mda-out"


class LmtpStore(Store):
    kind = "lmtp"

    def __init__(self, directory: Path):
        super().__init__(directory)
        self.dovecot = Dovecot(directory / "dovecot", [RECIPIENT])

    def deliver(self) -> str:
        return f"lmtp:unix:{self.dovecot.socket}"

    def mailbox(self) -> Path:
        return self.dovecot.maildir(RECIPIENT)

    @property
    def data_dir(self) -> Path:
        return self.dovecot.mail

    def logs(self) -> str:
        return self.dovecot.log()

    def stop(self) -> None:
        self.dovecot.stop()


class EximStore(Store):
    """smtp: or handoff:tcp: into one Exim daemon."""

    def __init__(self, directory: Path, kind: str):
        super().__init__(directory)
        self.kind = kind
        self.exim = Exim(directory / "exim")
        # Deliver at once however many messages one connection brings (Exim
        # queues them without delivery after 10 by default).
        conf = self.exim.conf
        conf.write_text("smtp_accept_queue_per_connection = 0\n" + conf.read_text())
        self.exim.start_daemon()

    def deliver(self) -> str:
        prefix = "handoff:tcp" if self.kind == "handoff" else "smtp"
        return f"{prefix}:127.0.0.1:{self.exim.port}"

    def settle(self) -> None:
        # A message is in Exim's queue while its -H file is in the spool (cheaper
        # to look at than to ask `exim -bpc` every 50 ms).
        wait_for(lambda: not any((self.exim.dir / "spool" / "input").rglob("*-H")),
                 timeout=30, what=f"Exim's queue to empty:\n{self.exim.log()[-2000:]}")

    def mailbox(self) -> Path:
        return self.exim.maildir

    @property
    def data_dir(self) -> Path:
        """Exim's spool, where a message is written before its 250."""
        spool = self.exim.dir / "spool" / "input"
        spool.mkdir(parents=True, exist_ok=True)
        return spool

    def logs(self) -> str:
        return self.exim.log()

    def stop(self) -> None:
        self.exim.stop()


def make_store(kind: str, directory: Path) -> Store:
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)  # Dovecot and Exim deliver as nobody
    if kind == "maildir":
        return MaildirStore(directory)
    if kind == "mda":
        return MdaStore(directory)
    if kind == "lmtp":
        return LmtpStore(directory)
    if kind in ("smtp", "handoff"):
        return EximStore(directory, kind)
    raise ValueError(f"unknown delivery kind {kind!r}")
