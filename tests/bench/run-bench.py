#!/usr/bin/env python3
"""odmr-fetch's benchmark: figures and ratios against this machine's limits.

Usage: tests/bench/run-bench.py BUILD_DIR [--runs N] [--quick]

Each scenario runs odmr-fetch (from BUILD_DIR, a non-sanitizer build)
against tests/bench/fast_provider.py on loopback and reports messages/s,
MB/s, odmr-fetch's CPU time (user+sys from wait4) per message and per GB,
and its peak RSS; the medians of --runs runs. In the same run, on the same
disk and loopback, it measures the limits they are compared with: the
Maildir durable-commit loop, raw loopback TCP, OpenSSL's AES-GCM, and the
CPU `openssl s_client` spends on the same TLS handshake. It prints a
Markdown report on standard output.
"""

import argparse
import json
import os
import pathlib
import re
import shutil
import statistics
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
            return path.read_text()
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
    """Runs a command under `bench_tools measure` (fork, exec, wait4 from C++)."""
    with tempfile.NamedTemporaryFile("r") as out:
        subprocess.run([str(tools), "measure", out.name, *argv], check=True, **kwargs)
        return Usage(out.read())


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

    def fetch(self, mode: str, count: int, size: int, tls: bool, deliver: str | None = None):
        """One odmr-fetch run against the fast provider; returns a result dict."""
        run = pathlib.Path(tempfile.mkdtemp(dir=self.work))
        port_file, result_file = run / "port", run / "result.json"
        provider_argv = [sys.executable, str(HERE / "fast_provider.py"), "--port-file", str(port_file),
                         "--result", str(result_file), "--mode", mode, "--count", str(count),
                         "--size", str(size)]
        if tls:
            provider_argv += ["--cert", str(self.ca / "server.pem"), "--key", str(self.ca / "server.key")]
        provider = subprocess.Popen(provider_argv)
        try:
            port = wait_for(port_file)
            argv = [str(self.binary), "-q", "--host", f"localhost:{port}", "--user", "example.org",
                    "--password-file", str(self.password), "--max-sessions", "1",
                    "--max-message-size", str(1 << 30),
                    "--deliver", deliver or f"maildir:{run / 'Maildir'}", "example.org"]
            argv += ["--tls-ca-file", str(self.ca / "ca.pem")] if tls else ["--tls", "none", "--allow-plaintext-auth"]
            usage = run_measured(self.tools, argv)
            status = usage.status
            provider.wait(timeout=120)
        finally:
            if provider.poll() is None:
                provider.kill()
        acks = json.loads(result_file.read_text())["acks"] if result_file.exists() else 0
        stored = len(os.listdir(run / "Maildir" / "new")) if (run / "Maildir" / "new").exists() else None
        shutil.rmtree(run, ignore_errors=True)
        expected = 1 if count == 0 else 0
        if status != expected or acks != count or (stored is not None and stored != count):
            raise RuntimeError(f"run failed: exit {status}, {acks}/{count} acknowledged, {stored} stored")
        return {"wall": usage.wall, "cpu": usage.cpu, "user": usage.user, "sys": usage.system,
                "rss_mb": usage.maxrss_kib / 1024, "count": count, "bytes": count * size}

    def instructions(self, count: int) -> int:
        """User-space instructions odmr-fetch executes for a plain DATA session of `count`
        4 KiB messages, counted by callgrind (repeatable, unlike CPU time on a busy VM)."""
        run = pathlib.Path(tempfile.mkdtemp(dir=self.work))
        provider = subprocess.Popen([sys.executable, str(HERE / "fast_provider.py"), "--port-file",
                                     str(run / "port"), "--result", str(run / "r.json"), "--count",
                                     str(count), "--size", "4096"])
        try:
            port = wait_for(run / "port")
            out = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={run / 'cg'}",
                                  str(self.binary), "-q", "--host", f"localhost:{port}", "--tls", "none",
                                  "--allow-plaintext-auth", "--password-file", str(self.password),
                                  "--max-sessions", "1", "--deliver", f"maildir:{run / 'M'}", "example.org"],
                                 capture_output=True, text=True).stderr
            provider.wait(timeout=120)
        finally:
            if provider.poll() is None:
                provider.kill()
        shutil.rmtree(run, ignore_errors=True)
        return int(re.search(r"Collected : (\d+)", out).group(1))

    def commit_loop(self, count: int, size: int):
        """(commits per second, CPU microseconds per commit) of the minimal durable loop."""
        target = pathlib.Path(tempfile.mkdtemp(dir=self.work))
        out = subprocess.run([str(self.tools), "commit-loop", str(target), str(count), str(size)],
                             check=True, capture_output=True, text=True).stdout
        shutil.rmtree(target, ignore_errors=True)
        rate, cpu = out.split()
        return float(rate), float(cpu)

    def loopback(self, size: int) -> float:
        out = subprocess.run([str(self.tools), "loopback", str(size)], check=True,
                             capture_output=True, text=True).stdout
        return float(out)

    def s_client_cpu(self) -> float:
        """CPU of `openssl s_client` doing EHLO, STARTTLS and the handshake to the provider."""
        run = pathlib.Path(tempfile.mkdtemp(dir=self.work))
        port_file = run / "port"
        provider = subprocess.Popen([sys.executable, str(HERE / "fast_provider.py"), "--port-file",
                                     str(port_file), "--result", str(run / "r.json"), "--count", "0",
                                     "--cert", str(self.ca / "server.pem"), "--key", str(self.ca / "server.key")])
        try:
            port = wait_for(port_file)
            usage = run_measured(self.tools,
                ["openssl", "s_client", "-quiet", "-no_ign_eof", "-connect", f"localhost:{port}",
                 "-starttls", "smtp", "-CAfile", str(self.ca / "ca.pem"), "-verify_return_error",
                 "-servername", "localhost"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            provider.kill()
            provider.wait()
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


def median(values):
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build", type=pathlib.Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smaller scenarios, for a smoke test")
    args = parser.parse_args()
    build = args.build.resolve()
    work = pathlib.Path(tempfile.mkdtemp(prefix="odmr-bench-", dir=str(build)))
    bench = Bench(build, work)
    small = 200 if args.quick else 2000
    medium = 20 if args.quick else 200
    large = (32 if args.quick else 256) << 20

    rows = []

    def scenario(name, mode, count, size, tls, runs=args.runs, paired_loop=None, **kw):
        # With paired_loop=(count, size), each run is preceded by the durable-commit
        # loop, and the ratio is taken per pair: the disk's speed drifts on a busy VM.
        results, ratios = [], []
        for _ in range(runs):
            loop_rate = bench.commit_loop(*paired_loop)[0] if paired_loop else None
            result = bench.fetch(mode, count, size, tls, **kw)
            results.append(result)
            if loop_rate:
                ratios.append(count / result["wall"] / loop_rate)
        wall = median([r["wall"] for r in results])
        cpu = median([r["cpu"] for r in results])
        row = {"name": name, "count": count, "size": size, "wall": wall, "cpu": cpu,
               "user": median([r["user"] for r in results]), "sys": median([r["sys"] for r in results]),
               "rss": max(r["rss_mb"] for r in results), "msgs_s": count / wall if count else 0,
               "mb_s": count * size / wall / 1e6, "us_msg": cpu / count * 1e6 if count else cpu * 1e6,
               "s_gb": cpu / (count * size / 1e9) if count else 0,
               "ratio": median(ratios) if ratios else None}
        rows.append(row)
        print(f"  {name}: {row['msgs_s']:.0f} msg/s, {row['mb_s']:.1f} MB/s, "
              f"{row['us_msg']:.0f} us CPU/msg, peak RSS {row['rss']:.1f} MiB", file=sys.stderr)
        return row

    print("measuring the limits...", file=sys.stderr)
    loops_4k = [bench.commit_loop(300 if not args.quick else 100, 4096) for _ in range(args.runs)]
    commit_4k = median([rate for rate, _ in loops_4k])
    commit_4k_cpu = median([cpu for _, cpu in loops_4k])
    commit_100k = median([bench.commit_loop(100 if not args.quick else 30, 100 * 1024)[0]
                          for _ in range(args.runs)])
    raw_loopback = median([bench.loopback(2 << 30) for _ in range(args.runs)])
    disk_large = median([bench.commit_loop(1, large)[0] for _ in range(args.runs)]) * large / 1e6
    aes128 = openssl_speed("aes-128-gcm")
    aes256 = openssl_speed("aes-256-gcm")
    s_client = median([bench.s_client_cpu() for _ in range(max(args.runs, 5))])

    print("running odmr-fetch...", file=sys.stderr)
    loop_small = (300 if not args.quick else 100, 4096)
    data_4k = scenario(f"{small} x 4 KiB, DATA, Maildir", "data", small, 4096, False, paired_loop=loop_small)
    bdat_4k = scenario(f"{small} x 4 KiB, BDAT pipelined, Maildir", "bdat", small, 4096, False,
                       paired_loop=loop_small)
    data_100k = scenario(f"{medium} x 100 KiB, DATA, Maildir", "data", medium, 100 * 1024, False,
                         paired_loop=(100 if not args.quick else 30, 100 * 1024))
    big_plain = scenario(f"1 x {large >> 20} MiB, DATA, plain", "data", 1, large, False)
    big_bdat = scenario(f"1 x {large >> 20} MiB, BDAT, plain", "bdat", 1, large, False)
    big_tls = scenario(f"1 x {large >> 20} MiB, BDAT, TLS", "bdat", 1, large, True)
    no_mail = scenario("no mail (TLS, AUTH, ATRN -> 453)", "data", 0, 0, True, runs=max(args.runs, 5))
    dovecot = start_dovecot(work)
    if dovecot:
        try:
            scenario(f"{small} x 4 KiB, DATA, lmtp: into Dovecot (reference)", "data", small, 4096, False,
                     deliver=f"lmtp:unix:{dovecot.socket}")
            scenario(f"{small} x 4 KiB, BDAT pipelined, lmtp: into Dovecot (reference)", "bdat", small, 4096,
                     False, deliver=f"lmtp:unix:{dovecot.socket}")
        finally:
            dovecot.stop()
    per_message_ir = None
    if shutil.which("valgrind"):
        print("counting instructions with callgrind...", file=sys.stderr)
        n = 200
        per_message_ir = (bench.instructions(n) - bench.instructions(0)) / n

    print(f"# odmr-fetch benchmark\n")
    print(f"Machine: {os.cpu_count()} cores, {os.uname().release}; medians of {args.runs} runs.\n")
    print("## Limits measured in the same run\n")
    print("| limit | figure |\n| --- | ---: |")
    print(f"| Maildir durable-commit loop, 4 KiB (write, fsync, rename, fsync new/) | {commit_4k:.0f} msg/s |")
    print(f"| its CPU per commit (the system calls' own cost) | {commit_4k_cpu:.0f} µs |")
    print(f"| Maildir durable-commit loop, 100 KiB | {commit_100k:.0f} msg/s |")
    print(f"| raw loopback TCP copy | {raw_loopback:.0f} MB/s |")
    print(f"| one {large >> 20} MiB file written durably into the Maildir (same loop) | {disk_large:.0f} MB/s |")
    print(f"| `openssl speed -evp aes-128-gcm` (16 KiB) | {aes128:.0f} MB/s |")
    print(f"| `openssl speed -evp aes-256-gcm` (16 KiB) | {aes256:.0f} MB/s |")
    print(f"| `openssl s_client` EHLO + STARTTLS + handshake, CPU | {s_client * 1e3:.1f} ms |\n")
    print("## odmr-fetch\n")
    print("| scenario | msg/s | MB/s | CPU per msg (user + sys) | CPU per GB | peak RSS |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        per = r["count"] or 1
        print(f"| {r['name']} | {r['msgs_s']:.0f} | {r['mb_s']:.1f} | {r['us_msg']:.0f} µs "
              f"({r['user'] / per * 1e6:.0f} + {r['sys'] / per * 1e6:.0f}) | {r['s_gb']:.2f} s | {r['rss']:.1f} MiB |")
    tls_gb_openssl = 1e3 / aes256  # seconds per GB for OpenSSL's AES-256-GCM (the negotiated cipher)
    print("\n## Ratios against the targets\n")
    print("| target | measured | goal |\n| --- | ---: | ---: |")
    print("| small messages (DATA) / durable-commit loop (median of paired runs) | "
          f"{data_4k['ratio']:.2f} | ≥ 0.9 |")
    print("| small messages (BDAT pipelined, group commit) / durable-commit loop (paired) | "
          f"{bdat_4k['ratio']:.2f} | ≥ 3 |")
    print(f"| 100 KiB messages / durable-commit loop, 100 KiB (paired) | {data_100k['ratio']:.2f} | ≥ 0.9 |")
    if per_message_ir is not None:
        print(f"| user-space instructions per 4 KiB message (callgrind; at 3 per ns ≈ µs/3000) | "
              f"{per_message_ir:,.0f} (≈ {per_message_ir / 3000:.0f} µs) | ≤ 30 µs |")
    print(f"| CPU per 4 KiB message (DATA) beyond the commit loop's own system calls (rusage) | "
          f"{data_4k['us_msg'] - commit_4k_cpu:.0f} µs | ≤ 30 µs |")
    print(f"| CPU per 4 KiB message (BDAT pipelined) beyond the commit loop's (rusage) | "
          f"{bdat_4k['us_msg'] - commit_4k_cpu:.0f} µs | ≤ 30 µs |")
    print(f"| peak RSS, {large >> 20} MiB message | {max(big_plain['rss'], big_bdat['rss'], big_tls['rss']):.1f} MiB | ≤ 16 MiB |")
    print(f"| large plain (BDAT) throughput / raw loopback | {big_bdat['mb_s'] / raw_loopback:.2f} | ≥ 0.5 |")
    print(f"| large plain (DATA) throughput / raw loopback | {big_plain['mb_s'] / raw_loopback:.2f} | ≥ 0.5 |")
    print(f"| large plain (BDAT) throughput / the disk's durable large write | "
          f"{big_bdat['mb_s'] / disk_large:.2f} | (the real bound) |")
    print(f"| TLS CPU per GB / OpenSSL AES-256-GCM per GB | {big_tls['s_gb'] / tls_gb_openssl:.2f} | ≤ 2 |")
    print(f"| no-mail session CPU / s_client handshake CPU | {no_mail['cpu'] / s_client:.2f} | ≤ 1.2 |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
