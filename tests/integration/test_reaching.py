#!/usr/bin/env python3
"""End-to-end tests of reaching the provider and proving who we are.

The real odmr-fetch binary against the fake provider (tests/provider/), whose
server side of every SASL mechanism is in tests/provider/sasl_server.py,
written independently from the RFCs in Python; through the small SOCKS5
proxy of tests/provider/socks5_server.py where a test says so. Each test
makes its own temporary directory and test CA (with a client certificate).

Every method `test_x` here is ctest test `reach.x` (see CMakeLists.txt beside
this file). By hand:

    ODMR_FETCH=build/odmr-fetch python3 tests/integration/test_reaching.py -v
    ODMR_FETCH=build/odmr-fetch python3 tests/integration/test_reaching.py \\
        Reaching.test_scram_sha_256_plus_tls_exporter

Set ODMR_E2E_KEEP=1 to keep each test's temporary directory.
"""

import os
import re
import socket
import ssl
import subprocess
import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "provider"))

import make_test_ca  # noqa: E402
import sasl_server  # noqa: E402
from odmr_provider import Provider, ProviderConfig, make_messages  # noqa: E402
from odmr_case import RETRY_DELAY, OdmrCase, write_secret  # noqa: E402
from socks5_server import Socks5Server  # noqa: E402

USER = "example.org"
PASSWORD = "odmr test password"
DOMAINS = ("example.org", "example.com")
RUN_TIMEOUT = 60
EX_USAGE, EX_UNAVAILABLE, EX_PROTOCOL, EX_NOPERM = 64, 69, 76, 77
SCRAM_ALL = ("SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1",
             "PLAIN", "LOGIN", "CRAM-MD5")


def fingerprint(pem: Path) -> str:
    """SHA-256 of a certificate, as odmr-fetch prints it ("AB:CD:...")."""
    der = ssl.PEM_cert_to_DER_cert(pem.read_text(encoding="ascii"))
    import hashlib
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def have_ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


class Reaching(OdmrCase):
    """odmr-fetch reaching and authenticating to the fake provider."""

    workspace_prefix = "odmr-reach"

    def setUp(self):
        self.make_workspace()
        self.ca = make_test_ca.ensure(self.tmp / "ca")
        self.maildir = self.tmp / "Maildir"
        self.password_file = self.write_secret("password", PASSWORD)
        self.provider = None
        self.proc = None

    def write_secret(self, name: str, value: str) -> Path:
        return write_secret(self.tmp / name, value)

    # -- the two sides

    def start_provider(self, messages=(), *, host="127.0.0.1", password=PASSWORD, **config):
        self.provider = Provider(ProviderConfig(
            user=USER, password=password, domains=DOMAINS, certfile=str(self.ca.cert("server")),
            keyfile=str(self.ca.key("server")), timeout=20, **config))
        ids = self.provider.queue.add_all(messages)
        self.provider.start(host=host)
        self.addCleanup(self.provider.stop)
        return ids

    def run_fetch(self, *options, host=None, password_file=True, ca_file=True, domains=DOMAINS):
        """Run odmr-fetch; OPTIONS come before the domains."""
        argv = [self.binary, "-v", "--host", host or f"localhost:{self.provider.port}",
                "--user", USER, "--deliver", f"maildir:{self.maildir}"]
        if password_file:
            argv += ["--password-file", str(self.password_file)]
        if ca_file:
            argv += ["--tls-ca-file", str(self.ca.ca_pem)]
        argv += [*RETRY_DELAY, *options, *domains]
        try:
            self.proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                       timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired as expired:
            self.proc = expired
            self.fail(f"odmr-fetch did not finish within {RUN_TIMEOUT} s{self.context()}")
        if self.provider is not None:
            self.provider.wait_idle(timeout=15)
        return self.proc

    @property
    def stderr(self) -> str:
        return (self.proc.stderr or b"").decode("utf-8", "replace")

    @property
    def stdout(self) -> str:
        return (self.proc.stdout or b"").decode("utf-8", "replace")

    def context(self) -> str:
        parts = []
        if self.proc is not None:
            parts.append("command: " + " ".join(map(str, self.proc.args)))
            parts.append(f"exit status: {getattr(self.proc, 'returncode', 'timed out')}")
            parts.append(f"--- stdout ---\n{self.stdout[-3000:]}")
            parts.append(f"--- stderr ---\n{self.stderr[-3000:]}")
        if self.provider is not None:
            parts.append(f"--- provider ---\n{self.provider.transcripts()[-6000:]}")
        return "\n\n" + "\n".join(parts)

    # -- assertions

    def assertExit(self, expected: int):
        self.assertEqual(self.proc.returncode, expected, f"exit status{self.context()}")

    def assertDelivered(self, count: int):
        """Exit 0, COUNT files in Maildir/new, nothing left at the provider."""
        self.assertExit(0)
        new = self.maildir / "new"
        self.assertEqual(len(list(new.iterdir())) if new.is_dir() else 0, count,
                         f"messages in Maildir/new{self.context()}")
        self.assertEqual(self.provider.queue.queued(), [], f"still queued{self.context()}")

    def assertNothingFetched(self, ids):
        new = self.maildir / "new"
        self.assertFalse(new.is_dir() and any(new.iterdir()), f"something stored{self.context()}")
        self.assertEqual(sorted(m.id for m in self.provider.queue.queued()), sorted(ids))

    def lines(self, session: int = 0) -> list[str]:
        return self.provider.sessions()[session].customer_lines()

    def notes(self, session: int = 0) -> list[str]:
        return [text for who, text in self.provider.sessions()[session].transcript if who == "*"]

    def assertSent(self, prefix: str, session: int = 0):
        self.assertTrue(any(line.upper().startswith(prefix.upper()) for line in self.lines(session)),
                        f"no line starting with {prefix!r} was sent{self.context()}")

    def assertNotSent(self, prefix: str, session: int = 0):
        self.assertFalse(any(line.upper().startswith(prefix.upper())
                             for line in self.lines(session)),
                         f"{prefix!r} must not have been sent{self.context()}")

    def assertNote(self, fragment: str):
        self.assertTrue(any(fragment in note for note in self.notes()),
                        f"no provider note with {fragment!r}{self.context()}")

    # ---------------------------------------------------------------- SASL

    def test_scram_sha_256_plus_tls_exporter(self):
        """Default choice on TLS 1.3: SCRAM-SHA-256-PLUS bound with tls-exporter."""
        if not self._python_can_export():
            self.skipTest("Python's ssl cannot reach SSL_export_keying_material here; "
                          "tls-exporter is covered by the unit tests (OpenSSL on both ends)")
        self.start_provider(make_messages(2, ["alice@example.org"]), auth_mechs_tls=SCRAM_ALL)
        self.run_fetch()
        self.assertDelivered(2)
        self.assertSent("AUTH SCRAM-SHA-256-PLUS ")
        self.assertNote("channel binding tls-exporter matched")
        self.assertIn("channel binding tls-exporter", self.stderr)

    def test_scram_sha_1_plus_tls_unique(self):
        """TLS 1.2: the automatic binding is tls-unique; SCRAM-SHA-1-PLUS when it is the best."""
        self.start_provider(make_messages(1, ["alice@example.org"]), tls_max_version="TLSv1.2",
                            auth_mechs_tls=("SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "PLAIN"))
        self.run_fetch()
        self.assertDelivered(1)
        self.assertSent("AUTH SCRAM-SHA-1-PLUS ")
        self.assertNote("channel binding tls-unique matched")
        self.assertIn("TLSv1.2", self.provider.sessions()[0].tls)

    def test_scram_plus_tls_server_end_point(self):
        """--channel-binding tls-server-end-point on TLS 1.3."""
        self.start_provider(make_messages(1, ["alice@example.org"]), auth_mechs_tls=SCRAM_ALL)
        self.run_fetch("--channel-binding", "tls-server-end-point")
        self.assertDelivered(1)
        self.assertNote("channel binding tls-server-end-point matched")

    def test_scram_plus_unsupported_binding_type(self):
        """tls-unique forced on TLS 1.3 cannot be had: plain SCRAM instead of -PLUS."""
        self.start_provider(make_messages(1, ["alice@example.org"]), auth_mechs_tls=SCRAM_ALL)
        self.run_fetch("--channel-binding", "tls-unique", "--auth", "SCRAM-SHA-256-PLUS")
        self.assertExit(EX_NOPERM)
        self.assertIn("channel binding", self.stderr)
        self.assertNotSent("AUTH")

    def test_scram_sha_256(self):
        """SCRAM-SHA-256 without -PLUS on offer: gs2 flag "y" (we could bind)."""
        self.start_provider(make_messages(2, ["alice@example.org"]),
                            auth_mechs_tls=("SCRAM-SHA-256", "PLAIN", "CRAM-MD5"))
        self.run_fetch()
        self.assertDelivered(2)
        self.assertSent("AUTH SCRAM-SHA-256 ")
        self.assertNote("SCRAM-SHA-256: proof verified")

    def test_scram_sha_1_when_asked(self):
        """--auth SCRAM-SHA-1 picks it over everything else offered."""
        self.start_provider(make_messages(1, ["alice@example.org"]), auth_mechs_tls=SCRAM_ALL)
        self.run_fetch("--auth", "scram-sha-1")
        self.assertDelivered(1)
        self.assertSent("AUTH SCRAM-SHA-1 ")

    def test_scram_in_clear_text(self):
        """--tls none: SCRAM is preferred to CRAM-MD5 even without TLS (flag "n")."""
        self.start_provider(make_messages(1, ["alice@example.org"]), no_starttls=True,
                            auth_mechs=("CRAM-MD5", "SCRAM-SHA-256"))
        self.run_fetch("--tls", "none", ca_file=False)
        self.assertDelivered(1)
        self.assertSent("AUTH SCRAM-SHA-256 ")

    def test_scram_wrong_password(self):
        """A wrong password with SCRAM: 535, exit 77, no ATRN."""
        ids = self.start_provider(make_messages(1, ["alice@example.org"]),
                                  password="another password", auth_mechs_tls=SCRAM_ALL)
        self.run_fetch()
        self.assertExit(EX_NOPERM)
        self.assertNothingFetched(ids)
        self.assertNotSent("ATRN")

    def test_scram_impostor(self):
        """A provider whose SCRAM server signature is wrong: exit 76, 'impostor', no ATRN."""
        ids = self.start_provider(make_messages(2, ["alice@example.org"]),
                                  auth_mechs_tls=SCRAM_ALL, scram_impostor=True)
        self.run_fetch()
        self.assertExit(EX_PROTOCOL)
        self.assertIn("impostor", self.stderr)
        self.assertNothingFetched(ids)
        self.assertNotSent("ATRN")
        replies = [text for who, text in self.provider.sessions()[0].transcript if who == "S"]
        self.assertIn("501 Authentication cancelled", replies, "the exchange was not cancelled")

    def test_scram_downgrade_detected(self):
        """-PLUS removed from the list of a server that supports it: the "y" flag catches it."""
        ids = self.start_provider(make_messages(1, ["alice@example.org"]),
                                  auth_mechs_tls=("SCRAM-SHA-256",), scram_plus_unadvertised=True)
        self.run_fetch()
        self.assertExit(EX_PROTOCOL)
        self.assertIn("downgrade", self.stderr)
        self.assertNothingFetched(ids)

    def test_scram_saslprep_non_ascii_password(self):
        """A password stored as NFC matches one typed with a combining accent (SASLprep)."""
        composed = "caf\u00e9 na\u00efve \u00fc"
        decomposed = "cafe\u0301 nai\u0308ve u\u0308"
        self.password_file.unlink()
        self.password_file = self.write_secret("password", decomposed)
        self.start_provider(make_messages(1, ["alice@example.org"]), password=composed,
                            auth_mechs_tls=("SCRAM-SHA-256",))
        self.run_fetch()
        self.assertDelivered(1)

    def test_scram_saslprep_refused(self):
        """A password SASLprep cannot take: a clear error (78), no AUTH exchange sent."""
        self.password_file.unlink()
        self.password_file = self.write_secret("password", "bell\x07password")
        ids = self.start_provider(make_messages(1, ["alice@example.org"]),
                                  auth_mechs_tls=("SCRAM-SHA-256",))
        self.run_fetch()
        self.assertExit(78)
        self.assertIn("SASLprep", self.stderr)
        self.assertNothingFetched(ids)
        self.assertNotSent("ATRN")

    def test_external_client_certificate(self):
        """A client certificate and EXTERNAL; no password file at all."""
        self.start_provider(make_messages(2, ["alice@example.org"]),
                            client_ca=str(self.ca.ca_pem),
                            auth_mechs_tls=("EXTERNAL", "SCRAM-SHA-256-PLUS", "PLAIN"))
        self.run_fetch("--tls-cert", str(self.ca.cert("client")),
                       "--tls-key", str(self.ca.key("client")), password_file=False)
        self.assertDelivered(2)
        self.assertSent("AUTH EXTERNAL")
        self.assertNote("EXTERNAL: client certificate for example.org")

    def test_external_needs_a_certificate(self):
        """--auth EXTERNAL without --tls-cert is a usage error."""
        self.run_fetch("--auth", "EXTERNAL", host="localhost:1")
        self.assertExit(EX_USAGE)
        self.assertIn("--tls-cert", self.stderr)

    def test_client_certificate_from_unknown_ca(self):
        """A client certificate the provider does not trust fails the session."""
        other = make_test_ca.ensure(self.tmp / "other-ca")
        ids = self.start_provider(make_messages(1, ["alice@example.org"]),
                                  client_ca=str(self.ca.ca_pem), auth_mechs_tls=("EXTERNAL",))
        self.run_fetch("--tls-cert", str(other.cert("client")), "--tls-key",
                       str(other.key("client")), password_file=False)
        self.assertNotIn(self.proc.returncode, (0, 1), self.context())
        self.assertNothingFetched(ids)
        self.assertNotSent("ATRN")

    def test_xoauth2(self):
        """XOAUTH2 with the token from the password file, when asked for."""
        self.start_provider(make_messages(1, ["alice@example.org"]),
                            auth_mechs_tls=("XOAUTH2", "PLAIN"))
        self.run_fetch("--auth", "XOAUTH2")
        self.assertDelivered(1)
        self.assertSent("AUTH XOAUTH2 ")

    def test_oauthbearer(self):
        """OAUTHBEARER (RFC 7628) with the token from the password file."""
        self.start_provider(make_messages(1, ["alice@example.org"]),
                            auth_mechs_tls=("OAUTHBEARER", "XOAUTH2"))
        self.run_fetch("--auth", "OAUTHBEARER,XOAUTH2")
        self.assertDelivered(1)
        self.assertSent("AUTH OAUTHBEARER ")

    def test_oauthbearer_expired_token(self):
        """A refused token: exit 77, and the provider's JSON error is shown."""
        ids = self.start_provider(make_messages(1, ["alice@example.org"]), password="new token",
                                  auth_mechs_tls=("OAUTHBEARER",))
        self.run_fetch("--auth", "OAUTHBEARER")
        self.assertExit(EX_NOPERM)
        self.assertIn("invalid_token", self.stderr)
        self.assertNothingFetched(ids)

    def test_oauth_only_when_asked(self):
        """A provider offering only XOAUTH2 gets nothing unless --auth names it."""
        ids = self.start_provider(make_messages(1, ["alice@example.org"]),
                                  auth_mechs_tls=("XOAUTH2",))
        self.run_fetch()
        self.assertExit(EX_NOPERM)
        self.assertNotSent("AUTH")
        self.assertNothingFetched(ids)

    def test_plain_refused_without_tls(self):
        """PLAIN only, no TLS: refused without --allow-plaintext-auth, used with it."""
        self.start_provider(make_messages(1, ["alice@example.org"]), no_starttls=True,
                            auth_mechs=("PLAIN",))
        self.run_fetch("--tls", "none", ca_file=False)
        self.assertExit(EX_NOPERM)
        self.assertIn("--allow-plaintext-auth", self.stderr)
        self.assertNotSent("AUTH")
        self.run_fetch("--tls", "none", "--allow-plaintext-auth", ca_file=False)
        self.assertDelivered(1)
        self.assertSent("AUTH PLAIN", session=1)

    # ---------------------------------------------------------------- TLS

    def test_starttls_optional_with_starttls(self):
        """starttls-optional uses STARTTLS when offered."""
        self.start_provider(make_messages(1, ["alice@example.org"]))
        self.run_fetch("--tls", "starttls-optional")
        self.assertDelivered(1)
        self.assertTrue(self.provider.sessions()[0].tls, "TLS was not used")

    def test_starttls_optional_without_starttls(self):
        """starttls-optional without STARTTLS: a warning, CRAM-MD5 in clear text, not PLAIN.
        (Since issue 12, CRAM-MD5 after a stripped STARTTLS only when --auth names it;
        test_hostile.py checks the refusal without it.)"""
        self.start_provider(make_messages(1, ["alice@example.org"]), no_starttls=True,
                            auth_mechs=("PLAIN", "LOGIN", "CRAM-MD5"))
        self.run_fetch("--tls", "starttls-optional", "--auth", "CRAM-MD5,PLAIN")
        self.assertDelivered(1)
        self.assertIn("warning:", self.stderr)
        self.assertIn("without TLS", self.stderr)
        self.assertSent("AUTH CRAM-MD5")
        self.assertNotSent("AUTH PLAIN")

    def test_pin_with_unknown_ca(self):
        """The right --tls-fingerprint works with a CA nobody configured."""
        self.start_provider(make_messages(1, ["alice@example.org"]))
        pin = fingerprint(self.ca.cert("server"))
        self.run_fetch("--tls-fingerprint", f"sha256:{pin}", ca_file=False)
        self.assertDelivered(1)
        self.assertIn("(pinned)", self.stderr)

    def test_pin_of_public_key(self):
        """A pin of the certificate's public key works as well."""
        self.start_provider(make_messages(1, ["alice@example.org"]))
        self.run_fetch("--serverinfo", ca_file=True, domains=())
        key_pin = re.search(r"SHA-256 of its key:\s+(\S+)", self.stdout)
        self.assertIsNotNone(key_pin, self.context())
        self.run_fetch("--tls-fingerprint", f"sha256:{key_pin.group(1)}", ca_file=False)
        self.assertDelivered(1)

    def test_wrong_pin_refused(self):
        """A wrong pin: exit 69 before AUTH, and the real fingerprint is shown."""
        ids = self.start_provider(make_messages(1, ["alice@example.org"]))
        other = make_test_ca.ensure(self.tmp / "other-ca")
        self.run_fetch("--tls-fingerprint", f"sha256:{fingerprint(other.cert('server'))}")
        self.assertExit(EX_UNAVAILABLE)
        self.assertIn(fingerprint(self.ca.cert("server")), self.stderr)
        self.assertNotSent("AUTH")
        self.assertNothingFetched(ids)

    def test_unknown_ca_shows_fingerprint(self):
        """Verification failure names the fingerprint to pin, like msmtp."""
        ids = self.start_provider(make_messages(1, ["alice@example.org"]))
        self.run_fetch(ca_file=False)
        self.assertExit(EX_UNAVAILABLE)
        self.assertIn(f"--tls-fingerprint sha256:{fingerprint(self.ca.cert('server'))}",
                      self.stderr)
        self.assertNotSent("AUTH")
        self.assertNothingFetched(ids)

    def test_tls_min_version(self):
        """--tls-min-version 1.3 against a TLS 1.2 provider: refused."""
        ids = self.start_provider(make_messages(1, ["alice@example.org"]),
                                  tls_max_version="TLSv1.2")
        self.run_fetch("--tls-min-version", "1.3")
        self.assertExit(EX_UNAVAILABLE)
        self.assertNotSent("AUTH")
        self.assertNothingFetched(ids)

    def test_starttls_response_injection(self):
        """Bytes right after "220 TLS go ahead", before the handshake: exit 76, nothing sent."""
        ids = self.start_provider(make_messages(1, ["alice@example.org"]),
                                  starttls_inject=b"250-injected\r\n250 AUTH PLAIN\r\n")
        self.run_fetch()
        self.assertExit(EX_PROTOCOL)
        self.assertIn("injection", self.stderr)
        self.assertNotSent("AUTH")
        self.assertNothingFetched(ids)

    # ---------------------------------------------------------------- getting there

    def test_socks5_proxy(self):
        """Through a SOCKS5 proxy; the proxy is handed the name and resolves it."""
        self.start_provider(make_messages(2, ["alice@example.org"]))
        with Socks5Server() as proxy:
            self.run_fetch("--proxy", f"socks5://127.0.0.1:{proxy.port}")
            requests = proxy.requests()
        self.assertDelivered(2)
        self.assertTrue(requests, "the proxy saw no request")
        self.assertEqual((requests[0].atyp, requests[0].host, requests[0].port),
                         (3, "localhost", self.provider.port), f"{requests}{self.context()}")
        self.assertIn("via SOCKS5 proxy", self.stderr)

    def test_socks5_proxy_implicit_tls(self):
        """Implicit TLS through the proxy: the handshake starts right after its reply."""
        self.start_provider(make_messages(1, ["alice@example.org"]), implicit_tls=True,
                            auth_mechs_tls=SCRAM_ALL)
        with Socks5Server() as proxy:
            self.run_fetch("--tls", "implicit", "--proxy", f"socks5h://127.0.0.1:{proxy.port}")
        self.assertDelivered(1)
        self.assertSent("AUTH SCRAM-SHA-256-PLUS ")

    def test_socks5_proxy_with_password(self):
        """RFC 1929 user name and password; a wrong one is exit 77."""
        self.start_provider(make_messages(1, ["alice@example.org"]))
        with Socks5Server(users={"tor user": "p@ss:word"}) as proxy:
            self.run_fetch("--proxy", f"socks5://tor%20user:p%40ss%3Aword@127.0.0.1:{proxy.port}")
            self.assertDelivered(1)
            self.assertEqual(proxy.requests()[0].authenticated_as, "tor user")
            self.run_fetch("--proxy", f"socks5://tor%20user:wrong@127.0.0.1:{proxy.port}")
            self.assertExit(EX_NOPERM)
            self.assertIn("proxy refused the user name and password", self.stderr)

    def test_socks5_connection_refused(self):
        """The proxy answers CONNECT with "connection refused": exit 69, said in words."""
        with Socks5Server(refuse=5) as proxy:
            self.run_fetch("--proxy", f"socks5://127.0.0.1:{proxy.port}",
                           host="odmr.example.net")
        self.assertExit(EX_UNAVAILABLE)
        self.assertIn("connection refused", self.stderr)
        self.assertIn("odmr.example.net port 366", self.stderr)

    def test_socks5_unresolvable_name(self):
        """A name the proxy cannot resolve: the proxy's "host unreachable", exit 69."""
        with Socks5Server() as proxy:
            self.run_fetch("--proxy", f"socks5://127.0.0.1:{proxy.port}",
                           host="no-such-host.invalid")
            requests = proxy.requests()
        self.assertExit(EX_UNAVAILABLE)
        self.assertIn("host unreachable", self.stderr)
        self.assertEqual(requests[0].host, "no-such-host.invalid")

    def test_ipv6_loopback(self):
        """A provider on [::1] only, reached by its IPv6 literal (certificate IP:::1)."""
        if not have_ipv6():
            self.skipTest("no IPv6 loopback on this machine")
        self.start_provider(make_messages(2, ["alice@example.org"]), host="::1")
        self.run_fetch(host=f"[::1]:{self.provider.port}")
        self.assertDelivered(2)
        self.assertEqual(self.provider.sessions()[0].peer, "::1")

    # ---------------------------------------------------------------- --serverinfo

    def test_serverinfo(self):
        """--serverinfo: TLS, certificate, AUTH, ATRN, SIZE; no AUTH or ATRN sent, exit 0."""
        self.start_provider(auth_mechs_tls=SCRAM_ALL)
        self.run_fetch("--serverinfo", password_file=False, domains=())
        self.assertExit(0)
        out = self.stdout
        for expected in ("TLSv1.3", "Subject:             CN=localhost",
                         "Issuer:              CN=odmr-fetch test CA", "Valid from:",
                         "Valid until:", fingerprint(self.ca.cert("server")),
                         "ATRN:  yes", "AUTH:  " + " ".join(SCRAM_ALL),
                         "SIZE:  209715200 octets (200 MiB)",
                         "would authenticate with: SCRAM-SHA-256-PLUS"):
            self.assertIn(expected, out, self.context())
        lines = self.lines()
        self.assertNotSent("AUTH")
        self.assertNotSent("ATRN")
        self.assertEqual([line.split()[0].upper() for line in lines],
                         ["EHLO", "STARTTLS", "EHLO", "QUIT"], self.context())

    def test_serverinfo_through_proxy_without_tls(self):
        """--serverinfo through the proxy, --tls none: says the session is not encrypted."""
        self.start_provider(no_starttls=True)
        with Socks5Server() as proxy:
            self.run_fetch("--serverinfo", "--tls", "none", "--proxy",
                           f"socks5://127.0.0.1:{proxy.port}", password_file=False,
                           ca_file=False, domains=())
        self.assertExit(0)
        self.assertIn("via SOCKS5 proxy", self.stdout)
        self.assertIn("not encrypted", self.stdout)
        self.assertIn("AUTH:  CRAM-MD5", self.stdout)

    # -- helpers

    @staticmethod
    def _python_can_export() -> bool:
        """Whether this Python's ssl can be made to export keying material."""
        return sasl_server._OpenSSL.get() is not None


if __name__ == "__main__":
    unittest.main()
