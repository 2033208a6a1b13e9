#!/usr/bin/env python3
"""End-to-end tests of accounts and credentials.

The real odmr-fetch against the fake provider (tests/provider/), in clear
text (--tls none, CRAM-MD5) so that no CA is needed: account files in a
temporary XDG_CONFIG_HOME with HOME set, defaults.conf, --all,
--print-config, file:line errors, every password source (file, command,
systemd credentials, ~/.netrc, the prompt under a pseudo-terminal), ssh's
permission rule, FIFOs and /dev/zero, and the proxy URL's password.

Every method `test_x` here is ctest test `accounts.x`. By hand:

    ODMR_FETCH=build/odmr-fetch python3 tests/integration/test_accounts.py -v
"""

import os
import pty
import subprocess
import sys
import threading
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "provider"))

from odmr_provider import Provider, ProviderConfig, make_messages  # noqa: E402
from odmr_case import OdmrCase  # noqa: E402

USER = "example.org"
PASSWORD = "odmr test password"
RUN_TIMEOUT = 60
EX_USAGE, EX_CONFIG = 64, 78


class Accounts(OdmrCase):
    """odmr-fetch NAME, its files and its password sources."""

    workspace_prefix = "odmr-accounts"

    def setUp(self):
        self.make_workspace()
        self.home = self.tmp / "home"
        self.config = self.tmp / "config" / "odmr-fetch"
        self.config.mkdir(parents=True)
        self.home.mkdir()
        self.maildir = self.tmp / "Maildir"
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.home),
                    "XDG_CONFIG_HOME": str(self.tmp / "config"),
                    "XDG_RUNTIME_DIR": os.environ["XDG_RUNTIME_DIR"],
                    "STATE_DIRECTORY": os.environ["STATE_DIRECTORY"]}
        self.provider = Provider(ProviderConfig(user=USER, password=PASSWORD,
                                                domains=("example.org", "example.com"),
                                                no_starttls=True, timeout=20))
        self.provider.start(host="127.0.0.1")
        self.addCleanup(self.provider.stop)
        self.proc = None

    # -- helpers

    def write(self, path: Path, text: str, mode: int = 0o600) -> Path:
        path.write_text(text, encoding="utf-8")
        path.chmod(mode)
        return path

    def account(self, name: str, extra: str = "", mode: int = 0o600) -> Path:
        """NAME.conf reaching the provider, without a password source."""
        return self.write(self.config / f"{name}.conf",
                          f"host = \"localhost:{self.provider.port}\"\nuser = {USER}\n"
                          f"tls = none\ndeliver = \"maildir:{self.maildir}\"\n{extra}", mode)

    def password_file(self, mode: int = 0o600) -> Path:
        return self.write(self.tmp / "password", PASSWORD + "\n", mode)

    def run_fetch(self, *argv, env=None, **kwargs):
        environment = dict(self.env, **(env or {}))
        try:
            self.proc = subprocess.run([self.binary, *argv], env=environment, capture_output=True,
                                       stdin=subprocess.DEVNULL, timeout=RUN_TIMEOUT, text=True,
                                       **kwargs)
        except subprocess.TimeoutExpired as expired:
            self.fail(f"odmr-fetch did not finish within {RUN_TIMEOUT} s: {expired}")
        self.provider.wait_idle(timeout=15)
        return self.proc

    def context(self) -> str:
        if self.proc is None:
            return ""
        return (f"\ncommand: {self.proc.args}\nexit status: {self.proc.returncode}\n"
                f"--- stdout ---\n{self.proc.stdout[-3000:]}\n"
                f"--- stderr ---\n{self.proc.stderr[-3000:]}")

    def assertExit(self, expected: int):
        self.assertEqual(self.proc.returncode, expected, f"exit status{self.context()}")

    def assertDelivered(self, count: int):
        self.assertExit(0)
        new = self.maildir / "new"
        self.assertEqual(len(list(new.iterdir())) if new.is_dir() else 0, count, self.context())
        self.assertEqual(self.provider.queue.queued(), [], f"still queued{self.context()}")

    def assertNothingSent(self):
        """Refused before anything was sent: the provider saw no connection at all."""
        self.assertEqual(self.provider.sessions(), [], f"a session was made{self.context()}")

    def atrn_lines(self) -> list[str]:
        return [line for session in self.provider.sessions() for line in session.customer_lines()
                if line.upper().startswith("ATRN")]

    # ---------------------------------------------------------------- accounts

    def test_account_file_with_defaults_conf(self):
        """odmr-fetch NAME: defaults.conf, then NAME.conf; domains default to NAME."""
        self.provider.queue.add_all(make_messages(2, ["alice@example.org"]))
        self.write(self.config / "defaults.conf", "tls = starttls\nmax-sessions = 7\n", 0o644)
        self.account("example.org", f"password-file = {self.password_file()}\n", 0o644)
        self.run_fetch("example.org")
        self.assertDelivered(2)
        self.assertEqual(self.atrn_lines()[0], "ATRN example.org")

    def test_command_line_overrides_the_file(self):
        """An option on the command line wins over the account file."""
        self.provider.queue.add_all(make_messages(1, ["bob@example.com"]))
        self.account("example.org", "password-file = /nonexistent\ndomains = [example.com]\n")
        self.run_fetch("--password-file", str(self.password_file()), "example.org")
        self.assertDelivered(1)
        self.assertEqual(self.atrn_lines()[0], "ATRN example.com")

    def test_name_without_file_is_a_domain(self):
        """The command-line-only form keeps working beside account files."""
        self.provider.queue.add_all(make_messages(1, ["alice@example.org"]))
        self.account("other.example")
        self.run_fetch("--host", f"localhost:{self.provider.port}", "--tls", "none",
                       "--password-file", str(self.password_file()), "--deliver",
                       f"maildir:{self.maildir}", "example.org", "example.com")
        self.assertDelivered(1)
        self.assertEqual(self.atrn_lines()[0], "ATRN example.org,example.com")

    def test_all_fetches_every_account(self):
        """--all: every NAME.conf of the directory, defaults.conf excepted."""
        self.provider.queue.add_all(make_messages(1, ["alice@example.org"]))
        self.provider.queue.add_all(make_messages(1, ["bob@example.com"]))
        password = self.password_file()
        self.write(self.config / "defaults.conf", f"password-file = {password}\n")
        self.account("example.org")
        self.account("example.com")
        listing = self.run_fetch("--all", "--print-config")
        self.assertExit(0)
        self.assertIn("# account example.com (", listing.stdout)
        self.assertIn("# account example.org (", listing.stdout)
        self.assertNotIn("# account defaults", listing.stdout)
        self.run_fetch("--all")
        self.assertDelivered(2)
        self.assertEqual(sorted(set(self.atrn_lines())), ["ATRN example.com", "ATRN example.org"])

    def test_all_gives_the_job_slot_away_while_waiting_to_ask_again(self):
        """--jobs 1: while one account waits --retry-delay to ask once more, the next
        account runs; the pause holds no connection, so it does not hold the slot."""
        self.provider.queue.add_all(make_messages(1, ["alice@example.org"]))
        self.provider.queue.add_all(make_messages(1, ["bob@example.com"]))
        self.write(self.config / "defaults.conf",
                   f"password-file = {self.password_file()}\nretry-delay = 3s\n")
        self.account("example.org")
        self.account("example.com")
        self.run_fetch("--all", "--jobs", "1")
        self.assertDelivered(2)
        # Each account: a delivery, an empty turn, the pause, the second empty turn.
        atrns = self.atrn_lines()
        self.assertEqual(len(atrns), 6, self.context())
        self.assertEqual(sorted(atrns[:4]), ["ATRN example.com"] * 2 + ["ATRN example.org"] * 2,
                         f"the second account waited for the first one's pause{self.context()}")

    def test_errors_name_file_and_line_and_send_nothing(self):
        """An unknown key, a bad value: file:line, exit 78, no connection."""
        self.provider.queue.add_all(make_messages(1, ["alice@example.org"]))
        password = f"password-file = {self.password_file()}\n"  # line 5, after 4 of account()
        for extra, line in (("timeout = 5\nbogus-key = 1\n", 7), ("max-sessions = 0\n", 6),
                            ("[section]\n", 6)):
            with self.subTest(extra=extra):
                path = self.account("example.org", password + extra)
                self.run_fetch("example.org")
                self.assertExit(EX_CONFIG)
                self.assertIn(f"{path}:{line}:", self.proc.stderr)
                self.assertNothingSent()
        path = self.account("example.org", password + "deliver = \"nowhere:x\"\n")
        self.write(path, path.read_text().replace(f"deliver = \"maildir:{self.maildir}\"\n", ""))
        self.run_fetch("example.org")
        self.assertExit(EX_CONFIG)
        self.assertIn(f"{path}:5: unknown delivery kind", self.proc.stderr)
        self.assertNothingSent()

    def test_print_config_shows_origins_and_hides_secrets(self):
        """--print-config: value and origin of each key; a proxy password is hidden."""
        path = self.account("example.org", "proxy = socks5://alice:SECRET@127.0.0.1:9\n")
        self.run_fetch("--print-config", "--timeout", "42", "example.org")
        self.assertExit(0)
        lines = self.proc.stdout.splitlines()
        self.assertIn("# account example.org (" + str(path) + ")", lines)
        self.assertTrue(any(l.startswith("tls = \"none\"") and l.endswith(f"# {path}:3")
                            for l in lines), self.proc.stdout)
        self.assertTrue(any(l.startswith("timeout = 42") and l.endswith("# command line")
                            for l in lines), self.proc.stdout)
        self.assertTrue(any(l.startswith("max-sessions = 100") and l.endswith("# default")
                            for l in lines), self.proc.stdout)
        self.assertTrue(any(l.startswith("domains = [\"example.org\"]") for l in lines))
        self.assertIn("socks5://alice:<hidden>@127.0.0.1:9", self.proc.stdout)
        self.assertNotIn("SECRET", self.proc.stdout + self.proc.stderr)
        self.assertNothingSent()

    # ---------------------------------------------------------------- credentials

    def test_password_command(self):
        """--password-command: the first line it prints, no shell involved."""
        self.provider.queue.add_all(make_messages(1, ["alice@example.org"]))
        script = self.write(self.tmp / "print-password", f"#!/bin/sh\nprintf '%s\\nsecond\\n' "
                            f"'{PASSWORD}'\n", 0o700)
        self.account("example.org", f"password-command = \"{script} --entry 'mail x'\"\n")
        self.run_fetch("example.org")
        self.assertDelivered(1)

    def test_password_command_failure_shows_its_stderr(self):
        """A failing command: exit 78, its stderr shown, nothing sent."""
        self.account("example.org",
                     "password-command = \"sh -c 'echo gpg: no secret key >&2; exit 2'\"\n")
        self.run_fetch("example.org")
        self.assertExit(EX_CONFIG)
        self.assertIn("gpg: no secret key", self.proc.stderr)
        self.assertIn("exited with status 2", self.proc.stderr)
        self.assertNothingSent()

    def test_password_command_timeout(self):
        """A command still running after 30 s is killed: exit 78, nothing sent."""
        script = self.write(self.tmp / "hang", "#!/bin/sh\necho waiting >&2\nsleep 61.25\n",
                            0o700)
        self.account("example.org", f"password-command = {script}\n")
        started = time.monotonic()
        self.run_fetch("example.org")
        elapsed = time.monotonic() - started
        self.assertExit(EX_CONFIG)
        self.assertIn("did not finish within 30 s", self.proc.stderr)
        self.assertIn("waiting", self.proc.stderr)
        self.assertTrue(25 <= elapsed < 50, f"took {elapsed:.1f} s")
        self.assertNothingSent()
        time.sleep(0.5)
        left = [p for p in Path("/proc").iterdir() if p.name.isdigit()
                and b"61.25" in self._cmdline(p)]
        self.assertEqual(left, [], "the command's children were left running")

    @staticmethod
    def _cmdline(process: Path) -> bytes:
        try:
            return (process / "cmdline").read_bytes()
        except OSError:
            return b""

    def test_password_file_and_command_together_are_refused(self):
        """Two explicit sources in one place are a usage error."""
        self.account("example.org")
        self.run_fetch("--password-file", str(self.password_file()), "--password-command",
                       "echo x", "example.org")
        self.assertExit(EX_USAGE)
        self.assertNothingSent()

    def test_netrc_fills_user_and_password(self):
        """~/.netrc: machine = the provider host; its login fills --user."""
        self.provider.queue.add_all(make_messages(1, ["bob@example.com"]))
        self.write(self.home / ".netrc", f"machine other login x password y\n"
                   f"machine localhost\n login {USER}\n password \"{PASSWORD}\"\n")
        self.run_fetch("--host", f"localhost:{self.provider.port}", "--tls", "none",
                       "--deliver", f"maildir:{self.maildir}", "example.com")
        self.assertDelivered(1)  # AUTH as example.org, the netrc login, not example.com
        self.assertEqual(set(self.atrn_lines()), {"ATRN example.com"})

    def test_netrc_readable_by_others_is_refused(self):
        """ssh's rule applies to ~/.netrc when it holds the password."""
        self.write(self.home / ".netrc", f"machine localhost login {USER} password p\n", 0o644)
        self.account("example.org")
        self.run_fetch("example.org")
        self.assertExit(EX_CONFIG)
        self.assertIn("chmod 600", self.proc.stderr)
        self.assertNothingSent()

    def test_systemd_credentials_directory(self):
        """$CREDENTIALS_DIRECTORY/password (LoadCredential=) needs no password option."""
        self.provider.queue.add_all(make_messages(1, ["alice@example.org"]))
        credentials = self.tmp / "credentials"
        credentials.mkdir()
        self.write(credentials / "password", PASSWORD + "\n", 0o440)
        self.account("example.org")
        self.run_fetch("example.org", env={"CREDENTIALS_DIRECTORY": str(credentials)})
        self.assertDelivered(1)

    def test_no_password_source_without_terminal(self):
        """Nothing configured and no terminal: a usage error, nothing sent."""
        self.account("example.org")
        self.run_fetch("example.org")
        self.assertExit(EX_USAGE)
        self.assertIn("--password-file", self.proc.stderr)
        self.assertNothingSent()

    def test_prompt_under_a_pseudo_terminal(self):
        """Standard input a terminal, nothing else configured: asked, without echo."""
        self.provider.queue.add_all(make_messages(1, ["alice@example.org"]))
        self.account("example.org")
        master, slave = pty.openpty()
        proc = subprocess.Popen([self.binary, "example.org"], env=self.env, stdin=slave,
                                stdout=subprocess.PIPE, stderr=slave, close_fds=True)
        os.close(slave)
        seen = bytearray()

        def drain():
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    return
                if not chunk:
                    return
                seen.extend(chunk)

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        deadline = time.monotonic() + 20
        while b"Password for" not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn(b"Password for example.org@localhost: ", bytes(seen))
        os.write(master, PASSWORD.encode() + b"\n")
        status = proc.wait(timeout=RUN_TIMEOUT)
        proc.stdout.close()
        reader.join(timeout=5)
        os.close(master)
        self.provider.wait_idle(timeout=15)
        self.assertEqual(status, 0, bytes(seen).decode(errors="replace"))
        self.assertNotIn(PASSWORD.encode(), bytes(seen), "the password was echoed")
        self.assertEqual(len(list((self.maildir / "new").iterdir())), 1)

    def test_refused_permissions(self):
        """A password file others can read, an account file others can write or that
        holds a proxy password others can read, a file of another user: 78, nothing sent."""
        cases = [
            (lambda: self.account("example.org",
                                  f"password-file = {self.password_file(0o640)}\n"),
             "chmod 600"),
            (lambda: self.account("example.org", f"password-file = {self.password_file()}\n",
                                  0o666), "chmod go-w"),
            (lambda: self.account("example.org", "proxy = socks5://u:SECRET@127.0.0.1:9\n"
                                  f"password-file = {self.password_file()}\n", 0o644),
             "chmod 600"),
        ]
        if os.geteuid() == 0:
            def other_owner():
                path = self.account("example.org", f"password-file = {self.password_file()}\n")
                os.chown(self.tmp / "password", 65534, 65534)
                return path
            cases.append((other_owner, "chown "))
        for make, fix in cases:
            with self.subTest(fix=fix):
                make()
                self.run_fetch("example.org")
                self.assertExit(EX_CONFIG)
                self.assertIn(fix, self.proc.stderr)
                self.assertNotIn("SECRET", self.proc.stderr)
                self.assertNothingSent()
                (self.tmp / "password").unlink()

    def test_fifo_dev_zero_and_long_line_are_refused(self):
        """Issue 12 item 10: nothing hangs, nothing grows, nothing is cut."""
        fifo = self.tmp / "fifo"
        os.mkfifo(fifo)
        long_line = self.write(self.tmp / "long", "p" * 5000 + "\n")
        base = ["--host", f"localhost:{self.provider.port}", "--tls", "none", "example.org"]
        for argv in (["--config", str(fifo)], ["--config", "/dev/zero"],
                     ["--password-file", str(fifo)], ["--password-file", str(long_line)]):
            with self.subTest(argv=argv):
                started = time.monotonic()
                self.run_fetch(*argv, *base)
                self.assertExit(EX_CONFIG)
                self.assertLess(time.monotonic() - started, 10)
                self.assertRegex(self.proc.stderr, "not a regular file|longer than 4096")
                self.assertNothingSent()

    def test_proxy_password_in_url_is_warned_about(self):
        """socks5://user:pass@ works but warns; an error never echoes the password."""
        self.run_fetch("--host", f"localhost:{self.provider.port}", "--tls", "none",
                       "--password-file", str(self.password_file()), "--connect-timeout", "3",
                       "--proxy", "socks5://alice:SECRET@127.0.0.1:1", "example.org")
        self.assertIn("--proxy URL holds a password", self.proc.stderr)
        self.assertNotIn("SECRET", self.proc.stderr)
        self.write(self.tmp / "bad.conf", "proxy = \"socks5://alice:SECRET@127.0.0.1:1\n")
        self.run_fetch("--config", str(self.tmp / "bad.conf"), "example.org")
        self.assertExit(EX_CONFIG)
        self.assertIn("bad.conf:1:", self.proc.stderr)
        self.assertNotIn("SECRET", self.proc.stderr)

    def test_proxy_password_file(self):
        """--proxy-password-file with socks5://USER@HOST: the password stays out of argv."""
        secret = self.write(self.tmp / "proxy-password", "SECRET\n")
        self.account("example.org", f"password-file = {self.password_file()}\n"
                     "proxy = socks5://alice@127.0.0.1:9\n"
                     f"proxy-password-file = {secret}\n")
        self.run_fetch("--print-config", "example.org")
        self.assertIn(f"proxy-password-file = \"{secret}\"", self.proc.stdout)
        self.run_fetch("--connect-timeout", "3", "example.org")
        self.assertNotIn("holds a password", self.proc.stderr)
        self.assertNotIn("SECRET", self.proc.stderr)


if __name__ == "__main__":
    unittest.main()
