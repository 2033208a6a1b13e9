#!/usr/bin/env python3
"""A small real SOCKS5 proxy (RFC 1928) for the tests, with optional
username/password authentication (RFC 1929).

It serves CONNECT for IPv4, IPv6 and domain-name targets, resolving names
itself (so a customer that hands it the provider's name relies on the proxy
to resolve it, as through Tor), and relays bytes both ways until either
side closes. Every request is recorded: which address type and target the
client asked for, whether it authenticated, and the reply sent. A test can
also make it refuse every CONNECT with a chosen reply code.

    with Socks5Server(users={"alice": "secret"}) as proxy:
        ... connect through 127.0.0.1:proxy.port ...
        proxy.requests()  # [Request(atyp=3, host="localhost", port=366, ...)]

As a program: socks5_server.py [--user NAME:PASSWORD] [--refuse CODE]; it
listens on a free loopback port and prints "socks5_server listening on
127.0.0.1:PORT".
"""

from __future__ import annotations

import argparse
import ipaddress
import selectors
import socket
import struct
import sys
import threading
from dataclasses import dataclass

NO_AUTH, USER_PASSWORD, NO_ACCEPTABLE = 0x00, 0x02, 0xFF
ATYP_IPV4, ATYP_NAME, ATYP_IPV6 = 1, 3, 4
SUCCEEDED, GENERAL_FAILURE, HOST_UNREACHABLE, CONNECTION_REFUSED = 0, 1, 4, 5
COMMAND_NOT_SUPPORTED = 7


@dataclass
class Request:
    """One client of the proxy."""
    authenticated_as: str | None = None
    atyp: int = 0
    host: str = ""
    port: int = 0
    reply: int | None = None
    error: str = ""


class _Closed(Exception):
    pass


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise _Closed()
        data += chunk
    return data


class Socks5Server:
    """Listens on loopback; one thread per client."""

    def __init__(self, users: dict[str, str] | None = None, refuse: int | None = None,
                 host: str = "127.0.0.1", timeout: float = 20.0):
        self.users = users  # None: no authentication; else NAME -> PASSWORD required
        self.refuse = refuse  # reply code for every CONNECT instead of connecting
        self.timeout = timeout
        self._listener = socket.create_server((host, 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._requests: list[Request] = []
        self._threads: list[threading.Thread] = []
        self._stopped = threading.Event()
        self._accepting = threading.Thread(target=self._accept_loop, daemon=True,
                                           name="socks5-accept")
        self._accepting.start()

    def requests(self) -> list[Request]:
        with self._lock:
            return [Request(**vars(r)) for r in self._requests]

    def stop(self) -> None:
        self._stopped.set()
        try:
            self._listener.close()
        except OSError:
            pass
        self._accepting.join(5)
        for thread in list(self._threads):
            thread.join(5)

    def __enter__(self) -> Socks5Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                self._listener.settimeout(0.2)
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            request = Request()
            with self._lock:
                self._requests.append(request)
            thread = threading.Thread(target=self._serve, args=(client, request), daemon=True,
                                      name="socks5-client")
            self._threads.append(thread)
            thread.start()

    # -- one client

    def _serve(self, client: socket.socket, request: Request) -> None:
        client.settimeout(self.timeout)
        try:
            with client:
                if not self._negotiate(client, request):
                    return
                target = self._read_request(client, request)
                if target is None:
                    return
                upstream = self._connect(client, request, target)
                if upstream is not None:
                    with upstream:
                        self._relay(client, upstream)
        except (_Closed, OSError, ValueError) as error:
            request.error = f"{type(error).__name__}: {error}"

    def _negotiate(self, client: socket.socket, request: Request) -> bool:
        version, count = _recv_exact(client, 2)
        if version != 5:
            raise ValueError(f"not SOCKS5 (version {version})")
        methods = _recv_exact(client, count)
        wanted = NO_AUTH if self.users is None else USER_PASSWORD
        if wanted not in methods:
            client.sendall(bytes([5, NO_ACCEPTABLE]))
            request.error = "no acceptable authentication method"
            return False
        client.sendall(bytes([5, wanted]))
        if wanted == NO_AUTH:
            return True
        version, length = _recv_exact(client, 2)  # RFC 1929
        name = _recv_exact(client, length).decode("utf-8", "replace")
        password = _recv_exact(client, _recv_exact(client, 1)[0]).decode("utf-8", "replace")
        accepted = version == 1 and self.users.get(name) == password
        client.sendall(bytes([1, 0 if accepted else 1]))
        if accepted:
            request.authenticated_as = name
        else:
            request.error = "user name or password refused"
        return accepted

    def _read_request(self, client: socket.socket, request: Request):
        version, command, _, atyp = _recv_exact(client, 4)
        if atyp == ATYP_IPV4:
            host = str(ipaddress.IPv4Address(_recv_exact(client, 4)))
        elif atyp == ATYP_IPV6:
            host = str(ipaddress.IPv6Address(_recv_exact(client, 16)))
        elif atyp == ATYP_NAME:
            host = _recv_exact(client, _recv_exact(client, 1)[0]).decode("ascii", "replace")
        else:
            raise ValueError(f"unknown address type {atyp}")
        (port,) = struct.unpack("!H", _recv_exact(client, 2))
        request.atyp, request.host, request.port = atyp, host, port
        if version != 5 or command != 1:
            self._reply(client, request, COMMAND_NOT_SUPPORTED)
            return None
        return host, port

    def _reply(self, client: socket.socket, request: Request, code: int,
               bound=("0.0.0.0", 0)) -> None:
        request.reply = code
        address = ipaddress.ip_address(bound[0])
        atyp = ATYP_IPV4 if address.version == 4 else ATYP_IPV6
        client.sendall(bytes([5, code, 0, atyp]) + address.packed + struct.pack("!H", bound[1]))

    def _connect(self, client: socket.socket, request: Request, target):
        if self.refuse is not None:
            self._reply(client, request, self.refuse)
            return None
        try:
            upstream = socket.create_connection(target, timeout=self.timeout)
        except socket.gaierror:
            self._reply(client, request, HOST_UNREACHABLE)
            return None
        except ConnectionRefusedError:
            self._reply(client, request, CONNECTION_REFUSED)
            return None
        except OSError:
            self._reply(client, request, GENERAL_FAILURE)
            return None
        self._reply(client, request, SUCCEEDED, upstream.getsockname()[:2])
        return upstream

    def _relay(self, a: socket.socket, b: socket.socket) -> None:
        """Copy both ways; half-close each direction as its sender finishes."""
        open_ends = {a: b, b: a}
        with selectors.DefaultSelector() as selector:
            for sock in open_ends:
                selector.register(sock, selectors.EVENT_READ)
            idle = 0.0
            while open_ends and not self._stopped.is_set():
                events = selector.select(timeout=0.25)
                idle = 0.0 if events else idle + 0.25
                if idle >= self.timeout:
                    return
                for key, _ in events:
                    source = key.fileobj
                    try:
                        data = source.recv(65536)
                    except OSError:
                        data = b""
                    sink = open_ends.get(source)
                    if data and sink is not None:
                        sink.sendall(data)
                        continue
                    selector.unregister(source)
                    open_ends.pop(source, None)
                    if sink is not None:
                        try:
                            sink.shutdown(socket.SHUT_WR)
                        except OSError:
                            pass


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="A small SOCKS5 proxy for tests.")
    parser.add_argument("--user", help="require NAME:PASSWORD (RFC 1929)")
    parser.add_argument("--refuse", type=int, help="answer every CONNECT with this reply code")
    args = parser.parse_args(argv)
    users = None
    if args.user:
        name, _, password = args.user.partition(":")
        users = {name: password}
    server = Socks5Server(users=users, refuse=args.refuse)
    print(f"socks5_server listening on 127.0.0.1:{server.port}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
