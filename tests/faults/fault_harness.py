"""What the fault matrix's tests share: the provider, odmr-fetch, the counting.

A cell of the matrix is one delivery kind under one fault: the provider
(tests/provider/odmr_provider.py, a real queue: a message leaves it only once
the provider has read our 250) delivers a few messages while the fault
strikes, then a clean run fetches what is left. A cell counts, for the
provider's queue and the local store together:

    runs          odmr-fetch runs (faulty ones and the clean one)
    injected      faults that really struck (a cut the provider made, a kill
                  that hit a running odmr-fetch, a write that failed)
    acknowledged  messages whose 250 the provider read during the faulty runs
    stored        distinct messages in the store after the clean run
    lost          messages acknowledged but not stored, or missing at the end
    doubled       extra copies in the store after the clean run
    partial       stored files that are not a whole message the provider sent,
                  and files left in our Maildir's tmp/

Each test prints its cells as a table and writes them as JSON into
fault-results/ of the working directory (ctest: the build's tests/faults/),
from which report.py makes RELIABILITY.md.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from fault_stores import RECIPIENT, make_store
from test_delivery import lf  # noqa: E402  (tests/integration, likewise)
from test_end_to_end import header_message_id  # noqa: E402

import make_test_ca  # noqa: E402  (tests/provider, on the path via fault_stores)
from odmr_provider import Provider, ProviderConfig, make_messages  # noqa: E402
from odmr_case import OdmrCase, write_secret  # noqa: E402

USER = "example.org"
PASSWORD = "odmr test password"
DOMAINS = ("example.org", "example.com")
RUN_TIMEOUT = 60
COLUMNS = ("runs", "injected", "acknowledged", "stored", "lost", "doubled", "partial")


@dataclass
class Cell:
    kind: str
    fault: str
    runs: int = 0
    injected: int = 0
    acknowledged: int = 0
    stored: int = 0
    lost: int = 0
    doubled: int = 0
    partial: int = 0
    needs_dedup: bool = False
    note: str = ""


def format_table(cells) -> str:
    header = f"{'kind':8} {'fault':28}" + "".join(f"{c:>13}" for c in COLUMNS)
    lines = [header, "-" * len(header)]
    for cell in cells:
        mark = "  (known window)" if cell.needs_dedup and cell.doubled else ""
        lines.append(f"{cell.kind:8} {cell.fault:28}"
                     + "".join(f"{getattr(cell, c):>13}" for c in COLUMNS)
                     + mark + (f"  [{cell.note}]" if cell.note else ""))
    return "\n".join(lines)


def message_id(raw: bytes) -> str:
    return header_message_id(lf(raw))


def body_of(raw: bytes) -> bytes:
    """The text after the header (LF line ends): what must survive unchanged."""
    parts = lf(raw).split(b"\n\n", 1)
    return parts[1] if len(parts) == 2 else b""


class FaultCase(OdmrCase):
    """One test per delivery kind and fault family; see the module text."""

    workspace_prefix = "odmr-faults"

    needs_dedup: frozenset = frozenset()  # (kind, fault): KNOWN_DOUBLES of test_fault_matrix.py

    def setUp(self):
        self.make_workspace(shared=True)
        self.ca = make_test_ca.ensure(self.tmp / "ca")
        self.password_file = write_secret(self.tmp / "password", PASSWORD)
        state = Path(os.environ["STATE_DIRECTORY"])  # made by make_workspace
        self.env = {k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"}
        self.env.update(HOME=str(self.tmp), STATE_DIRECTORY=str(state),
                        XDG_STATE_HOME=str(state))
        self.env.setdefault("XDG_RUNTIME_DIR", str(state))
        self.cells: list[Cell] = []
        self.stores = []
        self.failures: list[str] = []
        self.last_err = ""
        self.serial = 0

    # -- the two sides

    def open_store(self, kind: str):
        store = make_store(kind, self.tmp / f"{kind}-{len(self.stores)}")
        self.stores.append(store)
        self.addCleanup(store.stop)
        return store

    def messages(self, count: int, size: int = 3000):
        """COUNT new messages for the recipient, each with its own Message-ID."""
        self.serial += 1
        return make_messages(count, [RECIPIENT], size=size, seed=self.serial)

    def provider(self, messages, **config) -> Provider:
        provider = Provider(ProviderConfig(
            user=USER, password=PASSWORD, domains=DOMAINS, certfile=str(self.ca.cert("server")),
            keyfile=str(self.ca.key("server")), timeout=20, received_trace=True, **config))
        provider.queue.add_all(messages)
        provider.start()
        self.addCleanup(provider.stop)
        return provider

    def argv(self, provider: Provider, store) -> list[str]:
        return [self.binary, "-v", "--host", f"localhost:{provider.port}", "--user", USER,
                "--password-file", str(self.password_file), "--tls-ca-file", str(self.ca.ca_pem),
                "--deliver", store.deliver(), "--timeout", str(self.timeout_for(store)),
                "--retry-delay", "0", *DOMAINS]

    @staticmethod
    def timeout_for(store) -> int:
        """odmr-fetch's --timeout: short, so a stalled cell ends soon; for handoff it is
        also the bridge's idle limit, and Exim on a loaded machine (ctest -j2 beside a
        package build) has been silent for more than 5 s between two replies."""
        return 20 if store.kind == "handoff" else 5

    def fetch(self, provider: Provider, store, preexec_fn=None) -> int:
        """One run of odmr-fetch to its end; its exit status (never a crash)."""
        try:
            proc = subprocess.run(self.argv(provider, store), stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=RUN_TIMEOUT, env=self.env,
                                  preexec_fn=preexec_fn)
        except subprocess.TimeoutExpired as expired:
            self.fail(f"odmr-fetch did not finish within {RUN_TIMEOUT} s: "
                      f"{(expired.stderr or b'')[-3000:]!r}")
        self.last_err = proc.stderr.decode("utf-8", "replace")
        self.assertGreaterEqual(proc.returncode, 0, f"odmr-fetch died of a signal:\n"
                                f"{self.last_err[-3000:]}")
        provider.wait_idle(timeout=25)
        return proc.returncode

    # -- counting

    def acknowledged(self, provider: Provider, messages) -> set[str]:
        """The Message-IDs of MESSAGES whose 250 the provider has read."""
        by_queue_id = {m.id: m.message_id for m in provider.queue.messages()}
        return {by_queue_id[d.message_id] for d in provider.queue.deliveries()} & {
            m.message_id for m in messages}

    def copies(self, store, messages) -> tuple[Counter, int]:
        """(copies of each of MESSAGES in STORE, files that are not a whole one of them)."""
        store.settle()
        wanted = {m.message_id: m for m in messages}
        copies, partial = Counter(), 0
        for raw in store.messages().values():
            message = wanted.get(message_id(raw))
            if message is None:
                if not message_id(raw):
                    partial += 1  # a truncated header: nobody's message
                continue
            if not body_of(raw).endswith(body_of(message.body)):
                partial += 1
            copies[message.message_id] += 1
        return copies, partial

    def check_acknowledged(self, cell: Cell, store, provider, messages) -> None:
        """Every message the provider saw acknowledged is in the store already."""
        acked = self.acknowledged(provider, messages)
        cell.acknowledged = len(acked)
        copies, _ = self.copies(store, messages)
        missing = [m for m in acked if not copies[m]]
        cell.lost += len(missing)

    def finish_cell(self, cell: Cell, store, provider, messages, *, clean_runs=1) -> Cell:
        """The clean run(s), then the final count and the checks of CELL."""
        provider.config = dataclasses.replace(provider.config, script=None, cut_at="")
        for _ in range(clean_runs):
            self.fetch(provider, store)
            cell.runs += 1
        queued = [m.id for m in provider.queue.queued()]
        copies, partial = self.copies(store, messages)
        cell.stored = sum(1 for m in messages if copies[m.message_id])
        cell.lost += sum(1 for m in messages if not copies[m.message_id])
        cell.doubled = sum(n - 1 for n in copies.values() if n > 1)
        cell.partial = partial + len(store.leftovers())
        cell.needs_dedup = (cell.kind, cell.fault) in self.needs_dedup
        self.cells.append(cell)
        problems = []
        if queued:
            problems.append(f"still queued after the clean run: {queued}")
        if cell.lost or cell.partial:
            problems.append(f"lost {cell.lost}, partial {cell.partial} "
                            f"(tmp/: {[p.name for p in store.leftovers()]})")
        if cell.doubled and not cell.needs_dedup:
            problems.append(f"doubled {cell.doubled}")
        if problems:
            self.failures.append(f"{cell.kind} × {cell.fault}: " + "; ".join(problems)
                                 + f"\n--- last odmr-fetch stderr ---\n{self.last_err[-1500:]}"
                                 + f"\n--- provider ---\n{provider.transcripts()[-2500:]}")
        return cell

    def report(self, title: str) -> None:
        """Print the cells, keep them for report.py, and fail on any problem."""
        print(f"\n{title}\n{format_table(self.cells)}", file=sys.stderr)
        results = Path(os.environ.get("ODMR_FAULT_RESULTS", "fault-results"))
        results.mkdir(parents=True, exist_ok=True)
        (results / f"{self._testMethodName}.json").write_text(json.dumps(
            {"title": title, "cells": [dataclasses.asdict(c) for c in self.cells]}, indent=1))
        if self.failures:
            self.fail("\n\n".join(self.failures))
