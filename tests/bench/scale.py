"""Many accounts in one run, and a long poll loop.

- Accounts: N account files in a scratch XDG_CONFIG_HOME, each with its own
  domain (dNNN.bench) and Maildir, all on one provider whose queue holds
  `per_account` messages for each domain; `odmr-fetch --all --jobs J`
  measured as one process (wall, CPU, peak RSS). The provider is
  fast_provider.py --domains (a thread per connection, DATA, no smtplib:
  the rows measure odmr-fetch) or, as a second set of rows, the test
  provider (tests/provider/odmr_provider.py, the one the integration tests
  use: smtplib after the turn, about as much CPU per account as odmr-fetch).
- Polls: one account polled with --interval 10ms and nothing queued;
  VmRSS and the number of open descriptors (/proc/PID/fd) sampled after
  10, 100 and 1,000 polls.
"""

import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time

from bench_core import HERE, ROOT, Bench, run_measured, wait_for

PROVIDER = ROOT / "tests" / "provider" / "odmr_provider.py"


class TestProvider:
    """odmr_provider.py in clear text (CRAM-MD5) for `domains`, as a context manager."""

    def __init__(self, run: pathlib.Path, domains: list[str], per_domain: int):
        self.state = run / "provider.json"
        self.argv = [sys.executable, str(PROVIDER), "--port-file", str(run / "provider-port"),
                     "--state", str(self.state), "--user", "bench", "--password", "bench",
                     "--domains", ",".join(domains), "--no-starttls", "--timeout", "120"]
        if per_domain:
            self.argv += ["--messages", str(per_domain * len(domains)), "--message-size", "4096"]
            for domain in domains:
                self.argv += ["--to", f"user@{domain}"]
        self.port_file = run / "provider-port"

    def __enter__(self):
        self.process = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL)
        self.port = wait_for(self.port_file)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait()

    def left(self) -> int:
        """Messages still queued; exact once the provider has exited."""
        return len(self.read_state().get("queued", []))

    def read_state(self) -> dict:
        for _ in range(100):
            try:
                return json.loads(self.state.read_text())
            except (FileNotFoundError, json.JSONDecodeError):
                time.sleep(0.01)
        return {}


class FastProvider:
    """fast_provider.py --domains: `per_domain` messages for each domain, until SIGTERM."""

    def __init__(self, run: pathlib.Path, domains: list[str], per_domain: int):
        self.port_file, self.result = run / "fast-port", run / "fast-result.json"
        self.argv = [sys.executable, str(HERE / "fast_provider.py"), "--port-file",
                     str(self.port_file), "--result", str(self.result), "--password", "bench",
                     "--domains", ",".join(domains), "--count", str(per_domain),
                     "--size", "4096"]

    __enter__ = TestProvider.__enter__
    __exit__ = TestProvider.__exit__

    def left(self) -> int:
        """Messages not acknowledged; written when the provider exits."""
        try:
            return json.loads(self.result.read_text())["left"]
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            return -1


PROVIDERS = {"fast": FastProvider, "test": TestProvider}


def write_accounts(config: pathlib.Path, run: pathlib.Path, port: str, names: list[str],
                   password: pathlib.Path) -> None:
    directory = config / "odmr-fetch"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(mode=0o700, parents=True)
    for name in names:
        (directory / f"{name}.conf").write_text(
            f"host = localhost:{port}\nuser = bench\ndomains = {name}.bench\n"
            f"password-file = {password}\ntls = none\nauth = cram-md5\n"
            f"deliver = maildir:{run / 'mail' / name}\n")


def accounts(bench: Bench, count: int, jobs: int, per_account: int,
             provider_kind: str = "fast", retry_delay: str = "0") -> dict:
    """One measured `--all` run. `retry_delay`: 0 measures the sessions alone; "3s", the
    default, adds each account's pause before asking once more (Exim needs it)."""
    run = bench.scratch()
    names = [f"d{i:03d}" for i in range(count)]
    config = pathlib.Path(os.environ["XDG_CONFIG_HOME"])
    with PROVIDERS[provider_kind](run, [f"{n}.bench" for n in names], per_account) as provider:
        write_accounts(config, run, provider.port, names, bench.password)
        usage = run_measured(bench.tools, [str(bench.binary), "-q", "--all", "--jobs", str(jobs),
                                           "--retry-delay", retry_delay])
    left = provider.left()  # read once the provider has exited: exact then
    stored = sum(len(os.listdir(run / "mail" / n / "new")) for n in names
                 if (run / "mail" / n / "new").exists())
    shutil.rmtree(run, ignore_errors=True)
    expected = count * per_account
    if usage.status not in (0, 1) or stored != expected or left:
        raise RuntimeError(f"{count} accounts, --jobs {jobs}, {provider_kind} provider: exit "
                           f"{usage.status}, {stored}/{expected} stored, {left} left queued")
    return {"accounts": count, "jobs": jobs, "messages": stored, "wall": usage.wall,
            "cpu": usage.cpu, "rss": usage.maxrss_kib / 1024, "provider": provider_kind,
            "retry_delay": retry_delay}


def polls(bench: Bench, checkpoints: list[int]) -> list[dict]:
    """RSS and open descriptors of one `--interval 10ms` process after each checkpoint."""
    run = bench.scratch()
    config = pathlib.Path(os.environ["XDG_CONFIG_HOME"])
    samples = []
    with TestProvider(run, ["poll.bench"], 0) as provider:
        write_accounts(config, run, provider.port, ["poll"], bench.password)
        proc = subprocess.Popen([str(bench.binary), "-q", "--interval", "10ms", "poll"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for polls_done in checkpoints:
                deadline = time.monotonic() + 600
                while provider.read_state().get("sessions", 0) < polls_done:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"the poll loop stopped before poll {polls_done}")
                    time.sleep(0.05)
                status = pathlib.Path(f"/proc/{proc.pid}/status").read_text()
                rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
                fds = len(os.listdir(f"/proc/{proc.pid}/fd"))
                samples.append({"polls": polls_done, "rss_kib": rss, "fds": fds})
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    shutil.rmtree(run, ignore_errors=True)
    return samples


def accounts_markdown(rows: list[dict]) -> str:
    out = ["| provider | accounts | --jobs | --retry-delay | messages | wall | wall per account | "
           "CPU per account | peak RSS |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        out.append(f"| {r.get('provider', 'test')} | {r['accounts']} | {r['jobs']} | "
                   f"{r.get('retry_delay', '0')} | "
                   f"{r['messages']} | {r['wall']:.2f} s | "
                   f"{r['wall'] / r['accounts'] * 1e3:.1f} ms | "
                   f"{r['cpu'] / r['accounts'] * 1e3:.2f} ms | {r['rss']:.1f} MiB |")
    return "\n".join(out)


def polls_markdown(samples: list[dict]) -> str:
    out = ["| polls | VmRSS | open descriptors |", "| ---: | ---: | ---: |"]
    for s in samples:
        out.append(f"| {s['polls']} | {s['rss_kib']} KiB | {s['fds']} |")
    return "\n".join(out)
