#!/usr/bin/env python3
"""Make RELIABILITY.md from the fault matrix's results (fault-results/*.json).

    report.py RESULTS_DIR [OUTPUT.md]

Prints the whole matrix (kind × fault) and, with OUTPUT.md, writes the
document: a summary per kind and fault family, then every cell. Fails when
a cell lost a message, left a partial file, or doubled one outside the
known windows (KNOWN_DOUBLES in test_fault_matrix.py).
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

The promise: lost = 0 and partial = 0 everywhere; doubled = 0 everywhere,
including where the provider lost our 250 (it hung up after the end of data
or right after reading our reply): duplicate suppression (odmr-fetch(1),
DUPLICATE SUPPRESSION) answers the copy sent again with 250 and does not
store it. Two windows stay open and are marked "known window" below
(`KNOWN_DOUBLES` in test_fault_matrix.py): handoff, where the reversed
session belongs to the local MTA and so does suppressing duplicates; and
`kill -9` between the sink's commit and the record's fdatasync — for mda,
lmtp and smtp the peer finishes its delivery after odmr-fetch is gone, for
maildir the window is one fdatasync.

Regenerate (about 3 minutes with -j2):

    ctest --test-dir build -j2 -L slow -R faults
    python3 tests/faults/report.py build/tests/faults/fault-results tests/faults/RELIABILITY.md

`ODMR_FAULT_SEED=N` repeats the random kill moments of a run (each kill
test prints its seed).

## What it shows

- Nothing acknowledged is ever missing, and no stored file is a partial
  message, under any fault and kind. A cut anywhere before the end of data
  leaves nothing behind (our Maildir's `tmp/` is clean after every cut;
  files a `kill -9` leaves there are removed by a later run once stale).
- A full disk and a read-only Maildir are answered with 4xx (452 4.3.1 at
  RCPT when `statvfs` shows too little room, 451 when a write fails), so the
  provider keeps the message; the next run with room stores it once.
- Doubles appear only in the known windows: handoff when the provider
  lost our 250 (the local MTA answers for the bridged session), and some
  `kill -9` moments. For mda and lmtp a kill lands in the window more
  often: once the whole message has been handed to the MDA or to Dovecot,
  that process finishes the delivery though odmr-fetch is gone, before the
  record of it is durable. Closing that would need the peer's cooperation
  (or recording before the hand-off, which could lose mail if the hand-off
  then failed — a loss is worse than a double).
"""


def family(fault: str) -> str:
    if fault.startswith("cut:"):
        return "cut before the turn"
    if fault in ("data:end", "data:lost-250", "bdat:end", "bdat:lost-250"):
        return "cut after the end of data (250 lost)"
    if fault.startswith("data:"):
        return "cut inside DATA" if fault != "data:after-250" else "cut after our 250"
    if fault.startswith("bdat:"):
        return "cut after our 250" if fault == "bdat:after-250" else "cut inside BDAT"
    if fault in ("reversed-greeting", "reversed-ehlo", "mail", "rcpt", "data-cmd"):
        return "cut in the envelope"
    if fault == "before-quit":
        return "cut before QUIT"
    return fault


FAMILY_ORDER = ("cut before the turn", "cut in the envelope", "cut inside DATA",
                "cut inside BDAT", "cut after the end of data (250 lost)", "cut after our 250",
                "cut before QUIT", "kill -9")


def kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def load(directory: Path) -> list[Cell]:
    """Every cell, by kind, in the order the tests ran them."""
    cells = []
    for path in sorted(directory.glob("*.json")):
        cells += [Cell(**c) for c in json.loads(path.read_text())["cells"]]
    return sorted(cells, key=lambda c: kind_rank(c.kind))


def summary(cells) -> list[Cell]:
    """One row per kind and fault family, the cells' counts added up."""
    groups: dict = defaultdict(lambda: None)
    for cell in cells:
        key = (cell.kind, family(cell.fault))
        total = groups[key] or Cell(cell.kind, key[1])
        for column in COLUMNS:
            setattr(total, column, getattr(total, column) + getattr(cell, column))
        total.needs_dedup = total.needs_dedup or cell.needs_dedup
        groups[key] = total
    rank = {name: i for i, name in enumerate(FAMILY_ORDER)}
    return sorted(groups.values(),
                  key=lambda c: (kind_rank(c.kind), rank.get(c.fault, len(rank)), c.fault))


def markdown(cells) -> str:
    head = "| kind | fault | " + " | ".join(COLUMNS) + " |"
    rows = [head, "|" + " --- |" * (len(COLUMNS) + 2)]
    for c in cells:
        fault = c.fault + (" (known window)" if c.needs_dedup and c.doubled else "")
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
