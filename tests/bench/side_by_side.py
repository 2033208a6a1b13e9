"""What a user would pick instead: fetchmail in ODMR mode, side by side with
odmr-fetch, on the same queue (the fast provider, DATA, as Exim sends in
clear text) in the same run.

Contenders:
- fetchmail (Debian's package) relaying the reversed session into the
  local SMTP sink: in ODMR mode fetchmail is a proxy between the provider
  and a local SMTP server;
- odmr-fetch --deliver smtp: into the same sink (each message relayed, the
  sink's 250 awaited before ours);
- odmr-fetch --deliver maildir: (each message durable before its 250).

The sink (odmr_bench_sink) accepts and discards: a real SMTP server, but one
whose own cost is near zero, so the figures are those of the relaying
program. (Exim as the sink would add its own spool writes and fsyncs to
both relaying rows and hide the difference.)
"""

import os
import pathlib
import shutil
import signal
import subprocess
import sys

from bench_core import Bench, Provider, result, run_measured, wait_for

# fetchmail over TLS hangs after the first pipelined command (see RESULTS.md);
# a clear-text run of 200 messages takes about 20 s.
FETCHMAIL_TIMEOUT = 60


class Sink:
    """odmr_bench_sink on a free port, as a context manager."""

    def __init__(self, build: pathlib.Path, run: pathlib.Path):
        self.binary = build / "odmr_bench_sink"
        self.port_file, self.count_file = run / "sink-port", run / "sink-count"

    def __enter__(self):
        self.process = subprocess.Popen([str(self.binary), str(self.port_file),
                                         str(self.count_file)])
        self.port = wait_for(self.port_file)
        return self

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait()

    def accepted(self) -> int:
        return int(self.count_file.read_text()) if self.count_file.exists() else 0


def fetchmail_rc(path: pathlib.Path, port: str, sink_port: str, implicit_tls: bool, ca: pathlib.Path):
    ssl = f' ssl sslcertck sslcertfile "{ca}" sslcommonname localhost' if implicit_tls else ""
    path.write_text("set no syslog\n"
                    f"poll 127.0.0.1 protocol ODMR port {port} auth password\n"
                    f'  user "example.org" password "bench"{ssl}\n'
                    "  fetchdomains example.org\n"
                    f"  smtphost 127.0.0.1/{sink_port}\n")
    path.chmod(0o600)


def run_contender(bench: Bench, build: pathlib.Path, name: str, count: int, size: int,
                  implicit_tls: bool) -> dict:
    run = bench.scratch()
    provider_argv = ["--mode", "data", "--count", str(count), "--size", str(size)]
    if implicit_tls:
        provider_argv += ["--implicit-tls", *bench.provider_tls()]
    with Sink(build, run) as sink, Provider(run, *provider_argv) as provider:
        if name == "fetchmail":
            rc = run / "fetchmailrc"
            fetchmail_rc(rc, provider.port, sink.port, implicit_tls, bench.ca / "ca.pem")
            # With TLS it may hang (below): `timeout` ends it; wait4 counts both.
            usage = run_measured(bench.tools, ["timeout", str(FETCHMAIL_TIMEOUT), "fetchmail", "-f", str(rc), "--pidfile",
                                               str(run / "pid"), "--idfile", str(run / "ids")],
                                 env={**os.environ, "HOME": str(run)}, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        else:
            deliver = f"smtp:127.0.0.1:{sink.port}" if name == "smtp" else f"maildir:{run / 'M'}"
            usage = run_measured(bench.tools, bench.fetch_argv(
                bench.binary, provider.port, deliver, "implicit" if implicit_tls else "none"))
    delivered = provider.acks()
    relayed = sink.accepted() if name != "maildir" else delivered
    shutil.rmtree(run, ignore_errors=True)
    if usage.status != 0 or delivered != count or relayed != count:
        raise RuntimeError(f"{name}: exit {usage.status}, {delivered}/{count} acknowledged, "
                           f"{relayed} relayed")
    return result(usage, count, size)


def side_by_side(bench: Bench, build: pathlib.Path, count: int, runs: int, median,
                 quick: bool = False) -> list[dict]:
    """Rows: for clear text and TLS from the first byte, each contender's medians.
    The contenders alternate within each run, so they share the machine's noise."""
    global FETCHMAIL_TIMEOUT
    if quick:
        FETCHMAIL_TIMEOUT = 6
    have_fetchmail = shutil.which("fetchmail") is not None
    if not have_fetchmail:
        print("fetchmail is not installed (packaging/install-debian-deps.sh --bench): "
              "its rows are left out", file=sys.stderr)
    rows = []
    for implicit_tls in (False, True):
        names = (["fetchmail"] if have_fetchmail else []) + ["smtp", "maildir"]
        results = {name: [] for name in names}
        failed = set()  # a contender that failed once (fetchmail hangs over TLS) is not retried
        for _ in range(runs):
            for name in names:
                if name in failed:
                    continue
                try:
                    results[name].append(run_contender(bench, build, name, count, 4096,
                                                       implicit_tls))
                except RuntimeError as e:
                    print(f"  {name}: {e}", file=sys.stderr)
                    failed.add(name)
        for name in names:
            rs = results[name]
            label = {"fetchmail": "fetchmail (ODMR) -> SMTP sink",
                     "smtp": "odmr-fetch --deliver smtp: -> SMTP sink",
                     "maildir": "odmr-fetch --deliver maildir:"}[name]
            transport = "TLS from the first byte" if implicit_tls else "clear text"
            row = {"name": f"{label}, {transport}", "contender": name, "tls": implicit_tls,
                   "count": count, "ok": bool(rs)}
            if rs:
                wall, cpu = median([r["wall"] for r in rs]), median([r["cpu"] for r in rs])
                row.update(wall=wall, msgs_s=count / wall, us_msg=cpu / count * 1e6,
                           rss=max(r["rss_mb"] for r in rs))
            rows.append(row)
            if rs:
                print(f"  {row['name']}: {row['msgs_s']:.0f} msg/s, {row['us_msg']:.0f} us CPU/msg, "
                      f"{row['rss']:.1f} MiB", file=sys.stderr)
    return rows


def markdown(rows: list[dict]) -> str:
    out = ["| contender | wall | msg/s | CPU per msg | peak RSS | wall / fetchmail's | "
           "CPU / fetchmail's |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        if not row["ok"]:
            out.append(f"| {row['name']} | failed | | | | | |")
            continue
        base = next((r for r in rows if r["contender"] == "fetchmail" and r["tls"] == row["tls"]
                     and r["ok"]), None)
        ratio_wall = f"{row['wall'] / base['wall']:.3f}" if base else "–"
        ratio_cpu = f"{row['us_msg'] / base['us_msg']:.2f}" if base else "–"
        out.append(f"| {row['name']} | {row['wall']:.2f} s | {row['msgs_s']:.0f} | "
                   f"{row['us_msg']:.0f} µs | {row['rss']:.1f} MiB | {ratio_wall} | {ratio_cpu} |")
    return "\n".join(out)
