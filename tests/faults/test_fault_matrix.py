#!/usr/bin/env python3
"""The crash and fault matrix (issue 12): faults × delivery kinds.

Faults: the provider cuts the connection at every phase (before the turn:
greeting, EHLO, STARTTLS and its handshake, AUTH, ATRN, right after 250 to
ATRN; after it: EHLO, MAIL, RCPT, DATA, inside DATA and BDAT at several
offsets, right after the end of data, with our 250 lost on the way, right
after reading our 250, before QUIT); `kill -9` of odmr-fetch at random
moments of a long fetch, 30 times in a row; a full disk; a read-only
Maildir. Kinds: maildir, mda, lmtp (Dovecot), smtp (Exim), handoff (Exim).
Each cell is checked for the provider's queue and the store together (see
fault_harness.py), and the counts are printed and kept for RELIABILITY.md.

    ODMR_FETCH=build/odmr-fetch python3 tests/faults/test_fault_matrix.py -v
    ODMR_FAULT_SEED=1234 ...   repeats the random kill moments of a run
"""

import os
import random
import resource
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fault_harness import Cell, FaultCase  # noqa: E402
from fault_stores import KINDS, RECIPIENT  # noqa: E402
from odmr_provider import make_message  # noqa: E402
from fault_scripts import BDAT_OFFSETS, DATA_OFFSETS, Cut, FirstSessionOnly  # noqa: E402

# The cells where a double is a known, documented window (RELIABILITY.md),
# as (kind, fault). Duplicate suppression (src/smtp/resend_record.h) closes
# the lost-250 window for every sink kind, so those cells must not double.
# Left open: handoff, where the reversed session is the local MTA's and so is
# suppressing duplicates; and `kill -9` between the sink's commit and the
# record's fdatasync — for mda, lmtp and smtp the peer finishes its delivery
# after odmr-fetch is gone, for maildir the window is one fdatasync. Any
# other double fails the matrix.
KNOWN_DOUBLES = frozenset({("handoff", "data:end"), ("handoff", "data:lost-250"),
                           ("handoff", "bdat:end"), ("handoff", "bdat:lost-250"),
                           *((kind, "kill -9") for kind in ("maildir", "mda", "lmtp", "smtp",
                                                            "handoff"))})

BEFORE_TURN = ("greeting", "ehlo", "starttls", "tls-handshake", "auth", "atrn", "turn")
ENVELOPE = ("reversed-greeting", "reversed-ehlo", "mail", "rcpt", "data-cmd")
AFTER_DATA = ("end", "lost-250", "after-250")
KILLS = 30  # kills that strike a running odmr-fetch, in a row
KILL_WINDOW = 0.6  # seconds: a kill falls uniformly within this much of a run's start
# (kind, fault, tmpfs size, a big message's octets, the size once there is room again)
DISK_FULL = (("maildir", "disk nearly full", "8m", 0, "64m"),
             ("maildir", "disk full mid-write", "18m", 20 << 20, "64m"),
             ("mda", "disk full", "192k", 400_000, "8m"),
             ("lmtp", "disk full", "192k", 400_000, "8m"),
             ("smtp", "disk full (Exim's spool)", "192k", 400_000, "8m"),
             ("handoff", "disk full (Exim's spool)", "192k", 400_000, "8m"))
KILL_QUEUE, KILL_ARRIVALS, KILL_SIZE = 30, 4, 20_000  # a long fetch: messages, octets


def cut_faults():
    """(fault name, provider configuration) for every cut of the matrix."""
    faults = [(f"cut:{p}", {"cut_at": p}) for p in BEFORE_TURN]
    faults += [(p, {"script": Cut(p)}) for p in ENVELOPE]
    faults += [(f"data:{o}", {"script": Cut(f"data:{o}")}) for o in DATA_OFFSETS]
    faults += [(f"data:{p}", {"script": Cut(p)}) for p in AFTER_DATA]
    faults += [(f"bdat:{o}", {"script": Cut(f"bdat:{o}", chunking=True)}) for o in BDAT_OFFSETS]
    faults += [(f"bdat:{p}", {"script": Cut(p, chunking=True)}) for p in AFTER_DATA]
    faults += [("bdat:pipelined", {"script": Cut("pipelined-bdat", victim=2, chunking=True)})]
    return faults + [("before-quit", {"script": Cut("before-quit", victim=-1)})]


class FaultMatrix(FaultCase):
    needs_dedup = KNOWN_DOUBLES

    # -- the provider cuts the connection

    def cuts(self, kind):
        store = self.open_store(kind)
        for fault, config in cut_faults():
            messages = self.messages(3)
            if "script" in config:
                config = {"script": FirstSessionOnly(config["script"])}
            provider = self.provider(messages, **config)
            cell = Cell(kind, fault, runs=1)
            self.fetch(provider, store)
            session = provider.sessions()[0]
            cell.injected = int(any("[cut at" in text or "[provider hangs up]" in text
                                    for _, text in session.transcript))
            if not cell.injected:
                cell.note = "the cut did not strike"
                self.failures.append(f"{kind} × {fault}: the cut did not strike\n"
                                     + provider.transcripts()[-2000:])
            self.check_acknowledged(cell, store, provider, messages)
            self.finish_cell(cell, store, provider, messages)
            provider.stop()
        self.report(f"connection cuts × {kind}")

    def test_cuts_maildir(self):
        self.cuts("maildir")

    def test_cuts_mda(self):
        self.cuts("mda")

    def test_cuts_lmtp(self):
        self.cuts("lmtp")

    def test_cuts_smtp(self):
        self.cuts("smtp")

    def test_cuts_handoff(self):
        self.cuts("handoff")

    # -- kill -9 of odmr-fetch, 30 times in a row

    def kills(self, kind):
        seed = int(os.environ.get("ODMR_FAULT_SEED") or time.time_ns() % 1_000_000)
        print(f"\nkill -9 × {kind}: seed {seed} (ODMR_FAULT_SEED={seed} repeats it)",
              file=sys.stderr)
        rng = random.Random(seed)
        store = self.open_store(kind)
        messages = self.messages(KILL_QUEUE, size=KILL_SIZE)
        provider = self.provider(messages)
        cell = Cell(kind, "kill -9", note=f"seed {seed}")
        while cell.injected < KILLS and cell.runs < 3 * KILLS:
            more = self.messages(KILL_ARRIVALS, size=KILL_SIZE)  # mail keeps arriving
            provider.queue.add_all(more)
            messages += more
            cell.runs += 1
            cell.injected += self.run_and_kill(provider, store, rng.uniform(0, KILL_WINDOW))
        self.assertEqual(cell.injected, KILLS, "the fetches were too short to be killed")
        self.check_acknowledged(cell, store, provider, messages)
        if store.ours:
            cell.note += f"; {self.backdate_tmp(store)} tmp/ file(s) left by kills, backdated"
        provider.queue.add_all(last := self.messages(1))  # the clean run opens the Maildir
        self.finish_cell(cell, store, provider, messages + last)
        self.report(f"kill -9 × {kind}")

    def run_and_kill(self, provider, store, delay: float) -> int:
        """Start odmr-fetch, SIGKILL it after DELAY seconds; 1 if it was still running."""
        proc = subprocess.Popen(self.argv(provider, store), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=self.env)
        try:
            proc.wait(timeout=delay)
            struck = 0
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            struck = 1
        provider.wait_idle(timeout=25)
        return struck

    @staticmethod
    def backdate_tmp(store) -> int:
        """Make what killed runs left in tmp/ 40 hours old: the cleaner's business now
        (it removes only its own names older than 36 hours, deliver/maildir.cpp)."""
        past = time.time() - 40 * 3600
        leftovers = store.leftovers()
        for path in leftovers:
            os.utime(path, (past, past))
        return len(leftovers)

    def test_kill_maildir(self):
        self.kills("maildir")

    def test_kill_mda(self):
        self.kills("mda")

    def test_kill_lmtp(self):
        self.kills("lmtp")

    def test_kill_smtp(self):
        self.kills("smtp")

    def test_kill_handoff(self):
        self.kills("handoff")

    # -- the disk is full, the Maildir is read-only

    def test_disk_full(self):
        """The disk fills up: what does not fit stays queued, the rest is stored once;
        once there is room again, the next run stores it. A small tmpfs where the kind
        writes (RLIMIT_FSIZE instead when mounting is not allowed). Our Maildir sink
        keeps 16 MiB free (free_space.h): "nearly full" is refused at RCPT (452), and a
        message larger than the check assumed (no SIZE) runs out of space mid-write."""
        for kind, fault, size, big, roomy in DISK_FULL:
            store = self.open_store(kind)
            mounted = self.mount_tmpfs(store.data_dir, f"size={size}")
            if hasattr(store, "prepare"):
                store.prepare()
            messages = self.messages(2) + self.big_messages(big) + self.messages(2)
            provider = self.provider(messages, declare_size="none")
            limit = None if mounted else self.fsize_limit(128 * 1024)
            cell = Cell(kind, fault, runs=1,
                        note=f"tmpfs of {size}" if mounted else "RLIMIT_FSIZE 128 KiB")
            print(f"\n{fault} × {kind}: {cell.note}", file=sys.stderr)
            self.fetch(provider, store, preexec_fn=limit)
            self.note_held(cell, provider)
            self.check_acknowledged(cell, store, provider, messages)
            if mounted:
                subprocess.run(["mount", "-o", f"remount,size={roomy}", str(store.data_dir)],
                               check=True)
            self.finish_cell(cell, store, provider, messages)
        self.report("disk full × kinds")

    @staticmethod
    def note_held(cell, provider):
        """The fault struck when the provider still holds mail; note what we answered."""
        held = provider.queue.queued()
        cell.injected = int(bool(held))
        replies = sorted({m.last_reply.split(" ", 2)[0] + " " + m.last_reply.split(" ", 2)[1]
                          for m in held if m.last_reply.count(" ") >= 1})
        cell.note += f"; held {len(held)}, answered {', '.join(replies) or '-'}"

    def big_messages(self, size: int):
        if not size:
            return []
        lines = ("z" * 76 + "\n") * (size // 77)
        return [make_message("ada@origin.test", [RECIPIENT], f"big {self.serial}", lines)]

    def test_unwritable(self):
        """A read-only Maildir (for Exim: its spool): nothing is acknowledged; once it
        is writable again, everything is stored once. Root ignores permissions, so a
        read-only bind mount; without one (not root), directories of mode 0555."""
        for kind in KINDS:
            store = self.open_store(kind)
            target = store.data_dir
            exim = kind in ("smtp", "handoff")
            for sub in () if exim else ("tmp", "new", "cur"):
                (store.mailbox() / sub).mkdir(parents=True, exist_ok=True)
            if kind == "lmtp":
                subprocess.run(["chown", "-R", "nobody:nogroup", str(target)], check=True)
            how = self.make_read_only(store)
            messages = self.messages(3)
            provider = self.provider(messages)
            what = "spool" if exim else "Maildir"
            cell = Cell(kind, f"read-only {what}", runs=1, note=how)
            self.fetch(provider, store)
            self.note_held(cell, provider)
            self.check_acknowledged(cell, store, provider, messages)
            self.make_writable(store, how)
            self.finish_cell(cell, store, provider, messages)
        self.report("read-only Maildir (Exim: spool) × kinds")

    def make_read_only(self, store) -> str:
        if self.mount_read_only(store.data_dir):
            return "read-only bind mount"
        if os.geteuid() == 0 or store.kind not in ("maildir", "mda"):
            self.skipTest("neither a read-only bind mount nor permissions would hold here")
        for sub in ("tmp", "new", "cur"):
            (store.mailbox() / sub).chmod(0o555)
        return "directories of mode 0555"

    def make_writable(self, store, how: str) -> None:
        if how == "read-only bind mount":
            subprocess.run(["umount", str(store.data_dir)], check=True)
        else:
            for sub in ("tmp", "new", "cur"):
                (store.mailbox() / sub).chmod(0o755)

    # -- mounts

    def mount_tmpfs(self, path: Path, options: str) -> bool:
        path.mkdir(parents=True, exist_ok=True)
        mode = "uid=65534,gid=65534," if "dovecot" in str(path) else ""
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"{mode}{options},mode=0755",
                               "tmpfs", str(path)], capture_output=True)
        if done.returncode == 0:
            self.addCleanup(subprocess.run, ["umount", "-l", str(path)], capture_output=True)
        return done.returncode == 0

    def mount_read_only(self, path: Path) -> bool:
        bind = subprocess.run(["mount", "--bind", str(path), str(path)], capture_output=True)
        if bind.returncode != 0:
            return False
        self.addCleanup(subprocess.run, ["umount", "-l", str(path)], capture_output=True)
        return subprocess.run(["mount", "-o", "remount,bind,ro", str(path)],
                              capture_output=True).returncode == 0

    @staticmethod
    def fsize_limit(size: int):
        def limit():
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        return limit


if __name__ == "__main__":
    unittest.main()
