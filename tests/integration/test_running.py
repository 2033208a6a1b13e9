#!/usr/bin/env python3
"""How accounts run: one run per account (locks), stopping on signals, asking
once more after an empty turn, and the exit status after partial success.

The real odmr-fetch binary against the fake provider (tests/provider/), run
with subprocess.Popen so that tests can overlap runs and send real signals.
Every test checks the exit status, the Maildir (exactly the acknowledged
messages, nothing in tmp/) and what the provider still holds: nothing lost,
nothing doubled, nothing partial.

Locks go to a temporary XDG_RUNTIME_DIR. ODMR_FETCH names the binary (ctest
sets it); by hand:

    ODMR_FETCH=build/odmr-fetch python3 tests/integration/test_running.py -v

Set ODMR_E2E_KEEP=1 to keep each test's temporary directory.
"""

import json
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "provider"))

import make_test_ca  # noqa: E402
import scripted_client as sc  # noqa: E402
from odmr_provider import Provider, ProviderConfig, make_messages  # noqa: E402

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


class Running(unittest.TestCase):
    """One scenario of running accounts per test."""

    @classmethod
    def setUpClass(cls):
        binary = os.environ.get("ODMR_FETCH")
        if not binary or not os.access(binary, os.X_OK):
            raise RuntimeError("set ODMR_FETCH to the odmr-fetch binary (ctest does)")
        cls.binary = os.path.abspath(binary)

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix=f"odmr-run-{self._testMethodName}-"))
        if not os.environ.get("ODMR_E2E_KEEP"):
            self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.ca = make_test_ca.ensure(self.tmp / "ca")
        self.maildir = self.tmp / "Maildir"
        self.password_file = self.tmp / "password"
        descriptor = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(PASSWORD + "\n")
        self.runtime = self.tmp / "run"
        self.runtime.mkdir(mode=0o700)
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("RUNTIME_DIRECTORY", "STATE_DIRECTORY", "JOURNAL_STREAM")}
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

    # -- one run per account

    def test_overlapping_run_exits_75_at_once(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]),
                                  script=deliver_then_pause(SLOW))
        first = self.start()
        self.wait_for_transcript("[pause:")
        began = time.monotonic()
        status, err = self.run_once()
        self.assertEqual(status, EX_TEMPFAIL, f"second run{self.context()}")
        self.assertLess(time.monotonic() - began, 10, "the second run did not exit promptly")
        self.assertIn("another run", err)
        self.assertEqual(self.provider.session_count, 1, "the second run connected")
        # After the stall the first run goes on and delivers both.
        first_status, _ = self.finish(first)
        self.assertEqual(first_status, 0, f"first run{self.context()}")
        self.assertAgree(ids, [])

    def test_lock_wait_waits_for_the_other_run(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]),
                                  script=deliver_then_pause(SLOW))
        first = self.start()
        self.wait_for_transcript("[pause:")
        second = self.start("--lock-wait", "120")
        time.sleep(1)
        self.assertIsNone(second.poll(), "the second run did not wait for the lock")
        self.assertEqual(self.provider.session_count, 1)
        first_status, _ = self.finish(first)
        self.assertEqual(first_status, 0, f"first run{self.context()}")
        status, err = self.finish(second)
        self.assertEqual(status, 1, f"second run: no mail left{self.context()}")
        self.assertIn("locked by another run", err)
        self.assertAgree(ids, [])

    def test_killed_run_leaves_no_lock(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]),
                                  script=deliver_then_pause(SLOW))
        first = self.start()
        self.wait_for_transcript("[pause:")
        first.kill()
        first.wait()
        self.provider.wait_idle(timeout=PROVIDER_TIMEOUT + 5)
        self.provider.config.script = None
        status, _ = self.run_once()
        self.assertEqual(status, 0, f"run after a killed one{self.context()}")
        self.assertAgree(ids, [])

    # -- stopping cleanly

    def stop_run(self, script, signum, transcript_mark="[pause:"):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]), script=script)
        proc = self.start()
        self.wait_for_transcript(transcript_mark)
        began = time.monotonic()
        proc.send_signal(signum)
        status, err = self.finish(proc)
        self.assertLess(time.monotonic() - began, 10, "the stop took too long")
        return ids, status, err

    def assertStoppedAfterFirst(self, ids, status, err):
        # The first message is safe and acknowledged; the second stays queued.
        self.assertEqual(status, 0, f"exit status after a stop with mail delivered{self.context()}")
        self.assertAgree(ids[:1], ids[1:])
        session = self.provider.sessions()[0]
        self.assertIsNotNone(session.script, self.context())
        self.assertIn("421 4.3.2", [r.status for r in session.script.replies],
                      f"the provider was not told 421 4.3.2{self.context()}")
        self.assertEqual(self.summary(err)[2], "delivered, then failed temporarily")
        self.assertEqual(self.provider.session_count, 1, "a new session after the stop")

    def test_sigterm_between_messages(self):
        ids, status, err = self.stop_run(deliver_then_pause(LONG_PAUSE), signal.SIGTERM)
        self.assertStoppedAfterFirst(ids, status, err)

    def test_sigint_between_messages(self):
        ids, status, err = self.stop_run(deliver_then_pause(LONG_PAUSE), signal.SIGINT)
        self.assertStoppedAfterFirst(ids, status, err)

    def test_sigterm_mid_message(self):
        ids, status, err = self.stop_run(pause_mid_message, signal.SIGTERM)
        self.assertStoppedAfterFirst(ids, status, err)

    def test_sigint_mid_message(self):
        ids, status, err = self.stop_run(pause_mid_message, signal.SIGINT)
        self.assertStoppedAfterFirst(ids, status, err)

    def test_stop_before_any_mail_exits_75(self):
        # The provider stalls before its first message: nothing delivered, 75.
        ids = self.start_provider(make_messages(1, ["alice@example.org"]),
                                  script=[sc.Pause(LONG_PAUSE), *sc.quit_steps()])
        proc = self.start()
        self.wait_for_transcript("[pause:")
        proc.send_signal(signal.SIGTERM)
        status, err = self.finish(proc)
        self.assertEqual(status, EX_TEMPFAIL, self.context())
        self.assertEqual(self.summary(err)[2], "stopped")
        self.assertAgree([], ids)

    def test_second_sigint_exits_at_once(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]),
                                  script=pause_mid_message)
        proc = self.start()
        self.wait_for_transcript("[pause:")
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGINT)
        status, _ = self.finish(proc)
        # 130 when the second one came mid-stop, 0 when the stop was already done, or
        # killed by it when it came as the run was exiting.
        self.assertIn(status, (0, 128 + signal.SIGINT, -signal.SIGINT), self.context())
        # Safe either way: the acknowledged message is stored once, the other is queued.
        self.provider.wait_idle(timeout=PROVIDER_TIMEOUT + 5)
        self.assertEqual([d.message_id for d in self.provider.queue.deliveries()], ids[:1])
        self.assertEqual(len(self.files("new")), 1)
        self.assertEqual(sorted(m.id for m in self.provider.queue.queued()), ids[1:])

    # -- asking once more, partial success

    def test_asks_once_more_after_an_empty_turn(self):
        ids = self.start_provider(make_messages(3, ["alice@example.org"]),
                                  one_per_session=True, empty_turns_after_delivery=1)
        status, err = self.run_once("--retry-delay", "200ms")
        self.assertEqual(status, 0, self.context())
        self.assertAgree(ids, [])
        self.assertEqual(self.summary(err)[1], "3")

    def test_without_asking_once_more_mail_is_left(self):
        ids = self.start_provider(make_messages(3, ["alice@example.org"]),
                                  one_per_session=True, empty_turns_after_delivery=1)
        status, _ = self.run_once("--retry-delay", "0")
        self.assertEqual(status, 0, self.context())
        self.assertAgree(ids[:1], ids[1:])

    def test_temporary_failure_after_delivery_exits_0(self):
        # One session is allowed; the "is there more?" connection is refused.
        ids = self.start_provider(make_messages(2, ["alice@example.org"]),
                                  one_per_session=True, max_sessions=1)
        status, err = self.run_once()
        self.assertEqual(status, 0, self.context())
        self.assertRegex(err, r"warning: .*mail was delivered, then")
        self.assertEqual(self.summary(err)[2], "delivered, then failed temporarily")
        self.assertAgree(ids[:1], ids[1:])

    def test_summary_line(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]))
        status, err = self.run_once("--retry-delay", "100ms")
        self.assertEqual(status, 0, self.context())
        self.assertAgree(ids, [])
        line = [x for x in err.splitlines() if "account=" in x][-1]
        # Sessions: the one that delivered, the 453, and asking once more.
        self.assertRegex(line, r"account=example\.org messages=2 octets=[1-9]\d* sessions=3 "
                               r"seconds=\d+\.\d provider=\"localhost port \d+\" tls=TLSv1\.[23] "
                               r"sasl=\S+ outcome=\"delivered\" status=0")

    # -- the poll loop

    def test_interval_sigusr1_polls_now_and_sighup_rereads(self):
        first_box, second_box = self.tmp / "first", self.tmp / "second"
        config = self.tmp / "odmr.conf"
        config.write_text(f"deliver = maildir:{first_box}\n")
        ids = self.start_provider(make_messages(1, ["alice@example.org"]))
        proc = self.start("--interval", "1h", "--retry-delay", "0", "--config", str(config),
                          deliver=False)
        self.wait_until(lambda: self.provider.queue.deliveries(), "the first poll")
        self.wait_until(lambda: "next poll in 1h" in self.log(proc), "the first poll's end")
        config.write_text(f"deliver = maildir:{second_box}\n")
        proc.send_signal(signal.SIGHUP)
        self.wait_until(lambda: "SIGHUP" in self.log(proc), "SIGHUP noticed")
        ids += self.provider.queue.add_all(make_messages(1, ["bob@example.com"]))
        sessions = self.provider.session_count
        proc.send_signal(signal.SIGUSR1)
        self.wait_until(lambda: len(self.provider.queue.deliveries()) == 2, "the second poll")
        self.assertGreater(self.provider.session_count, sessions)
        self.wait_until(lambda: self.log(proc).count("next poll in 1h") == 2, "its end")
        proc.send_signal(signal.SIGTERM)
        status, err = self.finish(proc)
        self.assertEqual(status, 0, f"a stopped poll loop{self.context()}")
        self.assertEqual(len(list((first_box / "new").iterdir())), 1)
        self.assertEqual(len(list((second_box / "new").iterdir())), 1)
        self.assertEqual(self.provider.queue.queued(), [])
        self.assertEqual(sorted(d.message_id for d in self.provider.queue.deliveries()),
                         sorted(ids))

    def test_interval_memory_stays_flat(self):
        self.start_provider([])
        proc = self.start("--interval", "10ms", verbose=False)

        def rss_after(polls):
            self.wait_until(lambda: self.provider.session_count >= polls, f"{polls} polls",
                            timeout=240)
            status = Path(f"/proc/{proc.pid}/status").read_text()
            return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))

        early, late = rss_after(10), rss_after(1000)
        proc.send_signal(signal.SIGTERM)
        status, _ = self.finish(proc)
        self.assertEqual(status, 0, self.context())
        self.assertLess(late - early, 2048, f"RSS grew from {early} kB at poll 10 to {late} kB "
                                            f"at poll 1000")

    # -- logs and reports

    def test_journal_priorities(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]),
                                  one_per_session=True, max_sessions=1)
        status, err = self.finish(self.start(journal=True))
        self.assertEqual(status, 0, self.context())
        self.assertAgree(ids[:1], ids[1:])
        lines = err.splitlines()
        self.assertTrue(lines and all(re.match(r"<[0-7]>odmr-fetch: ", x) for x in lines), err)
        self.assertTrue(any(x.startswith("<4>odmr-fetch: warning: ") for x in lines), err)
        self.assertTrue(any(x.startswith("<5>odmr-fetch: account=example.org ") for x in lines))
        self.assertTrue(any(x.startswith("<6>odmr-fetch: connected to ") for x in lines), err)

    def test_no_priorities_when_stderr_is_not_the_journal(self):
        self.start_provider([])
        self.env["JOURNAL_STREAM"] = "1:1"
        status, err = self.run_once()
        self.assertEqual(status, 1, self.context())
        self.assertFalse(re.search(r"(?m)^<\d>", err), err)

    def test_json_report_and_metrics_file(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]))
        report, metrics = self.tmp / "report.json", self.tmp / "metrics" / "odmr.prom"
        metrics.parent.mkdir()
        status, _ = self.run_once("--retry-delay", "0", "--report-json", str(report),
                                  "--metrics-file", str(metrics))
        self.assertEqual(status, 0, self.context())
        self.assertAgree(ids, [])
        data = json.loads(report.read_text())
        self.assertEqual(data["status"], 0)
        (account,) = data["accounts"]
        self.assertEqual((account["account"], account["messages"], account["outcome"],
                          account["status"], account["error"]),
                         ("example.org", 2, "delivered", 0, None))
        self.assertGreater(account["octets"], 0)
        self.assertRegex(account["tls"], r"TLSv1\.[23]")
        self.assertRegex(account["provider"], r"localhost port \d+")

        def series():
            found = {}
            for line in metrics.read_text().splitlines():
                if line and not line.startswith("#"):
                    name, value = line.rsplit(" ", 1)
                    found[name] = float(value)
            return found

        first = series()
        self.assertEqual(first['odmr_fetch_messages_total{account="example.org"}'], 2)
        self.assertEqual(first['odmr_fetch_runs_total{account="example.org"}'], 1)
        self.assertAlmostEqual(first['odmr_fetch_last_success_timestamp_seconds'
                                     '{account="example.org"}'], time.time(), delta=120)
        # A second run adds to the totals, through "-" the report goes to stdout.
        ids += self.provider.queue.add_all(make_messages(1, ["bob@example.com"]))
        proc = self.start("--retry-delay", "0", "--report-json", "-", "--metrics-file",
                          str(metrics))
        status, _ = self.finish(proc)
        self.assertEqual(status, 0, self.context())
        self.assertEqual(json.loads(proc.out_path.read_text())["accounts"][0]["messages"], 1)
        second = series()
        self.assertEqual(second['odmr_fetch_messages_total{account="example.org"}'], 3)
        self.assertEqual(second['odmr_fetch_runs_total{account="example.org"}'], 2)
        self.assertEqual(second['odmr_fetch_failures_total{account="example.org"}'], 0)
        self.assertEqual(sorted(p.name for p in metrics.parent.iterdir()), ["odmr.prom"])

    def test_status_line_on_a_terminal_only(self):
        ids = self.start_provider(make_messages(2, ["alice@example.org"]))
        primary, secondary = pty.openpty()
        proc = self.start("--retry-delay", "1500ms", verbose=False, stderr=secondary)
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        os.close(primary)
        status, _ = self.finish(proc)
        self.assertEqual(status, 0, self.context())
        text = seen.decode("utf-8", "replace")
        self.assertIn("\r\x1b[K", text, "no status line on a terminal")
        self.assertRegex(text, r"example\.org: waiting to ask again, 2 messages, \d")
        self.assertTrue(text.endswith("\r\x1b[K") or text.rstrip().endswith("status=0"),
                        f"the status line was not cleared: {text[-200:]!r}")
        self.assertAgree(ids, [])
        # Without a terminal: not a trace of it.
        status, err = self.run_once("--retry-delay", "1500ms")
        self.assertEqual(status, 1, self.context())
        self.assertNotIn("\x1b", err)


if __name__ == "__main__":
    unittest.main()
