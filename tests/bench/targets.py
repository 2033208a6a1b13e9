"""The scenarios behind issue 13's target table, run for each build (before
and after, alternating), and the tables that report them."""

import statistics
import sys

median = statistics.median

# Messages in flight in the group-commit row: a provider that pipelines
# across transactions (RFC 2920 allows it) but bounds what it has not heard
# back about, about what a 128 KiB send buffer holds of 4 KiB messages.
# Exim itself waits for each message's reply: the window-1 row.
WINDOW = 32


def summarise(name, build, count, size, results, ratios) -> dict:
    wall = median([r["wall"] for r in results])
    cpu = median([r["cpu"] for r in results])
    return {"name": name, "build": build, "count": count, "size": size, "wall": wall, "cpu": cpu,
            "user": median([r["user"] for r in results]), "sys": median([r["sys"] for r in results]),
            "rss": max(r["rss_mb"] for r in results), "msgs_s": count / wall if count else 0,
            "mb_s": count * size / wall / 1e6, "us_msg": cpu / count * 1e6 if count else cpu * 1e6,
            "s_gb": cpu / (count * size / 1e9) if count else 0,
            "ratio": median(ratios) if ratios else None}


def scenario(bench, builds, key, name, mode, count, size, tls, runs, paired_loop=None, **kw):
    """Runs each build `runs` times, alternating; with paired_loop=(count, size)
    each run is preceded by the durable-commit loop and the ratio is taken per
    pair (the disk's speed drifts on a busy VM). Returns one row per build."""
    results = {b: [] for b in builds}
    ratios = {b: [] for b in builds}
    for _ in range(runs):
        for build, binary in builds.items():
            loop_rate = bench.commit_loop(*paired_loop)[0] if paired_loop else None
            r = bench.fetch(mode, count, size, tls, binary=binary, **kw)
            results[build].append(r)
            if loop_rate:
                ratios[build].append(count / r["wall"] / loop_rate)
    rows = []
    for build in builds:
        row = summarise(name, build, count, size, results[build], ratios[build])
        row["key"] = key
        rows.append(row)
        ratio = f", {row['ratio']:.2f} x the loop" if row["ratio"] else ""
        print(f"  {name} [{build}]: {row['msgs_s']:.0f} msg/s, {row['mb_s']:.1f} MB/s, "
              f"{row['us_msg']:.0f} us CPU/msg, peak RSS {row['rss']:.1f} MiB{ratio}", file=sys.stderr)
    return rows


def scenarios(bench, builds, quick: bool, runs: int, large: int) -> list[dict]:
    small = 100 if quick else 2000
    medium = 10 if quick else 200
    loop_small = (50 if quick else 300, 4096)
    loop_medium = (20 if quick else 100, 100 * 1024)
    mib = large >> 20
    rows = []
    rows += scenario(bench, builds, "data_4k", f"{small} x 4 KiB, DATA, Maildir", "data", small,
                     4096, False, runs, loop_small)
    rows += scenario(bench, builds, "bdat_4k", f"{small} x 4 KiB, BDAT pipelined (window {WINDOW}), "
                     "Maildir", "bdat", small, 4096, False, runs, loop_small, window=WINDOW)
    rows += scenario(bench, builds, "bdat_4k_exim", f"{small} x 4 KiB, BDAT one at a time "
                     "(window 1, Exim), Maildir", "bdat", small, 4096, False, runs, loop_small,
                     window=1)
    rows += scenario(bench, builds, "data_100k", f"{medium} x 100 KiB, DATA, Maildir", "data",
                     medium, 100 * 1024, False, runs, loop_medium)
    rows += scenario(bench, builds, "big_data", f"1 x {mib} MiB, DATA, plain", "data", 1, large,
                     False, runs)
    rows += scenario(bench, builds, "big_bdat", f"1 x {mib} MiB, BDAT, plain", "bdat", 1, large,
                     False, runs)
    rows += scenario(bench, builds, "big_tls", f"1 x {mib} MiB, BDAT, TLS", "bdat", 1, large, True,
                     runs)
    rows += scenario(bench, builds, "no_mail", "no mail (TLS, AUTH, ATRN -> 453)", "data", 0, 0,
                     True, 2 if quick else max(runs, 5))
    return rows


def dovecot_rows(bench, dovecot, count: int, runs: int) -> list[dict]:
    deliver = f"lmtp:unix:{dovecot.socket}"
    builds = {"after": bench.binary}
    rows = scenario(bench, builds, "lmtp_data", f"{count} x 4 KiB, DATA, lmtp: into Dovecot "
                    "(reference)", "data", count, 4096, False, runs, deliver=deliver)
    rows += scenario(bench, builds, "lmtp_bdat", f"{count} x 4 KiB, BDAT pipelined, lmtp: into "
                     "Dovecot (reference)", "bdat", count, 4096, False, runs, deliver=deliver)
    return rows


def limits_markdown(limits: dict) -> str:
    mib = limits["large"] >> 20
    return "\n".join([
        "| limit | figure |", "| --- | ---: |",
        f"| Maildir durable-commit loop, 4 KiB (write, fsync, rename, fsync new/) | "
        f"{limits['commit_4k']:.0f} msg/s |",
        f"| its CPU per commit (the system calls' own cost) | {limits['commit_4k_cpu']:.0f} µs |",
        f"| Maildir durable-commit loop, 100 KiB | {limits['commit_100k']:.0f} msg/s |",
        f"| raw loopback TCP copy | {limits['loopback']:.0f} MB/s |",
        f"| one {mib} MiB file written durably into the Maildir (same loop) | "
        f"{limits['disk_large']:.0f} MB/s |",
        f"| the least a receiver can do: {mib} MiB from loopback into a file, fsync (C, 256 KiB "
        f"calls) | {limits['receive_write']:.0f} MB/s, {limits['receive_write_gb']:.2f} s CPU per GB |",
        f"| `openssl speed -evp aes-128-gcm` (16 KiB) | {limits['aes128']:.0f} MB/s |",
        f"| `openssl speed -evp aes-256-gcm` (16 KiB) | {limits['aes256']:.0f} MB/s |",
        f"| `openssl s_client` EHLO + STARTTLS + handshake, CPU | {limits['s_client'] * 1e3:.1f} ms |"])


def figures(report: dict, build: str) -> dict:
    """Issue 13's figures for one build, by the target table's rows."""
    limits = report["limits"]
    row = {r["key"]: r for r in report["rows"] if r["build"] == build}
    tls_gb_openssl = 1e3 / limits["aes256"]  # seconds per GB of OpenSSL's AES-256-GCM
    ir = report["instructions"].get(build)
    return {
        "big_loopback": row["big_bdat"]["mb_s"] / limits["loopback"],
        "cpu_gb": row["big_bdat"]["s_gb"],
        "tls_gb": row["big_tls"]["s_gb"] / tls_gb_openssl,
        "medium": row["data_100k"]["ratio"],
        "data": row["data_4k"]["ratio"],
        "bdat": row["bdat_4k"]["ratio"],
        "bdat_exim": row["bdat_4k_exim"]["ratio"],
        "no_mail": row["no_mail"]["cpu"] / limits["s_client"],
        "instructions": ir,
        "rss": max(row["big_bdat"]["rss"], row["big_tls"]["rss"]),
    }


# (key, figure, format, target as text, predicate)
TARGETS = [
    ("big_loopback", "1 x {mib} MiB BDAT, plain, into a Maildir / raw loopback copy", "{:.2f}",
     "≥ 0.6", lambda v: v >= 0.6),
    ("cpu_gb", "CPU per GB, plain, BDAT (user + sys)", "{:.2f} s", "≤ 0.4 s", lambda v: v <= 0.4),
    ("tls_gb", "CPU per GB over TLS / OpenSSL AES-256-GCM per GB (`openssl speed`)", "{:.1f}",
     "≤ 2", lambda v: v <= 2),
    ("medium", "{medium} x 100 KiB / the durable-commit loop at 100 KiB (paired)", "{:.2f}", "≥ 0.9",
     lambda v: v >= 0.9),
    ("data", "{small} x 4 KiB DATA / the durable-commit loop (paired)", "{:.2f}", "≥ 0.9",
     lambda v: v >= 0.9),
    ("bdat", "{small} x 4 KiB pipelined BDAT (window " + str(WINDOW) + "), group commit / the loop "
     "(paired)", "{:.2f}", "≥ 3", lambda v: v >= 3),
    ("bdat_exim", "{small} x 4 KiB BDAT one at a time (window 1, as Exim) / the loop (paired)",
     "{:.2f}", "(no target)", None),
    ("no_mail", "no-mail session CPU / `openssl s_client` handshake CPU", "{:.2f}", "≤ 1.2",
     lambda v: v <= 1.2),
    ("instructions", "user-space instructions per 4 KiB message (callgrind)", "{:,.0f}", "≤ 40 k",
     lambda v: v <= 40000),
    ("rss", "peak RSS, {mib} MiB message, plain and TLS", "{:.1f} MiB", "≤ 12 MiB",
     lambda v: v <= 12),
]


def targets_markdown(report: dict) -> str:
    builds = report["builds"]
    values = {b: figures(report, b) for b in builds}
    count = {r["key"]: r["count"] for r in report["rows"]}
    names = {"mib": report["limits"]["large"] >> 20, "small": count["data_4k"],
             "medium": count["data_100k"]}
    head = "| figure | " + " | ".join(builds) + " | target | met |"
    out = [head, "| --- |" + " ---: |" * (len(builds) + 1) + " --- |"]
    for key, text, fmt, goal, met in TARGETS:
        cells = []
        for b in builds:
            v = values[b][key]
            cells.append("–" if v is None else fmt.format(v))
        last = values[builds[-1]][key]
        verdict = "" if met is None or last is None else ("yes" if met(last) else "**no**")
        out.append(f"| {text.format(**names)} | " + " | ".join(cells) + f" | {goal} | {verdict} |")
    return "\n".join(out)


def rows_markdown(rows: list[dict]) -> str:
    out = ["| scenario | build | msg/s | MB/s | CPU per msg (user + sys) | CPU per GB | peak RSS | "
           "/ loop (paired) |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        per = r["count"] or 1
        ratio = f"{r['ratio']:.2f}" if r["ratio"] else ""
        out.append(f"| {r['name']} | {r['build']} | {r['msgs_s']:.0f} | {r['mb_s']:.1f} | "
                   f"{r['us_msg']:.0f} µs ({r['user'] / per * 1e6:.0f} + {r['sys'] / per * 1e6:.0f}) | "
                   f"{r['s_gb']:.2f} s | {r['rss']:.1f} MiB | {ratio} |")
    return "\n".join(out)


def floors_markdown(report: dict) -> str:
    """Where a target lies below what the machine itself allows, the figure
    against the machine's own floor, measured in the same run."""
    limits = report["limits"]
    builds = report["builds"]
    mib = limits["large"] >> 20
    aes_gb = 1e3 / limits["aes256"]
    out = ["| figure | " + " | ".join(builds) + " | what bounds it |",
           "| --- |" + " ---: |" * len(builds) + " --- |"]

    def line(text, value, fmt, bound):
        cells = []
        for b in builds:
            row = {r["key"]: r for r in report["rows"] if r["build"] == b}
            cells.append(fmt.format(value(row)))
        out.append(f"| {text} | " + " | ".join(cells) + f" | {bound} |")

    floor = f"{limits['receive_write']:.0f} MB/s, {limits['receive_write_gb']:.2f} s/GB"
    line(f"1 x {mib} MiB BDAT, plain / the least a receiver can do (same run)",
         lambda row: row["big_bdat"]["mb_s"] / limits["receive_write"], "{:.2f}",
         f"the disk and the page cache: {floor}, loopback alone {limits['loopback']:.0f} MB/s")
    line("CPU per GB, plain BDAT / the least a receiver can do",
         lambda row: row["big_bdat"]["s_gb"] / limits["receive_write_gb"], "{:.2f}",
         f"kernel copies and writeback: {limits['receive_write_gb']:.2f} s/GB before any parsing")
    line("CPU per GB that TLS adds over plain / AES-256-GCM per GB",
         lambda row: (row["big_tls"]["s_gb"] - row["big_bdat"]["s_gb"]) / aes_gb, "{:.2f}",
         f"the cipher: {aes_gb:.2f} s/GB (`openssl speed`)")
    return "\n".join(out)
