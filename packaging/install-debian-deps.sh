#!/bin/sh
# Installs what building odmr-fetch and running its demo need on Debian 12
# (bookworm), as root. With --test, also the test suite's peers and tools;
# with --bench, those and what tests/bench/run-bench.py compares with.
set -eu
packages="build-essential cmake ninja-build pkg-config libasio-dev libssl-dev libcli11-dev
          libsodium-dev libidn-dev libidn2-dev doctest-dev python3 openssl"
if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--bench" ]; then
    # clang and its runtime for the libFuzzer targets; the real local peers
    # of the delivery tests: Dovecot's LMTP server and Exim (an MTA: it
    # replaces the machine's MTA, whose daemon the tests never use)
    packages="$packages clang libclang-rt-14-dev dovecot-core dovecot-lmtpd exim4-daemon-light"
    # lld links the sanitized test build (CMakeLists.txt; ld.bfd without it)
    packages="$packages lld"
    # The packaging tests: the units checked offline (systemd-analyze), the
    # man pages linted (mandoc, man-db), each completion run by its shell,
    # the .deb built and linted, the RPM built, ccache for their rebuilds.
    packages="$packages systemd mandoc man-db bash-completion zsh fish
              debhelper fakeroot lintian rpm ccache"
fi
if [ "${1:-}" = "--bench" ]; then
    # fetchmail, side by side in ODMR mode; valgrind counts instructions
    packages="$packages fetchmail valgrind"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $packages >/dev/null
echo "install-debian-deps: installed" $packages
