#!/usr/bin/env python3
"""odmr-fetch's benchmark: figures and ratios against this machine's limits.

Usage: tests/bench/run-bench.py BUILD_DIR [--baseline OLD_BUILD_DIR] [--runs N]
                                [--quick] [--json OUT]

BUILD_DIR (and OLD_BUILD_DIR) hold a non-sanitizer build of odmr-fetch,
odmr_bench_tools and odmr_bench_sink. Each scenario runs odmr-fetch against
tests/bench/fast_provider.py on loopback: messages/s, MB/s, CPU (user+sys
from wait4) per message and per GB, peak RSS; medians of --runs runs. With
--baseline, every scenario also runs the old binary, alternating with the
new one, so "before" and "after" share the machine's noise. In the same
run it measures the limits they are compared with (the Maildir
durable-commit loop, raw loopback TCP, OpenSSL's AES-GCM, `openssl
s_client`), fetchmail side by side (side_by_side.py) and many accounts and a
long poll loop (scale.py). Markdown on standard output, ready for RESULTS.md;
progress on standard error. --quick: small scenarios, one run (the test
suite's smoke test).
"""

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench_core import Bench, openssl_speed, start_dovecot  # noqa: E402
import scale  # noqa: E402
import side_by_side  # noqa: E402
import targets  # noqa: E402

median = statistics.median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build", type=pathlib.Path)
    parser.add_argument("--baseline", type=pathlib.Path, help="a build to compare with (before)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smaller scenarios, one run")
    parser.add_argument("--json", type=pathlib.Path, help="also write every figure here")
    args = parser.parse_args()
    if args.quick:
        args.runs = 1
    build = args.build.resolve()
    work = pathlib.Path(tempfile.mkdtemp(prefix="odmr-bench-", dir=str(build)))
    try:
        report = run(args, build, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    print(markdown(report, args))
    return 0


def run(args, build: pathlib.Path, work: pathlib.Path) -> dict:
    bench = Bench(build, work)
    builds = {"after": bench.binary}
    if args.baseline:
        builds = {"before": args.baseline.resolve() / "odmr-fetch", "after": bench.binary}
    print("measuring the limits...", file=sys.stderr)
    limits = measure_limits(bench, args)
    print("running odmr-fetch...", file=sys.stderr)
    rows = targets.scenarios(bench, builds, args.quick, args.runs, limits["large"])
    reference = []
    dovecot = start_dovecot(work)
    if dovecot:
        try:
            reference = targets.dovecot_rows(bench, dovecot, 50 if args.quick else 500, args.runs)
        finally:
            dovecot.stop()
    instructions = {}
    if shutil.which("valgrind") and not sanitized(bench.binary):
        print("counting instructions with callgrind...", file=sys.stderr)
        n = 10 if args.quick else 200
        for label, binary in builds.items():
            instructions[label] = (bench.instructions(n, binary) - bench.instructions(0, binary)) / n
    print("fetchmail side by side...", file=sys.stderr)
    side = side_by_side.side_by_side(bench, build, 20 if args.quick else 200, args.runs, median,
                                     args.quick)
    print("many accounts...", file=sys.stderr)
    counts = [4, 8] if args.quick else [25, 50, 100]
    per_account = 2 if args.quick else 5
    accounts = [scale.accounts(bench, n, 4, per_account) for n in counts[:-1]]
    accounts += [scale.accounts(bench, counts[-1], jobs, per_account) for jobs in (1, 4, 16)]
    # The default pause before asking once more (what a user of Exim runs); then
    # the integration tests' provider (smtplib after the turn): about as much
    # CPU per account as odmr-fetch, so a second set of rows, not the measure.
    accounts_more = [scale.accounts(bench, counts[-1], 4, per_account, "fast", "3s")]
    accounts_more += [scale.accounts(bench, n, 4, per_account, "test") for n in counts]
    print("the poll loop...", file=sys.stderr)
    polls = scale.polls(bench, [10, 30] if args.quick else [10, 100, 1000])
    return {"builds": list(builds), "limits": limits, "rows": rows, "reference": reference,
            "instructions": instructions, "side_by_side": side, "accounts": accounts,
            "accounts_more": accounts_more,
            "polls": polls, "cores": os.cpu_count(), "kernel": os.uname().release,
            "runs": args.runs}


def sanitized(binary: pathlib.Path) -> bool:
    """valgrind cannot run an AddressSanitizer build (the test suite's other build)."""
    libraries = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
    return "libasan" in libraries or "libtsan" in libraries


def measure_limits(bench: Bench, args) -> dict:
    small, medium = (50, 20) if args.quick else (300, 100)
    large = (8 if args.quick else 256) << 20
    loops_4k = [bench.commit_loop(small, 4096) for _ in range(args.runs)]
    floors = [bench.receive_write(large) for _ in range(args.runs)]
    return {
        "large": large,
        "commit_4k": median([rate for rate, _ in loops_4k]),
        "commit_4k_cpu": median([cpu for _, cpu in loops_4k]),
        "commit_100k": median([bench.commit_loop(medium, 100 * 1024)[0] for _ in range(args.runs)]),
        "loopback": median([bench.loopback(2 << 30) for _ in range(args.runs)]),
        "disk_large": median([bench.commit_loop(1, large)[0] for _ in range(args.runs)]) * large / 1e6,
        "receive_write": median([rate for rate, _ in floors]),
        "receive_write_gb": median([cpu for _, cpu in floors]),
        "aes128": openssl_speed("aes-128-gcm"),
        "aes256": openssl_speed("aes-256-gcm"),
        "s_client": median([bench.s_client_cpu() for _ in range(2 if args.quick else max(args.runs, 5))]),
    }


def markdown(report: dict, args) -> str:
    limits = report["limits"]
    out = [f"Machine: {report['cores']} cores, Linux {report['kernel']}; medians of "
           f"{report['runs']} runs{' (--quick)' if args.quick else ''}.\n",
           "## Limits measured in the same run\n", targets.limits_markdown(limits), "",
           "## The targets of issue 13\n", targets.targets_markdown(report), "",
           "## The same figures against what this machine allows\n",
           targets.floors_markdown(report), "",
           "## odmr-fetch, every scenario\n", targets.rows_markdown(report["rows"] + report["reference"]),
           "", "## fetchmail side by side (same provider, same queue, same SMTP sink)\n",
           side_by_side.markdown(report["side_by_side"]), "",
           "## Many accounts (`--all`, one process, clear text; fast_provider.py --domains, "
           "then the default pause, then the test provider)\n",
           scale.accounts_markdown(report["accounts"] + report["accounts_more"]), "",
           "## The poll loop (`--interval 10ms`, nothing queued)\n",
           scale.polls_markdown(report["polls"])]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
