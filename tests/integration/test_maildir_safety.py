#!/usr/bin/env python3
"""The Maildir sink against a local user, with a real run of the binary:
odmr-fetch runs as root and delivers into routed Maildirs
(maildir:BASE/{domain}/{local}) that belong to another user (`nobody`).

- files are given to the Maildir's owner, never left to root;
- a new/ that the owner replaced with a symbolic link is refused (450 at
  RCPT, that recipient only), and nothing lands where the link points;
- a Maildir replaced by a link that its owner made is refused the same way;
- --maildir-existing-only refuses (550) recipients without a Maildir;
- a recipient whose Maildir name cannot exist is refused alone (553).

Run as root (CI does); as another user the ownership tests are skipped.

    ODMR_FETCH=build/odmr-fetch python3 tests/integration/test_maildir_safety.py -v
"""

import os
import pwd
import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "provider"))
sys.path.insert(0, str(HERE))

from odmr_provider import make_message  # noqa: E402
from odmr_case import OdmrCase  # noqa: E402
import test_delivery  # noqa: E402  (not its class by name: unittest would run it here)
from test_delivery import maildir_messages  # noqa: E402

IS_ROOT = os.geteuid() == 0


def owner(path: Path) -> tuple[int, int]:
    st = os.lstat(path)
    return st.st_uid, st.st_gid


def user_maildir(path: Path, uid: int, gid: int, subdirs=("tmp", "new", "cur")) -> Path:
    """A Maildir that belongs to uid:gid, as its user would have made it."""
    path.mkdir(parents=True, mode=0o700)
    for sub in subdirs:
        (path / sub).mkdir(mode=0o700)
    for p in [path, *(path / sub for sub in subdirs)]:
        os.chown(p, uid, gid)
    return path


class MaildirSafety(OdmrCase):
    # The harness of test_delivery.py: provider, binary, assertions.
    _harness = test_delivery.Delivery
    workspace_prefix = _harness.workspace_prefix
    setUp = _harness.setUp
    start_provider = _harness.start_provider
    fetch = _harness.fetch
    context = _harness.context
    assertExit = _harness.assertExit
    assertPending = _harness.assertPending
    assertStoredOnce = _harness.assertStoredOnce

    def user(self):
        if not IS_ROOT:
            self.skipTest("needs root to deliver as another user")
        entry = pwd.getpwnam("nobody")
        return entry.pw_uid, entry.pw_gid

    def base(self) -> Path:
        base = self.tmp / "mail"
        (base / "example.org").mkdir(parents=True)
        return base

    def log(self) -> str:
        return self.proc.stderr.decode("utf-8", "replace")

    def test_files_belong_to_the_maildir_owner(self):
        """Root delivers into nobody's Maildir: every file and directory made is nobody's."""
        uid, gid = self.user()
        base = self.base()
        alice = user_maildir(base / "example.org" / "alice", uid, gid, subdirs=())
        message = make_message("ada@origin.test", ["alice@example.org", "bob@example.org"],
                               "Owned", "Hi.\n")
        self.start_provider([message])
        self.fetch(f"maildir:{base}/{{domain}}/{{local}}")
        self.assertExit(0)
        self.assertPending({})
        self.assertStoredOnce(maildir_messages(alice), [message])
        for path in alice.rglob("*"):
            self.assertEqual(owner(path), (uid, gid), f"{path} is not nobody's{self.context()}")
        for path in (alice / "new").iterdir():
            self.assertEqual(os.lstat(path).st_mode & 0o7777, 0o600)
        # bob has no Maildir: it is made in root's directory, so it is root's.
        bob = base / "example.org" / "bob"
        self.assertStoredOnce(maildir_messages(bob), [message])
        self.assertEqual(owner(bob), (0, 0))

    def test_symlinked_new_is_refused(self):
        """nobody points new/ at a directory of root's: alice's copy stays with the provider,
        bob's is delivered, and nothing appears where the link points."""
        uid, gid = self.user()
        base = self.base()
        alice = user_maildir(base / "example.org" / "alice", uid, gid, subdirs=("tmp", "cur"))
        victim = self.tmp / "root-only"
        victim.mkdir(mode=0o700)
        (alice / "new").symlink_to(victim)
        os.lchown(alice / "new", uid, gid)
        message = make_message("ada@origin.test", ["alice@example.org", "bob@example.org"],
                               "Linked", "Hi.\n")
        ids = self.start_provider([message])
        self.fetch(f"maildir:{base}/{{domain}}/{{local}}")
        self.assertIn(self.proc.returncode, (0, 75), self.context())
        self.assertPending({ids[0]: ["alice@example.org"]})
        reply = self.provider.queue.get(ids[0]).replies["alice@example.org"]
        self.assertTrue(reply.startswith("450"), reply)
        self.assertIn("new is a symbolic link", self.log())
        self.assertEqual(list(victim.iterdir()), [], "a message went through the link")
        self.assertEqual(list((alice / "tmp").iterdir()), [])
        self.assertStoredOnce(maildir_messages(base / "example.org" / "bob"), [message])

    def test_maildir_replaced_by_a_link_is_refused(self):
        """nobody owns example.org/ and makes alice a link to root's directory."""
        uid, gid = self.user()
        base = self.tmp / "mail"
        domain = base / "example.org"
        domain.mkdir(parents=True)
        os.chown(domain, uid, gid)
        victim = self.tmp / "root-maildir"
        for sub in ("tmp", "new", "cur"):
            (victim / sub).mkdir(parents=True)
        (domain / "alice").symlink_to(victim)
        os.lchown(domain / "alice", uid, gid)
        message = make_message("ada@origin.test", ["alice@example.org"], "Linked", "Hi.\n")
        ids = self.start_provider([message])
        self.fetch(f"maildir:{base}/{{domain}}/{{local}}")
        self.assertPending({ids[0]: ["alice@example.org"]})
        self.assertIn("symbolic link owned by uid", self.log())
        self.assertEqual(list((victim / "new").iterdir()), [])

    def test_existing_only(self):
        """--maildir-existing-only: mallory has no Maildir, gets 550, and none is made."""
        base = self.base()
        alice = base / "example.org" / "alice"
        alice.mkdir()
        message = make_message("ada@origin.test", ["alice@example.org", "mallory@example.org"],
                               "Existing", "Hi.\n")
        ids = self.start_provider([message])
        self.fetch(f"maildir:{base}/{{domain}}/{{local}}", "--maildir-existing-only")
        self.assertIn(self.proc.returncode, (0, 75), self.context())
        reply = self.provider.queue.get(ids[0]).replies["mallory@example.org"]
        self.assertTrue(reply.startswith("550 5.1.1"), reply)
        self.assertFalse((base / "example.org" / "mallory").exists())
        self.assertStoredOnce(maildir_messages(alice), [message])

    def test_name_too_long_refused_alone(self):
        """A local part that escapes to more than NAME_MAX: 553 for it, the rest delivered."""
        base = self.base()
        long_local = '"' + " " * 90 + '"@example.org'  # each space becomes %20
        message = make_message("ada@origin.test", [long_local, "alice@example.org"],
                               "Long", "Hi.\n")
        ids = self.start_provider([message])
        self.fetch(f"maildir:{base}/{{domain}}/{{local}}")
        reply = self.provider.queue.get(ids[0]).replies[long_local]
        self.assertTrue(reply.startswith("553 5.1.3"), reply)
        self.assertPending({ids[0]: [long_local]})
        self.assertStoredOnce(maildir_messages(base / "example.org" / "alice"), [message])


if __name__ == "__main__":
    unittest.main()
