"""The benchmark's building blocks: one measured odmr-fetch run against the
fast provider, and the machine's limits it is compared with (the durable
commit loop, loopback TCP, OpenSSL, an `openssl s_client` handshake).

Every program is measured by `odmr_bench_tools measure` (fork, exec, wait4
from C++): user and system CPU and peak RSS of that process alone.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tests" / "provider"))
import make_test_ca  # noqa: E402


def wait_for(path: pathlib.Path, seconds: float = 20.0) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text().strip()
        time.sleep(0.01)
    raise TimeoutError(f"{path} did not appear")


class Usage:
    def __init__(self, line: str):
        status, wall, user, system, maxrss = line.split()
        self.status, self.wall = int(status), float(wall)
        self.user, self.system, self.maxrss_kib = float(user), float(system), int(maxrss)

    @property
    def cpu(self) -> float:
        return self.user + self.system


def run_measured(tools: pathlib.Path, argv, **kwargs) -> Usage:
    """Runs a command under `bench_tools measure`."""
    with tempfile.NamedTemporaryFile("r") as out:
        subprocess.run([str(tools), "measure", out.name, *argv], check=True, **kwargs)
        return Usage(out.read())


def result(usage: Usage, count: int, size: int) -> dict:
    return {"wall": usage.wall, "cpu": usage.cpu, "user": usage.user, "sys": usage.system,
            "rss_mb": usage.maxrss_kib / 1024, "count": count, "bytes": count * size}


class Provider:
    """fast_provider.py serving one session, as a context manager."""

    def __init__(self, run: pathlib.Path, *args: str):
        self.port_file, self.result_file = run / "port", run / "result.json"
        self.argv = [sys.executable, str(HERE / "fast_provider.py"), "--port-file",
                     str(self.port_file), "--result", str(self.result_file), *args]

    def __enter__(self):
        self.process = subprocess.Popen(self.argv)
        self.port = wait_for(self.port_file)
        return self

    def __exit__(self, *exc):
        try:
            self.process.wait(timeout=120 if exc[0] is None else 1)
        except subprocess.TimeoutExpired:
            pass
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def acks(self) -> int:
        return json.loads(self.result_file.read_text())["acks"] if self.result_file.exists() else 0


class Bench:
    def __init__(self, build: pathlib.Path, work: pathlib.Path):
        self.binary = build / "odmr-fetch"
        self.tools = build / "odmr_bench_tools"
        self.work = work
        self.ca = work / "ca"
        make_test_ca.ensure(self.ca)
        self.password = work / "password"
        self.password.write_text("bench\n")
        self.password.chmod(0o600)
        # Locks, state and configuration of our own: other runs on this
        # machine (other benchmarks, the test suite) use the same account name.
        for name in ("run", "state", "config"):
            (work / name).mkdir(mode=0o700, exist_ok=True)
        os.environ.update(RUNTIME_DIRECTORY=str(work / "run"), STATE_DIRECTORY=str(work / "state"),
                          XDG_CONFIG_HOME=str(work / "config"))

    def scratch(self) -> pathlib.Path:
        return pathlib.Path(tempfile.mkdtemp(dir=self.work))

    @staticmethod
    def discard(path: pathlib.Path, count: int, size: int) -> None:
        """Frees a scratch directory holding a large file at once, and leaves one of many small
        files for the end of the run. This VM's ext4 has no journal, so it will not reuse an
        inode freed within the last minute: every file created after a deletion scans past
        the freshly freed ones (recently_deleted() in perf), and whichever of the commit loop
        and odmr-fetch ran after the other's deletion paid 2-4x the system time per file."""
        if count * size >= 32 << 20 or count <= 1:
            shutil.rmtree(path, ignore_errors=True)

    def provider_tls(self) -> list[str]:
        return ["--cert", str(self.ca / "server.pem"), "--key", str(self.ca / "server.key")]

    def fetch_argv(self, binary: pathlib.Path, port: str, deliver: str, tls: str) -> list[str]:
        argv = [str(binary), "-q", "--host", f"localhost:{port}", "--user", "example.org",
                "--password-file", str(self.password), "--max-sessions", "1",
                "--max-message-size", str(1 << 30), "--deliver", deliver, "example.org"]
        if tls == "none":
            return argv + ["--tls", "none", "--allow-plaintext-auth"]
        return argv + ["--tls", tls, "--tls-ca-file", str(self.ca / "ca.pem")]

    def fetch(self, mode: str, count: int, size: int, tls: bool, deliver: str | None = None,
              binary: pathlib.Path | None = None, window: int = 0, trace: bool = False):
        """One odmr-fetch run against the fast provider; returns a result dict. `trace`:
        each message carries an Exim-style Received field, so duplicate suppression records it."""
        run = self.scratch()
        provider_argv = ["--mode", mode, "--count", str(count), "--size", str(size),
                         "--window", str(window)] + (self.provider_tls() if tls else [])
        provider_argv += ["--trace"] if trace else []
        with Provider(run, *provider_argv) as provider:
            argv = self.fetch_argv(binary or self.binary, provider.port,
                                   deliver or f"maildir:{run / 'Maildir'}",
                                   "starttls" if tls else "none")
            usage = run_measured(self.tools, argv)
        acks = provider.acks()
        new = run / "Maildir" / "new"
        stored = len(os.listdir(new)) if new.exists() else None
        self.discard(run, count, size)
        expected = 1 if count == 0 else 0
        if usage.status != expected or acks != count or (stored is not None and stored != count):
            raise RuntimeError(f"run failed: exit {usage.status}, {acks}/{count} acknowledged, "
                               f"{stored} stored")
        return result(usage, count, size)

    def instructions(self, count: int, binary: pathlib.Path | None = None) -> int:
        """User-space instructions odmr-fetch executes for a plain DATA session of `count`
        4 KiB messages, counted by callgrind (repeatable, unlike CPU time on a busy VM)."""
        run = self.scratch()
        with Provider(run, "--count", str(count), "--size", "4096") as provider:
            argv = self.fetch_argv(binary or self.binary, provider.port, f"maildir:{run / 'M'}",
                                   "none")
            out = subprocess.run(["valgrind", "--tool=callgrind",
                                  f"--callgrind-out-file={run / 'cg'}", *argv],
                                 capture_output=True, text=True).stderr
        self.discard(run, count, 4096)
        return int(re.search(r"Collected : (\d+)", out).group(1))

    def commit_loop(self, count: int, size: int):
        """(commits per second, CPU microseconds per commit) of the minimal durable loop."""
        target = self.scratch()
        out = subprocess.run([str(self.tools), "commit-loop", str(target), str(count), str(size)],
                             check=True, capture_output=True, text=True).stdout
        self.discard(target, count, size)
        rate, cpu = out.split()
        return float(rate), float(cpu)

    def loopback(self, size: int) -> float:
        out = subprocess.run([str(self.tools), "loopback", str(size)], check=True,
                             capture_output=True, text=True).stdout
        return float(out)

    def receive_write(self, size: int):
        """(MB/s, receiver CPU seconds per GB) of the least a receiver of one large message
        must do on this machine: loopback reads into a file, then fsync."""
        target = self.scratch()
        out = subprocess.run([str(self.tools), "receive-write", str(target), str(size)], check=True,
                             capture_output=True, text=True).stdout
        shutil.rmtree(target, ignore_errors=True)
        rate, cpu = out.split()
        return float(rate), float(cpu)

    def s_client_cpu(self) -> float:
        """CPU of `openssl s_client` doing EHLO, STARTTLS and the handshake to the provider."""
        run = self.scratch()
        with Provider(run, "--count", "0", *self.provider_tls()) as provider:
            usage = run_measured(self.tools,
                ["openssl", "s_client", "-quiet", "-no_ign_eof", "-connect",
                 f"localhost:{provider.port}", "-starttls", "smtp", "-CAfile",
                 str(self.ca / "ca.pem"), "-verify_return_error", "-servername", "localhost"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(run, ignore_errors=True)
        return usage.cpu


def openssl_speed(cipher: str) -> float:
    """OpenSSL's own AES-GCM throughput on 16 KiB blocks, MB/s."""
    out = subprocess.run(["openssl", "speed", "-evp", cipher, "-seconds", "2", "-bytes", "16384"],
                         capture_output=True, text=True, check=True).stdout
    line = [l for l in out.splitlines() if l.lower().startswith(cipher)][-1]
    value = line.split()[-1]
    return float(value.rstrip("k")) * 1000 / 1e6


def start_dovecot(work: pathlib.Path):
    """Dovecot's LMTP server as in the delivery tests, or None when not installed."""
    sys.path.insert(0, str(ROOT / "tests" / "integration"))
    try:
        from test_delivery import Dovecot  # noqa: E402
        work.chmod(0o755)  # Dovecot delivers as nobody: it must reach its mail directory
        return Dovecot(work / "dovecot", ["user@example.org"])
    except Exception as e:  # not installed: the reference row is left out
        print(f"no Dovecot reference: {e}", file=sys.stderr)
        return None
