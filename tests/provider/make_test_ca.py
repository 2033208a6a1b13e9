#!/usr/bin/env python3
"""Make a throwaway certificate authority and two server certificates.

The integration tests and the demo call this at run time so that no private
key ever lives in the repository. Into DIR it writes:

  ca.pem, ca.key          a test CA ("odmr-fetch test CA")
  server.pem, server.key  for DNS:localhost, IP:127.0.0.1 and IP:::1, signed by the CA
  wrong.pem, wrong.key    for DNS:wrong.example only, signed by the same CA
  client.pem, client.key  a client certificate for CN=example.org (TLS client
                          authentication, SASL EXTERNAL), signed by the same CA

Keys are EC P-256, so the whole set takes a few tens of milliseconds. Running
it again on a complete directory changes nothing (each file is written to a
temporary name and renamed, so a half-made set is never mistaken for a whole
one). Only the `openssl` command line tool is used.

Usage as a program:  make_test_ca.py DIR
Usage as a module:   paths = make_test_ca.ensure(DIR)
"""

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# The certificates a test may ask for, by stem, with their subjectAltName
# (the first name is also the subject's CN).
SERVER_NAMES = {
    "server": "DNS:localhost,IP:127.0.0.1,IP:::1",
    "wrong": "DNS:wrong.example",
    "client": "DNS:example.org",
}
CLIENT_CERTIFICATES = ("client",)  # extendedKeyUsage clientAuth instead of serverAuth
FILES = ("ca.pem", "ca.key") + tuple(
    f"{stem}.{ext}" for stem in SERVER_NAMES for ext in ("pem", "key"))


@dataclass(frozen=True)
class TestCA:
    """Where the files of one test CA directory are."""
    directory: Path

    @property
    def ca_pem(self) -> Path:
        return self.directory / "ca.pem"

    def cert(self, stem: str = "server") -> Path:
        return self.directory / f"{stem}.pem"

    def key(self, stem: str = "server") -> Path:
        return self.directory / f"{stem}.key"


def _openssl(*args: str, cwd: Path) -> None:
    """Run one openssl command; raise with its stderr if it fails."""
    done = subprocess.run(("openssl",) + args, cwd=cwd, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{done.stderr}")


def _new_key(name: str, cwd: Path) -> None:
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", name, cwd=cwd)


def _make_all(work: Path) -> None:
    """Create every file of FILES inside the empty directory WORK."""
    _new_key("ca.key", work)
    _openssl("req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "3650",
             "-subj", "/CN=odmr-fetch test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-out", "ca.pem", cwd=work)
    for stem, alt_names in SERVER_NAMES.items():
        _new_key(f"{stem}.key", work)
        _openssl("req", "-new", "-key", f"{stem}.key", "-subj",
                 f"/CN={alt_names.split(',')[0].split(':', 1)[1]}",
                 "-out", f"{stem}.csr", cwd=work)
        (work / f"{stem}.ext").write_text(
            f"subjectAltName={alt_names}\n"
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature\n"
            f"extendedKeyUsage={'clientAuth' if stem in CLIENT_CERTIFICATES else 'serverAuth'}\n"
            "subjectKeyIdentifier=hash\n"
            "authorityKeyIdentifier=keyid,issuer\n")
        _openssl("x509", "-req", "-in", f"{stem}.csr", "-CA", "ca.pem",
                 "-CAkey", "ca.key", "-set_serial", str(int.from_bytes(os.urandom(8), "big")),
                 "-days", "825", "-sha256", "-extfile", f"{stem}.ext",
                 "-out", f"{stem}.pem", cwd=work)


def ensure(directory) -> TestCA:
    """Make the test CA set in DIRECTORY unless it is already complete."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if all((directory / name).is_file() for name in FILES):
        return TestCA(directory)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".make-ca-") as tmp:
        work = Path(tmp)
        _make_all(work)
        for name in FILES:
            if name.endswith(".key"):
                os.chmod(work / name, 0o600)
        # Keys and certificates go in before ca.pem's absence could hide a
        # half-made set: rename ca.pem last so "all files exist" is only true
        # once everything is in place.
        for name in sorted(FILES, key=lambda n: n == "ca.pem"):
            os.replace(work / name, directory / name)
    return TestCA(directory)


def main(argv) -> int:
    if len(argv) != 2 or argv[1].startswith("-"):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print(f"usage: {argv[0]} DIR", file=sys.stderr)
        return 64
    ca = ensure(argv[1])
    print(ca.directory)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
