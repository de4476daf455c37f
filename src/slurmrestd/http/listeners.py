"""Listen addresses: parsing `[host]:port|unix:/path`, and making the sockets.

One small function per kind of listener; all return bound, listening,
non-blocking sockets. Hostnames are resolved once, here, at start-up.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import stat
from dataclasses import dataclass

LISTEN_BACKLOG = 1024
SD_LISTEN_FDS_START = 3  # first fd systemd passes (sd_listen_fds(3))


class ListenError(Exception):
    """A listen address is malformed or cannot be bound."""


@dataclass(frozen=True, slots=True)
class TcpAddress:
    host: str | None  # None = every interface
    port: int

    def __str__(self) -> str:
        host = self.host or ""
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class UnixAddress:
    path: str

    def __str__(self) -> str:
        return f"unix:{self.path}"


ListenAddress = TcpAddress | UnixAddress


def parse_listen_address(spec: str) -> ListenAddress:
    """Parse `host:port`, `[v6]:port`, `:port`, `unix:/path` (as upstream's synopsis)."""
    text = spec.strip()
    if text.startswith("unix:"):
        path = text[len("unix:") :]
        if path.startswith("//"):  # unix:///path, accepted by newer upstream
            path = path[2:]
        if not path.startswith("/"):
            raise ListenError(f"Invalid listen address {spec!r}: unix socket path must be absolute")
        return UnixAddress(path)
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise ListenError(f"Invalid listen address {spec!r}: expected [address]:port")
        port_text = rest[1:]
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep:
            raise ListenError(
                f"Invalid listen address {spec!r}: expected [host]:port or unix:/path"
            )
        if ":" in host:
            raise ListenError(f"Invalid listen address {spec!r}: IPv6 addresses need [brackets]")
    if not _is_number(port_text) or int(port_text) > 65535:
        raise ListenError(f"Invalid listen address {spec!r}: bad port {port_text!r}")
    return TcpAddress(host or None, int(port_text))


def _is_number(text: str) -> bool:
    # str.isdigit() alone also takes "²" (int() refuses it) and other scripts' digits.
    return text.isascii() and text.isdigit()


def bind_tcp(address: TcpAddress) -> list[socket.socket]:
    """Bind every address `address.host` resolves to (all interfaces if None)."""
    try:
        infos = socket.getaddrinfo(
            address.host, address.port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise ListenError(f"Unable to resolve {address}: {exc.strerror}") from None
    sockets: list[socket.socket] = []
    seen: set[tuple[int, tuple]] = set()
    try:
        for family, kind, proto, _, sockaddr in infos:
            if (family, sockaddr[:2]) in seen:
                continue
            seen.add((family, sockaddr[:2]))
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                # Let 0.0.0.0 and :: bind side by side when both are listed.
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(sockaddr)
            except OSError as exc:
                raise ListenError(f"Unable to bind {address}: {exc.strerror}") from None
            sock.listen(LISTEN_BACKLOG)
            sock.setblocking(False)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def bind_unix(address: UnixAddress) -> socket.socket:
    """Bind a world-connectable UNIX socket, replacing a stale socket file.

    Mode 0777 like upstream: access is decided by authentication (SO_PEERCRED or
    a token), not by file permissions.
    """
    _remove_stale_socket(address.path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0)
    try:
        sock.bind(address.path)
    except OSError as exc:
        sock.close()
        raise ListenError(f"Unable to bind {address}: {exc.strerror}") from None
    finally:
        os.umask(old_umask)
    sock.listen(LISTEN_BACKLOG)
    sock.setblocking(False)
    return sock


def _remove_stale_socket(path: str) -> None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise ListenError(f"Unable to bind unix:{path}: file exists and is not a socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except OSError as exc:
        if exc.errno in (errno.ECONNREFUSED, errno.ENOENT):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            return
        raise ListenError(f"Unable to probe unix:{path}: {exc.strerror}") from None
    finally:
        probe.close()
    raise ListenError(f"Unable to bind unix:{path}: another process is listening on it")


def inherited_sockets(environ: dict[str, str] | os._Environ[str]) -> list[socket.socket]:
    """Listening sockets passed by systemd socket activation (LISTEN_FDS/LISTEN_PID).

    Upstream slurmrestd has no support for this; we take the fds when
    LISTEN_PID names this process, as sd_listen_fds(3) specifies, and clear
    the variables so children do not inherit them.
    """
    pid = environ.get("LISTEN_PID")
    count = environ.get("LISTEN_FDS")
    if not pid or not count:
        return []
    if not _is_number(pid) or int(pid) != os.getpid():
        return []
    if not _is_number(count):
        raise ListenError(f"Invalid LISTEN_FDS={count!r}")
    for name in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        environ.pop(name, None)
    sockets = []
    for fd in range(SD_LISTEN_FDS_START, SD_LISTEN_FDS_START + int(count)):
        try:
            sock = socket.socket(fileno=fd)
        except OSError as exc:
            raise ListenError(f"Inherited fd {fd} is not a socket: {exc.strerror}") from None
        if sock.type != socket.SOCK_STREAM or not sock.getsockopt(
            socket.SOL_SOCKET, socket.SO_ACCEPTCONN
        ):
            sock.detach()
            raise ListenError(f"Inherited fd {fd} is not a listening stream socket")
        os.set_inheritable(fd, False)
        sock.setblocking(False)
        sockets.append(sock)
    return sockets


def describe(sock: socket.socket) -> str:
    """Human form of a listening socket's address, for logs and tests."""
    name = sock.getsockname()
    if sock.family == socket.AF_UNIX:
        return f"unix:{name}"
    if sock.family == socket.AF_INET6:
        return f"[{name[0]}]:{name[1]}"
    return f"{name[0]}:{name[1]}"
