#!/usr/bin/env python3
"""End-to-end tests of every delivery kind: odmr-fetch against the fake ODMR
provider, delivering into real local peers that nobody here wrote.

- maildir:  read back with Python's `mailbox.Maildir`;
- lmtp:     Dovecot's LMTP server (its own instance, generated config,
            storing into Maildirs under the test's directory);
- mda: and handoff:exec:  Exim's sendmail and `exim -bs` with a generated
            config (-C) delivering into a Maildir;
- smtp: and handoff:tcp:  an Exim daemon on a loopback port;
- faults that real servers cannot be told to make (451 to one message, a
  connection dropped in the middle of the data, a server that hangs):
  tests/provider/fault_servers.py.

Every test checks both sides: which messages the provider still holds (its
queue) and which exist in the local store, each exactly once.

The peers come from Debian (packaging/install-debian-deps.sh --test). The
binary is taken from ODMR_FETCH, as in test_end_to_end.py:

    ODMR_FETCH=build/odmr-fetch python3 tests/integration/test_delivery.py -v
"""

import mailbox
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "provider"))
sys.path.insert(0, str(HERE))

import make_test_ca  # noqa: E402
from fault_servers import FaultServer  # noqa: E402
from odmr_provider import Provider, ProviderConfig, make_message  # noqa: E402
from odmr_case import RETRY_DELAY, OdmrCase, write_secret  # noqa: E402
from test_end_to_end import header_message_id  # noqa: E402

USER = "example.org"
PASSWORD = "odmr test password"
DOMAINS = ("example.org", "example.com")
RUN_TIMEOUT = 90
EX_TEMPFAIL = 75
EXIM = "/usr/sbin/exim4"
DOVECOT = "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n")


def strip_trace(raw: bytes) -> tuple[list[bytes], bytes]:
    """(the header lines before the message, the message) of a stored file:
    every header up to and including the first Received field that names
    odmr-fetch, and its continuation lines."""
    lines = raw.split(b"\n")
    for i, line in enumerate(lines):
        if line.startswith(b"Received:") and b"(odmr-fetch)" in b"\n".join(lines[i:i + 3]):
            end = i + 1
            while end < len(lines) and lines[end][:1] in (b" ", b"\t"):
                end += 1
            return lines[:i], b"\n".join(lines[end:])
    raise AssertionError(f"no Received field of odmr-fetch in {raw[:300]!r}")


def maildir_messages(path: Path) -> list[bytes]:
    """The messages of the Maildir at PATH, read by Python's mailbox module."""
    if not path.exists():
        return []
    box = mailbox.Maildir(str(path), factory=None, create=False)
    return [box.get_bytes(key) for key in box.keys()]


# ---------------------------------------------------------------- real peers

class Dovecot:
    """Dovecot's LMTP server as its own instance: users in a passwd-file,
    mail in DIR/mail/DOMAIN/USER/Maildir, a UNIX socket and a TCP port."""

    def __init__(self, directory: Path, users):
        if not os.access(DOVECOT, os.X_OK):
            raise RuntimeError("Dovecot is missing: run packaging/install-debian-deps.sh --test")
        self.dir = directory
        self.mail = directory / "mail"
        self.socket = directory / "lmtp"
        self.port = free_port()
        for sub in ("run", "state", "mail"):
            (directory / sub).mkdir(parents=True)
        shutil.chown(self.mail, "nobody", "nogroup")
        (directory / "users").write_text("".join(f"{u}:::::::\n" for u in users))
        (directory / "dovecot.conf").write_text(f"""
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {directory}/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
default_login_user = dovenull
default_internal_user = dovecot
mail_uid = nobody
mail_gid = nogroup
first_valid_uid = 1
mail_location = maildir:{self.mail}/%d/%n/Maildir
service lmtp {{
  unix_listener {self.socket} {{
    mode = 0666
  }}
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.port}
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = {directory}/users
}}
userdb {{
  driver = passwd-file
  args = {directory}/users
  default_fields = home={self.mail}/%d/%n
}}
""")
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", str(directory / "dovecot.conf")],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT)
        wait_for(self.socket.exists, what="Dovecot's LMTP socket")

    def maildir(self, address: str) -> Path:
        local, domain = address.split("@")
        return self.mail / domain / local / "Maildir"

    def log(self) -> str:
        path = self.dir / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Exim:
    """Exim with a generated configuration (-C): local domains example.org
    and example.com, "refuse-me" refused at RCPT with 550 5.1.1, everything
    else delivered into one Maildir (DIR/mail/Maildir) with Envelope-to."""

    def __init__(self, directory: Path):
        if not os.access(EXIM, os.X_OK):
            raise RuntimeError("Exim is missing: run packaging/install-debian-deps.sh --test")
        self.dir = directory
        self.maildir = directory / "mail" / "Maildir"
        for sub in ("spool", "log", "mail"):
            (directory / sub).mkdir(parents=True)
        (directory / "mail").chmod(0o777)
        self.conf = directory / "exim.conf"
        self.conf.write_text(f"""
primary_hostname = mta.customer.test
qualify_domain = customer.test
spool_directory = {directory}/spool
log_file_path = {directory}/log/%slog
exim_user = root
exim_group = root
never_users =
trusted_users = root
keep_environment =
tls_advertise_hosts =
domainlist local_domains = example.org : example.com
acl_smtp_rcpt = acl_rcpt
begin acl
acl_rcpt:
  deny local_parts = refuse-me
       message = 550 5.1.1 <$local_part@$domain>: no such user here
  accept domains = +local_domains
  deny message = relay not permitted
begin routers
local:
  driver = accept
  domains = +local_domains
  transport = maildir
begin transports
maildir:
  driver = appendfile
  directory = {self.maildir}
  maildir_format
  envelope_to_add
  return_path_add
  user = nobody
  group = nogroup
  create_directory
begin retry
* * F,1h,10m
""")
        self.daemon = None
        self.port = None

    def argv(self, *args) -> list[str]:
        return [EXIM, "-C", str(self.conf), *args]

    def start_daemon(self):
        self.port = free_port()
        self.daemon = subprocess.Popen(self.argv("-bdf", "-oX", f"127.0.0.1.{self.port}"),
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.STDOUT)

        def listening():
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", self.port)) == 0
        wait_for(listening, what="Exim's daemon")

    def queue_count(self) -> int:
        out = subprocess.run(self.argv("-bpc"), capture_output=True, text=True, timeout=30)
        return int(out.stdout.strip() or "0")

    def wait_delivered(self, count: int):
        """Exim delivers after its 250: wait until COUNT files are in the Maildir."""
        wait_for(lambda: len(maildir_messages(self.maildir)) >= count and self.queue_count() == 0,
                 what=f"{count} message(s) delivered by Exim:\n{self.log()}")

    def log(self) -> str:
        path = self.dir / "log" / "mainlog"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self):
        if self.daemon:
            self.daemon.terminate()
            self.daemon.wait(timeout=10)


MDA_SCRIPT = r'''
import os, signal, sys, time
recipient, outdir = sys.argv[1], sys.argv[2]
local = recipient.split("@")[0]
data = sys.stdin.buffer.read()
print("mda-marker: stderr of", local, file=sys.stderr)
if local == "tempfail":
    sys.exit(75)
if local == "fail":
    sys.exit(1)
if local == "nouser":
    sys.exit(67)
if local == "killed":
    os.kill(os.getpid(), signal.SIGKILL)
if local == "hang":
    with open(os.path.join(outdir, "hang.pid"), "w") as f:
        f.write(str(os.getpid()))
    time.sleep(300)
name = os.path.join(outdir, "%s.%d" % (recipient, time.time_ns()))
with open(name + ".env", "w") as f:
    f.write("%s\n%s\n" % (os.environ.get("SENDER"), os.environ.get("RECIPIENT")))
with open(name, "wb") as f:
    f.write(data)
'''


# ---------------------------------------------------------------- the tests

class Delivery(OdmrCase):

    workspace_prefix = "odmr-deliver"

    def setUp(self):
        self.make_workspace(shared=True)
        self.ca = make_test_ca.ensure(self.tmp / "ca")
        self.password_file = write_secret(self.tmp / "password", PASSWORD)
        self.provider = None
        self.proc = None
        self.peer_logs = []

    # -- the two sides

    def start_provider(self, messages, **config):
        self.provider = Provider(ProviderConfig(
            user=USER, password=PASSWORD, domains=DOMAINS, certfile=str(self.ca.cert("server")),
            keyfile=str(self.ca.key("server")), timeout=30, **config))
        ids = self.provider.queue.add_all(messages)
        self.provider.start()
        self.addCleanup(self.provider.stop)
        return ids

    def fetch(self, deliver, *options, file_size_limit=None):
        argv = [self.binary, "-vv", "--host", f"localhost:{self.provider.port}", "--user", USER,
                "--password-file", str(self.password_file), "--tls-ca-file", str(self.ca.ca_pem),
                "--deliver", deliver, *RETRY_DELAY, *options, *DOMAINS]

        def limit():
            if file_size_limit is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))
        try:
            self.proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                       timeout=RUN_TIMEOUT, preexec_fn=limit)
        except subprocess.TimeoutExpired as expired:
            self.proc = expired
            self.fail(f"odmr-fetch did not finish within {RUN_TIMEOUT} s{self.context()}")
        self.provider.wait_idle(timeout=15)
        return self.proc

    def context(self) -> str:
        parts = []
        if self.proc is not None:
            parts.append("command: " + " ".join(map(str, self.proc.args)))
            parts.append(f"exit status: {getattr(self.proc, 'returncode', 'timed out')}")
            err = (getattr(self.proc, "stderr", None) or b"").decode("utf-8", "replace")
            parts.append(f"--- odmr-fetch stderr (last 6000 chars) ---\n{err[-6000:]}")
        if self.provider is not None:
            parts.append(f"--- provider transcripts ---\n{self.provider.transcripts()[-5000:]}")
        for name, log in self.peer_logs:
            parts.append(f"--- {name} ---\n{log()[-3000:]}")
        return "\n\n" + "\n".join(parts)

    # -- peers, stopped after the test

    def dovecot(self, users):
        peer = Dovecot(self.tmp / "dovecot", users)
        self.addCleanup(peer.stop)
        self.peer_logs.append(("dovecot log", peer.log))
        return peer

    def exim(self, daemon=False):
        peer = Exim(self.tmp / "exim")
        self.addCleanup(peer.stop)
        self.peer_logs.append(("exim mainlog", peer.log))
        if daemon:
            peer.start_daemon()
        return peer

    def fault_server(self, lmtp=True, unix=False, hang=False):
        path = str(self.tmp / "fault.sock") if unix else None
        server = FaultServer(lmtp, unix_path=path, hang=hang)
        self.addCleanup(server.stop)
        self.peer_logs.append(("fault server", lambda: "\n".join(server.transcript)))
        return server

    # -- assertions

    def assertExit(self, expected):
        self.assertEqual(self.proc.returncode, expected, f"exit status{self.context()}")

    def assertPending(self, expected: dict):
        """The provider's view: message id -> recipients it still holds."""
        queue = self.provider.queue
        held = {m.id: sorted(m.pending) for m in queue.queued()}
        self.assertEqual(held, {k: sorted(v) for k, v in expected.items()},
                         f"what the provider still holds{self.context()}")

    def assertStoredOnce(self, stored: list[bytes], messages, trace=True):
        """STORED (raw files) are MESSAGES, each exactly once, in any order."""
        wanted = sorted(m.message_id for m in messages)
        found = sorted(header_message_id(lf(raw)) for raw in stored)
        self.assertEqual(found, wanted, f"messages in the store{self.context()}")
        by_id = {m.message_id: m for m in messages}
        for raw in stored:
            message = by_id[header_message_id(raw)]
            body = strip_trace(raw)[1] if trace else raw
            self.assertTrue(lf(body).endswith(lf(message.body).split(b"\n\n", 1)[1]),
                            f"body of {message.message_id} differs{self.context()}")

    # ================================================================ maildir

    def test_maildir_routing(self):
        """{domain}/{local}: one copy per Maildir, shared once, Delivered-To per copy."""
        pattern = self.tmp / "mail" / "{domain}" / "{local}"
        to_three = make_message("ada@origin.test", ["alice@example.org", "Bob@example.org",
                                                    "carol@example.com"], "Three boxes", "Hi.\n")
        to_one = make_message("bea@origin.test", ["alice@example.org"], "One box", "Hey.\n")
        self.start_provider([to_three, to_one])
        self.fetch(f"maildir:{pattern}")
        self.assertExit(0)
        self.assertPending({})
        root = self.tmp / "mail"
        alice = maildir_messages(root / "example.org" / "alice")
        bob = maildir_messages(root / "example.org" / "bob")
        carol = maildir_messages(root / "example.com" / "carol")
        self.assertStoredOnce(alice, [to_three, to_one])
        self.assertStoredOnce(bob, [to_three])
        self.assertStoredOnce(carol, [to_three])
        headers, _ = strip_trace(bob[0])
        self.assertEqual(headers, [b"Return-Path: <ada@origin.test>", b"Delivered-To: Bob@example.org"])
        headers, _ = strip_trace(carol[0])
        self.assertIn(b"Delivered-To: carol@example.com", headers)
        self.assertNotIn(b"Delivered-To: alice@example.org", headers, "another recipient leaked")
        self.assertEqual(sorted(p.name for p in (root / "example.org").iterdir()), ["alice", "bob"])

    def test_maildir_shared_by_recipients(self):
        """No placeholder: two recipients, one file with one Delivered-To each."""
        message = make_message("ada@origin.test", ["alice@example.org", "bob@example.com"],
                               "Both of us", "Hello.\n")
        self.start_provider([message])
        self.fetch(f"maildir:{self.tmp / 'Maildir'}")
        self.assertExit(0)
        self.assertPending({})
        stored = maildir_messages(self.tmp / "Maildir")
        self.assertStoredOnce(stored, [message])
        headers, _ = strip_trace(stored[0])
        self.assertEqual(headers[1:], [b"Delivered-To: alice@example.org",
                                       b"Delivered-To: bob@example.com"])

    def test_maildir_hostile_local_parts(self):
        """Local parts with "..", "/", a leading dot: every Maildir stays under the base."""
        base = self.tmp / "mail"
        nasty = ['".."@example.org', '"../../escape"@example.org', '"a/b"@example.org',
                 ".hidden@example.org", '"x\\\\y"@example.org']
        messages = [make_message("ada@origin.test", [r], f"to {r}", "Mind the path.\n")
                    for r in nasty]
        self.start_provider(messages, pipelining=True)
        self.fetch(f"maildir:{base}/{{domain}}/{{local}}")
        self.assertExit(0)
        self.assertPending({})
        names = sorted(p.name for p in (base / "example.org").iterdir())
        self.assertEqual(len(names), len(nasty), names)
        for name in names:
            self.assertFalse(name.startswith("."), name)
            self.assertNotIn("/", name)
        for path in self.tmp.rglob("*"):
            self.assertFalse(path.name == "escape", f"{path} escaped the base directory")
        total = sum(len(maildir_messages(base / "example.org" / n)) for n in names)
        self.assertEqual(total, len(nasty))

    def test_maildir_stale_tmp_cleaned(self):
        """A tmp/ file untouched for 40 hours goes; one from an hour ago stays."""
        maildir = self.tmp / "Maildir"
        for sub in ("tmp", "new", "cur"):
            (maildir / sub).mkdir(parents=True)
        # Names in odmr-fetch's own format: the only ones the cleaner removes.
        old = maildir / "tmp" / "1700000000.M000001P1Q1R0123456789abcdef.host"
        recent = maildir / "tmp" / "1700000000.M000002P2Q2R0123456789abcdef.host"
        old.write_text("left by a crash\n")
        recent.write_text("still being written\n")
        now = time.time()
        os.utime(old, (now - 40 * 3600, now - 40 * 3600))
        os.utime(recent, (now - 3600, now - 3600))
        message = make_message("ada@origin.test", ["alice@example.org"], "Clean up", "Hi.\n")
        self.start_provider([message])
        self.fetch(f"maildir:{maildir}")
        self.assertExit(0)
        self.assertFalse(old.exists(), "the stale tmp/ file is still there")
        self.assertTrue(recent.exists(), "a recent tmp/ file was removed")
        self.assertStoredOnce(maildir_messages(maildir), [message])

    def test_maildir_write_error_mid_message(self):
        """A file size limit (like a full disk) mid-message: that one stays queued, 451."""
        small = [make_message("ada@origin.test", ["alice@example.org"], f"small {i}", "Tiny.\n")
                 for i in range(2)]
        big = make_message("ada@origin.test", ["alice@example.org"], "big", ("y" * 76 + "\n") * 4000)
        ids = self.start_provider([small[0], big, small[1]])
        maildir = self.tmp / "Maildir"
        self.fetch(f"maildir:{maildir}", file_size_limit=64 * 1024)
        self.assertExit(EX_TEMPFAIL)
        self.assertPending({ids[1]: ["alice@example.org"]})
        self.assertTrue(self.provider.queue.get(ids[1]).last_reply.startswith("451"))
        self.assertStoredOnce(maildir_messages(maildir), small)
        self.assertEqual(list((maildir / "tmp").iterdir()), [], "a partial file was left in tmp/")

    def test_maildir_not_writable(self):
        """bob's Maildir cannot be made (a file is in the way): his mail stays queued —
        including the copy for alice in the same message (all or nothing)."""
        base = self.tmp / "mail"
        (base / "example.org").mkdir(parents=True)
        (base / "example.org" / "bob").write_text("not a directory\n")
        for_alice = make_message("ada@origin.test", ["alice@example.org"], "Alice only", "A.\n")
        for_both = make_message("ada@origin.test", ["alice@example.org", "bob@example.org"],
                                "Both", "B.\n")
        ids = self.start_provider([for_alice, for_both])
        self.fetch(f"maildir:{base}/{{domain}}/{{local}}")
        self.assertExit(EX_TEMPFAIL)
        self.assertPending({ids[1]: ["alice@example.org", "bob@example.org"]})
        self.assertTrue(self.provider.queue.get(ids[1]).last_reply.startswith("451"))
        alice = base / "example.org" / "alice"
        self.assertStoredOnce(maildir_messages(alice), [for_alice])
        self.assertEqual(list((alice / "tmp").iterdir()), [])

    # ================================================================ mda

    def test_mda_exit_statuses(self):
        """One run per recipient; 0 stored, 75 / 1 / a signal / a timeout stay queued (4xx),
        67 (user unknown) is permanent (5xx); output reaches the log; the hung one is killed."""
        script = self.tmp / "mda.py"
        script.write_text(MDA_SCRIPT)
        out = self.tmp / "mda-out"
        out.mkdir()
        recipients = ["ok-a@example.org", "tempfail@example.org", "fail@example.org",
                      "killed@example.org", "hang@example.org", "nouser@example.org",
                      "ok-b@example.com"]
        messages = [make_message("ada@origin.test", [r], f"for {r}", f"Body for {r}.\n..dot\n")
                    for r in recipients]
        mixed = make_message("bea@origin.test", ["ok-a@example.org", "tempfail@example.org"],
                             "mixed", "Half of it.\n")
        ids = self.start_provider(messages + [mixed])
        self.fetch(f"mda:{sys.executable} {script} {{recipient}} {out}", "--mda-timeout", "3")
        self.assertExit(EX_TEMPFAIL)
        pending = {ids[i]: [recipients[i]] for i in range(1, 6)}
        pending[ids[7]] = ["tempfail@example.org"]
        self.assertPending(pending)
        replies = {r: self.provider.queue.get(ids[i]).last_reply for i, r in enumerate(recipients)}
        for r in ("tempfail", "fail", "killed", "hang"):
            self.assertTrue(replies[f"{r}@example.org"].startswith("451 4."), replies)
        self.assertTrue(replies["nouser@example.org"].startswith("550 5.1.1"), replies)
        stored = sorted(p for p in out.iterdir() if not p.name.endswith((".env", ".pid")))
        self.assertEqual([p.name.split(".")[0] for p in stored], ["ok-a@example", "ok-a@example",
                                                                  "ok-b@example"])
        by_id = {m.message_id: m for m in messages + [mixed]}
        for path in stored:
            raw = path.read_bytes()
            self.assertNotIn(b"\r\n", raw, "an MDA gets LF line ends")
            message = by_id[header_message_id(strip_trace(raw)[1])]
            self.assertEqual(strip_trace(raw)[1], lf(message.body))
            sender, recipient = Path(str(path) + ".env").read_text().split("\n")[:2]
            self.assertEqual(sender, message.sender)
            self.assertEqual(recipient, path.name.rsplit(".", 1)[0])
        err = self.proc.stderr.decode("utf-8", "replace")
        self.assertIn("mda-marker: stderr of fail", err)
        hung = int((out / "hang.pid").read_text())
        with self.assertRaises(ProcessLookupError, msg="the hung MDA is still running"):
            os.kill(hung, 0)

    def test_mda_exim_sendmail(self):
        """A real MTA's sendmail (Exim, -C config) as the MDA, with the sendmail
        arguments of the mda:sendmail shorthand."""
        exim = self.exim()
        messages = [make_message("ada@origin.test", ["alice@example.org", "bob@example.com"],
                                 "via sendmail", "Queued by Exim.\n"),
                    make_message("", ["alice@example.org"], "a bounce", "Null sender.\n")]
        self.start_provider(messages)
        argv = " ".join(exim.argv("-odi", "-oi", "-f", "{sender}", "--", "{recipient}"))
        self.fetch(f"mda:{argv}")
        self.assertExit(0)
        self.assertPending({})
        exim.wait_delivered(3)
        stored = maildir_messages(exim.maildir)
        self.assertEqual(len(stored), 3)
        envelope_to = sorted(re.search(rb"(?m)^Envelope-to: (\S+)", s).group(1) for s in stored)
        self.assertEqual(envelope_to, [b"alice@example.org", b"alice@example.org", b"bob@example.com"])
        ids = sorted(header_message_id(s) for s in stored)
        self.assertEqual(ids, sorted([messages[0].message_id] * 2 + [messages[1].message_id]))
        null = [s for s in stored if header_message_id(s) == messages[1].message_id][0]
        self.assertIn(b"Return-path: <>", null)

    # ================================================================ lmtp

    def lmtp_mixed(self, endpoint_of):
        dovecot = self.dovecot(["alice@example.org", "bob@example.org"])
        mixed = make_message("ada@origin.test", ["alice@example.org", "bob@example.org",
                                                 "nobody-here@example.org"], "mixed", "Mixed.\n")
        single = make_message("bea@origin.test", ["bob@example.org"], "for bob", "Bob.\n")
        ids = self.start_provider([mixed, single], pipelining=True)
        self.fetch(f"lmtp:{endpoint_of(dovecot)}")
        # Dovecot refused one recipient: a local delivery failure, reported as 75.
        self.assertExit(EX_TEMPFAIL)
        self.assertPending({ids[0]: ["nobody-here@example.org"]})
        # Its RCPT got our 250; its outcome is the reply to the data (one per transaction).
        reply = self.provider.queue.get(ids[0]).last_reply
        self.assertTrue(reply.startswith("550 5.1.1"), reply)
        self.assertIn("doesn't exist", reply, "Dovecot's own words are passed on")
        self.assertStoredOnce(maildir_messages(dovecot.maildir("alice@example.org")), [mixed],
                              trace=True)
        self.assertStoredOnce(maildir_messages(dovecot.maildir("bob@example.org")), [mixed, single])
        return dovecot

    def test_lmtp_dovecot_unix(self):
        """Dovecot over its UNIX socket: a recipient it rejects while another is
        accepted in the same message: both outcomes correct, nothing doubled."""
        dovecot = self.lmtp_mixed(lambda d: f"unix:{d.socket}")
        self.assertIn("LHLO", self.proc.stderr.decode())
        self.assertIn("saved mail to INBOX", dovecot.log())

    def test_lmtp_dovecot_tcp(self):
        """The same over TCP."""
        self.lmtp_mixed(lambda d: f"127.0.0.1:{d.port}")

    def test_lmtp_down(self):
        """Nothing listens: every message stays queued, exit 75."""
        messages = [make_message("ada@origin.test", ["alice@example.org"], "x", "X.\n")]
        ids = self.start_provider(messages)
        self.fetch(f"lmtp:unix:{self.tmp / 'no-such.sock'}")
        self.assertExit(EX_TEMPFAIL)
        self.assertPending({ids[0]: ["alice@example.org"]})
        self.assertTrue(self.provider.queue.get(ids[0]).last_reply.startswith("451"))

    def test_lmtp_451_for_one_recipient(self):
        """The LMTP server answers 451 after the data for one recipient: that one stays."""
        server = self.fault_server(lmtp=True, unix=True)
        # The provider offers the recipients one transaction each while each succeeds
        # (see odmr_provider.py): the failing one comes last.
        message = make_message("ada@origin.test", ["alice@example.org", "bob@example.com",
                                                   "temp451@example.org"], "m", "M.\n")
        ids = self.start_provider([message])
        self.fetch(f"lmtp:{server.address}")
        self.assertExit(EX_TEMPFAIL)
        self.assertPending({ids[0]: ["temp451@example.org"]})
        got = sorted(r for a in server.accepted for r in a.recipients)
        self.assertEqual(got, ["alice@example.org", "bob@example.com"])
        self.assertEqual(self.provider.queue.get(ids[0]).last_reply[:9], "451 4.3.0")

    def test_lmtp_drops_mid_data(self):
        """The LMTP server drops the line in the middle of a message: that message stays
        queued and is nowhere; the next one goes through a new connection."""
        server = self.fault_server(lmtp=True)
        body = "".join(f"line {i}\n" for i in range(50))
        dropped = make_message("ada@origin.test", ["dropdata@example.org"], "cut", body)
        fine = make_message("bea@origin.test", ["alice@example.org"], "fine", "Fine.\n")
        ids = self.start_provider([dropped, fine])
        self.fetch(f"lmtp:{server.address}")
        self.assertExit(EX_TEMPFAIL)
        self.assertPending({ids[0]: ["dropdata@example.org"]})
        self.assertEqual([a.recipients for a in server.accepted], [["alice@example.org"]])
        self.assertGreaterEqual(server.connections, 2)

    # ================================================================ smtp

    def test_smtp_exim_refuses_a_recipient(self):
        """smtp: to an Exim daemon: its 550 for one recipient reaches the provider;
        the others are delivered once."""
        exim = self.exim(daemon=True)
        message = make_message("ada@origin.test", ["alice@example.org", "bob@example.com",
                                                   "refuse-me@example.org"], "smtp", "S.\n")
        ids = self.start_provider([message], pipelining=True)
        self.fetch(f"smtp:127.0.0.1:{exim.port}")
        self.assertExit(EX_TEMPFAIL)
        self.assertPending({ids[0]: ["refuse-me@example.org"]})
        reply = self.provider.queue.get(ids[0]).last_reply
        self.assertTrue(reply.startswith("550 5.1.1"), reply)
        self.assertIn("no such user here", reply)
        exim.wait_delivered(2)
        stored = maildir_messages(exim.maildir)
        self.assertEqual(len(stored), 2)
        self.assertEqual([header_message_id(s) for s in stored], [message.message_id] * 2)

    def test_smtp_451_at_rcpt(self):
        """A local SMTP server deferring a recipient at RCPT: it stays queued, 451."""
        server = self.fault_server(lmtp=False, unix=True)
        message = make_message("ada@origin.test", ["alice@example.org", "rcpt451@example.org"],
                               "m", "M.\n")
        ids = self.start_provider([message])
        self.fetch(f"smtp:{server.address}")
        self.assertExit(EX_TEMPFAIL)
        self.assertPending({ids[0]: ["rcpt451@example.org"]})
        self.assertEqual([a.recipients for a in server.accepted], [["alice@example.org"]])

    # ================================================================ handoff

    def test_handoff_exec_exim(self):
        """handoff:exec: `exim -bs` takes the whole session: its replies are the
        provider's answers (550 for refuse-me straight from Exim)."""
        exim = self.exim()
        messages = [make_message("ada@origin.test", ["alice@example.org"], f"m{i}", "H.\n")
                    for i in range(3)]
        refused = make_message("ada@origin.test", ["refuse-me@example.org", "bob@example.com"],
                               "partly refused", "P.\n")
        ids = self.start_provider(messages + [refused])
        argv = " ".join(exim.argv("-bs", "-odi"))
        self.fetch(f"handoff:exec:{argv}")
        self.assertExit(0)
        self.assertPending({ids[3]: ["refuse-me@example.org"]})
        reply = self.provider.queue.get(ids[3]).replies["refuse-me@example.org"]
        self.assertTrue(reply.startswith("550 5.1.1"), reply)
        exim.wait_delivered(4)
        stored = maildir_messages(exim.maildir)
        self.assertEqual(sorted(header_message_id(s) for s in stored),
                         sorted(m.message_id for m in messages + [refused]))
        self.assertNotIn(b"(odmr-fetch)", b"".join(stored), "a handoff adds nothing")

    def test_handoff_tcp_one_message_per_session(self):
        """handoff:tcp: to an Exim daemon with Exim-style BDAT, one message per session:
        odmr-fetch counts what Exim accepted and comes back for more."""
        exim = self.exim(daemon=True)
        messages = [make_message("ada@origin.test", ["alice@example.org"], f"m{i}", "T.\n")
                    for i in range(3)]
        self.start_provider(messages, one_per_session=True, pipelining=True, chunking=True)
        self.fetch(f"handoff:tcp:127.0.0.1:{exim.port}")
        self.assertExit(0)
        self.assertPending({})
        self.assertGreaterEqual(self.provider.session_count, 3)
        exim.wait_delivered(3)
        self.assertEqual(sorted(header_message_id(s) for s in maildir_messages(exim.maildir)),
                         sorted(m.message_id for m in messages))

    def test_handoff_refused_after_data(self):
        """The local server answers 451 after the data: the provider keeps that message,
        the other one is delivered once, and the run ends with 75."""
        server = self.fault_server(lmtp=False)
        fine = make_message("ada@origin.test", ["alice@example.org"], "fine", "F.\n")
        deferred = make_message("ada@origin.test", ["temp451@example.org"], "later", "L.\n")
        ids = self.start_provider([fine, deferred])
        self.fetch(f"handoff:tcp:{server.address}")
        self.assertExit(EX_TEMPFAIL)
        self.assertPending({ids[1]: ["temp451@example.org"]})
        self.assertTrue(self.provider.queue.get(ids[1]).last_reply.startswith("451 4.3.0"))
        self.assertEqual([a.recipients for a in server.accepted], [["alice@example.org"]])

    def test_handoff_bare_quit_after_turn(self):
        """Exim's 250 to ATRN, then a raw QUIT beneath TLS and a close: no mail (exit 1),
        the local MTA ends cleanly and holds nothing."""
        exim = self.exim()
        ids = self.start_provider([make_message("ada@origin.test", ["alice@example.org"], "x",
                                                "X.\n")], bare_quit_after_turn=True)
        self.fetch("handoff:exec:" + " ".join(exim.argv("-bs", "-odi")))
        self.assertExit(1)
        self.assertPending({ids[0]: ["alice@example.org"]})
        self.assertEqual(maildir_messages(exim.maildir), [])
        self.assertEqual(self.provider.session_count, 1)

    def test_handoff_down(self):
        """Nothing listens: the provider is told 421 and keeps everything; exit 75."""
        messages = [make_message("ada@origin.test", ["alice@example.org"], "x", "X.\n")]
        ids = self.start_provider(messages)
        self.fetch(f"handoff:unix:{self.tmp / 'nothing.sock'}")
        self.assertExit(EX_TEMPFAIL)
        self.assertPending({ids[0]: ["alice@example.org"]})

    def test_handoff_idle_timeout(self):
        """The local server greets and then hangs: odmr-fetch hangs up after --timeout;
        the provider keeps the message."""
        server = self.fault_server(lmtp=False, hang=True)
        messages = [make_message("ada@origin.test", ["alice@example.org"], "x", "X.\n")]
        ids = self.start_provider(messages)
        self.fetch(f"handoff:tcp:{server.address}", "--timeout", "2")
        self.assertExit(EX_TEMPFAIL)
        self.assertPending({ids[0]: ["alice@example.org"]})


if __name__ == "__main__":
    unittest.main()
