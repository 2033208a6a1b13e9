#!/usr/bin/env python3
"""Make RELIABILITY.md from the fault matrix's results (fault-results/*.json).

    report.py RESULTS_DIR [OUTPUT.md]

Prints the whole matrix (kind × fault) and, with OUTPUT.md, writes the
document: a summary per kind and fault family, then every cell. Fails when
a cell lost a message, left a partial file, or doubled one outside the
cells that wait for duplicate suppression (NEEDS_DEDUP).
"""

import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fault_harness import COLUMNS, Cell, format_table  # noqa: E402

KIND_ORDER = ("maildir", "mda", "lmtp", "smtp", "handoff")

INTRO = """# Reliability: the crash and fault matrix

What happens to mail when things go wrong while odmr-fetch receives it:
the provider cuts the connection at every phase of the session, odmr-fetch
is killed with `kill -9` at random moments of a long fetch, the disk fills
up, the Maildir is read-only — for every delivery kind (maildir, mda with a
small real MDA, lmtp into Dovecot, smtp into Exim, handoff into Exim). The
fake provider behaves like a real queue: a message leaves it only once the
provider has read our 250; everything else comes again in the next run.

Each cell is one kind under one fault: the faulty run(s), then a clean run.
**acknowledged**: messages whose 250 the provider read during the faulty
runs (each must already be in the store); **stored**: distinct messages in
the store after the clean run; **lost**: acknowledged but not stored, or
missing at the end; **doubled**: extra copies after the clean run;
**partial**: stored files that are not a whole message the provider sent,
plus files left in our own Maildir's `tmp/` (a killed run's files are
backdated by 40 hours; the next run's cleaner must remove them).

The promise: lost = 0 and partial = 0 everywhere; doubled = 0 everywhere
except where the provider lost our 250 (it hung up after the end of data,
or odmr-fetch was killed between its commit and the provider reading the
250): those cells (`NEEDS_DEDUP` in test_fault_matrix.py) need duplicate
suppression after a lost 250 (issue 12, branch issue12-dedup).

Regenerate (about 3 minutes with -j2):

    ctest --test-dir build -j2 -L slow -R faults
    python3 tests/faults/report.py build/tests/faults/fault-results tests/faults/RELIABILITY.md

`ODMR_FAULT_SEED=N` repeats the random kill moments of a run (each kill
test prints its seed).
"""


def family(fault: str) -> str:
    if fault.startswith("cut:"):
        return "cut before the turn"
    if fault in ("data:end", "data:lost-250", "bdat:end", "bdat:lost-250"):
        return "cut after the end of data (250 lost)"
    if fault.startswith("data:"):
        return "cut inside DATA" if fault != "data:after-250" else "cut after our 250"
    if fault.startswith("bdat:"):
        return "cut inside BDAT" if fault != "bdat:after-250" else "cut after our 250"
    if fault in ("reversed-greeting", "reversed-ehlo", "mail", "rcpt", "data-cmd"):
        return "cut in the envelope"
    if fault == "before-quit":
        return "cut before QUIT"
    return fault


def load(directory: Path) -> list[Cell]:
    cells = []
    for path in sorted(directory.glob("*.json")):
        cells += [Cell(**c) for c in json.loads(path.read_text())["cells"]]
    return sorted(cells, key=lambda c: (KIND_ORDER.index(c.kind)
                                        if c.kind in KIND_ORDER else 99, c.fault))


def summary(cells) -> list[Cell]:
    groups: dict = defaultdict(lambda: None)
    for cell in cells:
        key = (cell.kind, family(cell.fault))
        total = groups[key] or Cell(cell.kind, key[1])
        for column in COLUMNS:
            setattr(total, column, getattr(total, column) + getattr(cell, column))
        total.needs_dedup = total.needs_dedup or cell.needs_dedup
        groups[key] = total
    return list(groups.values())


def markdown(cells) -> str:
    head = "| kind | fault | " + " | ".join(COLUMNS) + " |"
    rows = [head, "|" + " --- |" * (len(COLUMNS) + 2)]
    for c in cells:
        fault = c.fault + (" (needs dedup)" if c.needs_dedup and c.doubled else "")
        fault += f" — {c.note}" if c.note else ""
        rows.append(f"| {c.kind} | {fault} | "
                    + " | ".join(str(getattr(c, col)) for col in COLUMNS) + " |")
    return "\n".join(rows)


def main(argv) -> int:
    cells = load(Path(argv[1]))
    if not cells:
        print(f"no results in {argv[1]}", file=sys.stderr)
        return 1
    print(format_table(cells))
    bad = [c for c in cells if c.lost or c.partial or (c.doubled and not c.needs_dedup)]
    if len(argv) > 2:
        totals = Cell("all", "all cells")
        for c in cells:
            for column in COLUMNS:
                setattr(totals, column, getattr(totals, column) + getattr(c, column))
        Path(argv[2]).write_text(
            INTRO + f"\n## Summary ({time.strftime('%Y-%m-%d', time.gmtime())}, "
            f"{len(cells)} cells)\n\n" + markdown(summary(cells) + [totals])
            + "\n\n## Every cell\n\n" + markdown(cells) + "\n")
    for c in bad:
        print(f"FAILED: {c.kind} × {c.fault}: lost {c.lost}, partial {c.partial}, "
              f"doubled {c.doubled}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
