"""What the tests of running accounts share (test_running.py, test_reports.py): the
fake provider, odmr-fetch started with subprocess.Popen (stderr to a file that a
test can read while it runs), a temporary XDG_RUNTIME_DIR for the locks, and the
check that the Maildir and the provider's queue agree exactly.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "provider"))

import make_test_ca  # noqa: E402
import scripted_client as sc  # noqa: E402,F401
from odmr_provider import Provider, ProviderConfig, make_messages  # noqa: E402,F401
from odmr_case import OdmrCase, write_secret  # noqa: E402

USER = "example.org"
PASSWORD = "odmr test password"
DOMAINS = ("example.org", "example.com")
RUN_TIMEOUT = 60
PROVIDER_TIMEOUT = 20
EX_TEMPFAIL = 75
LONG_PAUSE = 30  # a provider stall that the customer ends early (421 after a signal)
SLOW = 6  # a provider stall long enough for a second run to start and give up


def deliver_then_pause(seconds):
    """A script: deliver the first claim, stall SECONDS (a slow provider; a test acts
    meanwhile; the stall ends early when the customer speaks or closes), then deliver
    the rest and QUIT."""
    def script(claims) -> list:
        steps = [sc.Send(sc.line(f"EHLO {sc.HELLO}")), sc.Expect()]
        steps += sc.deliver_with_data(0, claims[0]) + [sc.Pause(seconds)]
        for index, claim in enumerate(claims[1:], start=1):
            steps += sc.deliver_with_data(index, claim)
        return steps + sc.quit_steps()
    return script


def pause_mid_message(claims) -> list:
    """Deliver the first claim, then send half of the second one's data and stall."""
    steps = [sc.Send(sc.line(f"EHLO {sc.HELLO}")), sc.Expect()]
    steps += sc.deliver_with_data(0, claims[0])
    second = claims[1]
    steps += [sc.Send(sc.envelope(second)), sc.Expect(1 + len(second.recipients)),
              sc.Send(sc.line("DATA")), sc.Expect()]
    payload = sc.data_payload(second)
    return steps + [sc.body_step(payload[: len(payload) // 2]), sc.Pause(LONG_PAUSE),
                    sc.body_step(payload[len(payload) // 2:]), sc.Expect(settles=1),
                    *sc.quit_steps()]


class RunningCase(OdmrCase):
    """The base of the tests of running accounts; one scenario per test."""

    workspace_prefix = "odmr-run"

    def setUp(self):
        self.make_workspace()
        self.ca = make_test_ca.ensure(self.tmp / "ca")
        self.maildir = self.tmp / "Maildir"
        self.password_file = write_secret(self.tmp / "password", PASSWORD)
        self.runtime = Path(os.environ["XDG_RUNTIME_DIR"])  # made by make_workspace
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("RUNTIME_DIRECTORY", "JOURNAL_STREAM")}
        self.env.update(XDG_RUNTIME_DIR=str(self.runtime), HOME=str(self.tmp))
        self.provider = None
        self.procs = []
        self.outputs = {}

    def tearDown(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    # -- the two sides

    def start_provider(self, messages, *, max_sessions=None, **config):
        self.provider = Provider(ProviderConfig(
            user=USER, password=PASSWORD, domains=DOMAINS, certfile=str(self.ca.cert("server")),
            keyfile=str(self.ca.key("server")), timeout=PROVIDER_TIMEOUT, **config),
            max_sessions=max_sessions)
        ids = self.provider.queue.add_all(messages)
        self.provider.start()
        self.addCleanup(self.provider.stop)
        return ids

    def start(self, *options, deliver=True, verbose=True, journal=False, stderr=None):
        """Start odmr-fetch; its stderr goes to a file that log() reads while it runs."""
        argv = [self.binary, *(["-v"] if verbose else []), "--host",
                f"localhost:{self.provider.port}", "--user", USER,
                "--password-file", str(self.password_file), "--tls-ca-file", str(self.ca.ca_pem),
                *(["--deliver", f"maildir:{self.maildir}"] if deliver else []),
                "--timeout", "10", *options, *DOMAINS]
        log = self.tmp / f"stderr-{len(self.procs)}.log"
        out = self.tmp / f"stdout-{len(self.procs)}.log"
        with open(log, "wb") as err, open(out, "wb") as stdout:
            env = dict(self.env)
            if journal:  # stderr is "the journal": JOURNAL_STREAM names it
                st = os.fstat(err.fileno())
                env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout,
                                    stderr=stderr if stderr is not None else err, env=env)
        proc.log_path, proc.out_path = log, out
        self.procs.append(proc)
        return proc

    @staticmethod
    def log(proc) -> str:
        return proc.log_path.read_text("utf-8", "replace")

    def finish(self, proc, timeout=RUN_TIMEOUT):
        """Wait for PROC; return (exit status, stderr)."""
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            self.outputs[proc.pid] = self.log(proc)
            self.fail(f"odmr-fetch did not finish within {timeout} s{self.context()}")
        self.outputs[proc.pid] = self.log(proc)
        return proc.returncode, self.outputs[proc.pid]

    def wait_until(self, condition, what, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.02)
        for proc in self.procs:
            self.outputs[proc.pid] = self.log(proc)
        self.fail(f"timed out waiting for {what}{self.context()}")

    def run_once(self, *options):
        return self.finish(self.start(*options))

    def wait_for_transcript(self, text, timeout=20):
        """Wait until a provider transcript contains TEXT (the provider is stalling)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.provider and text in self.provider.transcripts():
                return
            time.sleep(0.05)
        self.fail(f"the provider never got to {text!r}{self.context()}")

    def context(self) -> str:
        parts = [f"--- odmr-fetch [{pid}] ---\n{err[-3000:]}" for pid, err in self.outputs.items()]
        if self.provider is not None:
            parts.append("--- provider transcripts ---\n" + self.provider.transcripts()[-6000:])
        return "\n\n" + "\n".join(parts)

    # -- assertions

    def files(self, subdir):
        folder = self.maildir / subdir
        return sorted(folder.iterdir()) if folder.is_dir() else []

    def assertAgree(self, delivered_ids, queued_ids):
        """The Maildir holds exactly the acknowledged messages (once each, nothing in
        tmp/), and the provider still holds exactly QUEUED_IDS."""
        self.provider.wait_idle(timeout=PROVIDER_TIMEOUT + 5)
        acknowledged = sorted(d.message_id for d in self.provider.queue.deliveries())
        self.assertEqual(acknowledged, sorted(delivered_ids), f"acknowledged{self.context()}")
        self.assertEqual(len(self.files("new")), len(delivered_ids),
                         f"files in Maildir/new{self.context()}")
        self.assertEqual(self.files("tmp"), [], "a partial file was left in tmp/")
        self.assertEqual(sorted(m.id for m in self.provider.queue.queued()), sorted(queued_ids),
                         f"still queued{self.context()}")

    def summary(self, err):
        found = re.findall(r"account=(\S+) messages=(\d+) .* outcome=\"([^\"]*)\" status=(\d+)",
                           err)
        self.assertTrue(found, f"no summary line{self.context()}")
        return found[-1]
