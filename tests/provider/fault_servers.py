#!/usr/bin/env python3
"""Small LMTP/SMTP servers that misbehave on purpose, for the delivery tests.

The real peers (Dovecot's LMTP server, Exim) cover the paths that work; a
real server cannot be told to answer 451 to one message or to drop the line
in the middle of the data, so these do. What a recipient's local part says
decides what happens to it:

    temp451   451 4.3.0 after the data (LMTP: that recipient's reply)
    rcpt451   451 4.2.1 to RCPT
    rcpt550   550 5.1.1 to RCPT
    dropdata  the connection is closed halfway through the data
    anything else is accepted, and the message kept in `accepted`

`hang` makes the server greet and then say nothing more (for idle timeouts).
Each server listens on a UNIX socket or on 127.0.0.1 and serves each
connection in a thread; `stop()` ends them all.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass


@dataclass
class Accepted:
    sender: str
    recipients: list[str]
    data: bytes  # dot-unstuffed, CRLF line ends


class FaultServer:
    def __init__(self, lmtp: bool, *, unix_path: str | None = None, hang: bool = False):
        self.lmtp = lmtp
        self.hang = hang
        self.accepted: list[Accepted] = []
        self.connections = 0
        self.transcript: list[str] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._open: list[socket.socket] = []
        self._stopping = False
        if unix_path:
            self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._listener.bind(unix_path)
            self.address = f"unix:{unix_path}"
        else:
            self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._listener.bind(("127.0.0.1", 0))
            self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._listener.listen(8)
        self._accepting = threading.Thread(target=self._accept_loop, daemon=True)
        self._accepting.start()

    def stop(self) -> None:
        self._stopping = True
        for sock in [self._listener, *self._open]:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        for thread in [self._accepting, *self._threads]:
            thread.join(timeout=5)

    def _accept_loop(self) -> None:
        while not self._stopping:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._open.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        try:
            _Session(self, conn).run()
        except OSError:
            pass
        finally:
            conn.close()

    def note(self, line: str) -> None:
        with self._lock:
            self.transcript.append(line)


class _Session:
    def __init__(self, server: FaultServer, conn: socket.socket):
        self.server = server
        self.conn = conn
        self.reader = conn.makefile("rb")
        self.sender = None
        self.recipients: list[str] = []

    def send(self, line: str) -> None:
        self.server.note("S: " + line)
        self.conn.sendall(line.encode() + b"\r\n")

    def run(self) -> None:
        self.send("220 fault.test ESMTP ready")
        if self.server.hang:
            self.reader.read()  # until the client gives up
            return
        while True:
            raw = self.reader.readline()
            if not raw:
                return
            line = raw.rstrip(b"\r\n").decode("utf-8", "replace")
            self.server.note("C: " + line)
            verb = line.split(" ", 1)[0].upper()
            if verb in ("LHLO", "EHLO", "HELO"):
                self.send("250-fault.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES")
            elif verb == "MAIL":
                self.sender = line[line.index("<") + 1:line.rindex(">")]
                self.recipients = []
                self.send("250 2.1.0 OK")
            elif verb == "RCPT":
                self.rcpt(line[line.index("<") + 1:line.rindex(">")])
            elif verb == "DATA":
                if not self.recipients:
                    self.send("554 5.5.1 No valid recipients")
                    continue
                self.send("354 go ahead")
                if not self.data():
                    return
            elif verb == "RSET":
                self.sender, self.recipients = None, []
                self.send("250 2.0.0 OK")
            elif verb == "QUIT":
                self.send("221 2.0.0 bye")
                return
            else:
                self.send("502 5.5.2 what?")

    def rcpt(self, address: str) -> None:
        local = address.split("@")[0]
        if local == "rcpt451":
            self.send("451 4.2.1 <%s> try again later" % address)
        elif local == "rcpt550":
            self.send("550 5.1.1 <%s> no such user here" % address)
        else:
            self.recipients.append(address)
            self.send("250 2.1.5 OK")

    def data(self) -> bool:
        """Read the data; False when the connection was dropped on purpose."""
        lines = []
        dropping = any(r.split("@")[0] == "dropdata" for r in self.recipients)
        while True:
            raw = self.reader.readline()
            if not raw:
                return False
            if raw == b".\r\n":
                break
            lines.append(raw[1:] if raw.startswith(b".") else raw)
            if dropping and len(lines) >= 3:
                self.server.note("*: dropping the connection mid-data")
                self.conn.shutdown(socket.SHUT_RDWR)
                return False
        data = b"".join(lines)
        replies = []
        kept = []
        for r in self.recipients:
            if r.split("@")[0] == "temp451":
                replies.append("451 4.3.0 <%s> temporary local problem" % r)
            else:
                kept.append(r)
                replies.append("250 2.0.0 <%s> saved" % r)
        if kept and (self.server.lmtp or len(kept) == len(self.recipients)):
            with self.server._lock:
                self.server.accepted.append(Accepted(self.sender, kept, data))
        if self.server.lmtp:
            for reply in replies:
                self.send(reply)
        elif len(kept) == len(self.recipients):
            self.send("250 2.0.0 OK queued")
        else:
            self.send("451 4.3.0 temporary local problem")
        self.sender, self.recipients = None, []
        return True


def remove_socket(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
